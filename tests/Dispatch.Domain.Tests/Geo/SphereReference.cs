using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Tests.Geo;

/// <summary>Independent references for checking geo code: 3-D chord distance and spherical zone area.</summary>
internal static class SphereReference
{
    public const double EarthRadiusMeters = 6_371_008.8;

    public static double ChordDistanceMeters(GeoPoint a, GeoPoint b)
    {
        var (ax, ay, az) = UnitVector(a);
        var (bx, by, bz) = UnitVector(b);
        var chord = Math.Sqrt(((ax - bx) * (ax - bx)) + ((ay - by) * (ay - by)) + ((az - bz) * (az - bz)));
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1.0, chord / 2));
    }

    /// <summary>Area on the sphere of a latitude/longitude rectangle.</summary>
    public static double RectangleAreaSquareMeters(double south, double north, double west, double east) =>
        EarthRadiusMeters * EarthRadiusMeters * Radians(east - west) * (Math.Sin(Radians(north)) - Math.Sin(Radians(south)));

    public static double Radians(double degrees) => degrees * Math.PI / 180;

    private static (double X, double Y, double Z) UnitVector(GeoPoint p)
    {
        var lat = Radians(p.Latitude);
        var lon = Radians(p.Longitude);
        return (Math.Cos(lat) * Math.Cos(lon), Math.Cos(lat) * Math.Sin(lon), Math.Sin(lat));
    }
}
