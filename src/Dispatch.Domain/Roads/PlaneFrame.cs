using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Roads;

/// <summary>
/// Equirectangular metres around an origin (X east, Y north): a few multiplications per point and
/// no allocation, which the per-incident snapping and search paths need. Over a city the error
/// against the great-circle distance stays well under 0.1 %.
/// </summary>
public readonly record struct PlaneFrame
{
    private const double MetersPerDegree = GreatCircle.EarthRadiusMeters * Math.PI / 180;

    public PlaneFrame(GeoPoint origin)
    {
        Origin = origin;
        EastMetersPerDegree = MetersPerDegree * Math.Cos(origin.Latitude * Math.PI / 180);
    }

    public GeoPoint Origin { get; }

    public double EastMetersPerDegree { get; }

    public double X(GeoPoint point) => (point.Longitude - Origin.Longitude) * EastMetersPerDegree;

    public double Y(GeoPoint point) => (point.Latitude - Origin.Latitude) * MetersPerDegree;

    /// <summary>The position at plane coordinates; clamped to the valid latitude/longitude range.</summary>
    public GeoPoint ToGeo(double x, double y) => new(
        Math.Clamp(Origin.Latitude + (y / MetersPerDegree), -90, 90),
        Math.Clamp(Origin.Longitude + (x / EastMetersPerDegree), -180, 180));
}
