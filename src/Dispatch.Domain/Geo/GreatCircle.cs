namespace Dispatch.Domain.Geo;

/// <summary>Distances on the WGS84 mean sphere.</summary>
public static class GreatCircle
{
    /// <summary>IUGG mean Earth radius.</summary>
    public const double EarthRadiusMeters = 6_371_008.8;

    /// <summary>Great-circle (haversine) distance between two points.</summary>
    public static double DistanceMeters(GeoPoint a, GeoPoint b) => throw new NotImplementedException();

    /// <summary>The point reached by moving <paramref name="northMeters"/> north and <paramref name="eastMeters"/> east (local tangent-plane approximation, good to well under 1 m over a city).</summary>
    public static GeoPoint Offset(GeoPoint origin, double northMeters, double eastMeters) => throw new NotImplementedException();
}
