using System.Globalization;

namespace Dispatch.Domain.Geo;

/// <summary>A WGS84 position in degrees. Construction refuses NaN, infinities and out-of-range values.</summary>
public readonly record struct GeoPoint
{
    public GeoPoint(double latitude, double longitude)
    {
        var error = Validate(latitude, longitude);
        if (error is not null)
        {
            throw new ArgumentOutOfRangeException(nameof(latitude), error);
        }

        Latitude = latitude;
        Longitude = longitude;
    }

    public double Latitude { get; }

    public double Longitude { get; }

    /// <summary>A validated point, or the reason the coordinates are refused.</summary>
    public static Result<GeoPoint> Create(double latitude, double longitude)
    {
        var error = Validate(latitude, longitude);
        return error is null ? Result<GeoPoint>.Ok(new GeoPoint(latitude, longitude)) : Result<GeoPoint>.Fail(error);
    }

    /// <summary>Null when the coordinates form a valid WGS84 point, otherwise a message naming the bad value.</summary>
    public static string? Validate(double latitude, double longitude)
    {
        if (!double.IsFinite(latitude))
        {
            return $"latitude must be a finite number, got {latitude.ToString(CultureInfo.InvariantCulture)}";
        }

        if (!double.IsFinite(longitude))
        {
            return $"longitude must be a finite number, got {longitude.ToString(CultureInfo.InvariantCulture)}";
        }

        if (latitude is < -90 or > 90)
        {
            return $"latitude must be within [-90, 90] degrees, got {latitude.ToString(CultureInfo.InvariantCulture)}";
        }

        if (longitude is < -180 or > 180)
        {
            return $"longitude must be within [-180, 180] degrees, got {longitude.ToString(CultureInfo.InvariantCulture)}";
        }

        return null;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"({Latitude:F6}, {Longitude:F6})");
}
