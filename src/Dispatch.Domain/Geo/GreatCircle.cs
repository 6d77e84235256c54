using System.Globalization;

namespace Dispatch.Domain.Geo;

/// <summary>Distances on the WGS84 mean sphere.</summary>
public static class GreatCircle
{
    /// <summary>IUGG mean Earth radius.</summary>
    public const double EarthRadiusMeters = 6_371_008.8;

    internal const double RadiansPerDegree = Math.PI / 180.0;

    /// <summary>Great-circle (haversine) distance between two points.</summary>
    public static double DistanceMeters(GeoPoint a, GeoPoint b)
    {
        var lat1 = a.Latitude * RadiansPerDegree;
        var lat2 = b.Latitude * RadiansPerDegree;
        return DistanceMeters(lat1, Math.Cos(lat1), a.Longitude, lat2, Math.Cos(lat2), b.Longitude);
    }

    /// <summary>Haversine with the latitudes (radians) and their cosines supplied, so hot loops can cache them.</summary>
    internal static double DistanceMeters(
        double lat1Radians, double cosLat1, double lon1Degrees, double lat2Radians, double cosLat2, double lon2Degrees)
    {
        var sinHalfDLat = Math.Sin((lat2Radians - lat1Radians) / 2);
        var sinHalfDLon = Math.Sin((lon2Degrees - lon1Degrees) * RadiansPerDegree / 2);
        var h = (sinHalfDLat * sinHalfDLat) + (cosLat1 * cosLat2 * sinHalfDLon * sinHalfDLon);

        // Rounding can push h a hair above 1 for antipodal points.
        return 2 * EarthRadiusMeters * Math.Asin(Math.Sqrt(Math.Min(1.0, h)));
    }

    /// <summary>
    /// The point reached by moving <paramref name="northMeters"/> north and <paramref name="eastMeters"/> east
    /// of <paramref name="origin"/>, read as azimuthal-equidistant coordinates around it: the great-circle
    /// distance from the origin is exactly the length of the offset, and over a city the result matches a
    /// local tangent plane to well under 1 m.
    /// </summary>
    public static GeoPoint Offset(GeoPoint origin, double northMeters, double eastMeters)
    {
        if (!double.IsFinite(northMeters))
        {
            throw new ArgumentOutOfRangeException(nameof(northMeters), northMeters, $"northMeters must be a finite number, got {northMeters.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!double.IsFinite(eastMeters))
        {
            throw new ArgumentOutOfRangeException(nameof(eastMeters), eastMeters, $"eastMeters must be a finite number, got {eastMeters.ToString(CultureInfo.InvariantCulture)}");
        }

        var lat0 = origin.Latitude * RadiansPerDegree;
        return Destination(origin, Math.Sin(lat0), Math.Cos(lat0), eastMeters, northMeters);
    }

    /// <summary>Inverse spherical azimuthal-equidistant projection (x east, y north, metres) around an origin.</summary>
    internal static GeoPoint Destination(GeoPoint origin, double sinLat0, double cosLat0, double xMeters, double yMeters)
    {
        var rho = Math.Sqrt((xMeters * xMeters) + (yMeters * yMeters));
        if (rho == 0)
        {
            return origin;
        }

        var c = rho / EarthRadiusMeters;
        var sinC = Math.Sin(c);
        var cosC = Math.Cos(c);
        var sinLat = (cosC * sinLat0) + (yMeters * sinC * cosLat0 / rho);
        var latitude = Math.Asin(Math.Clamp(sinLat, -1.0, 1.0)) / RadiansPerDegree;
        var dLon = Math.Atan2(xMeters * sinC, (rho * cosLat0 * cosC) - (yMeters * sinLat0 * sinC));
        var longitude = NormalizeLongitude(origin.Longitude + (dLon / RadiansPerDegree));
        return new GeoPoint(Math.Clamp(latitude, -90.0, 90.0), longitude);
    }

    /// <summary>Wraps a longitude in degrees into [-180, 180].</summary>
    internal static double NormalizeLongitude(double longitude)
    {
        if (longitude is >= -180 and <= 180)
        {
            return longitude;
        }

        var wrapped = Math.IEEERemainder(longitude, 360.0);
        return wrapped < -180 ? wrapped + 360 : wrapped > 180 ? wrapped - 360 : wrapped;
    }
}
