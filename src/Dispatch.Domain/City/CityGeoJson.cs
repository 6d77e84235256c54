namespace Dispatch.Domain.City;

/// <summary>A city file was refused: which feature (0-based index, -1 for the file itself) and why.</summary>
public sealed class CityFormatException(int featureIndex, string reason)
    : FormatException(featureIndex < 0 ? $"city file: {reason}" : $"city file: feature {featureIndex}: {reason}")
{
    public int FeatureIndex { get; } = featureIndex;

    public string Reason { get; } = reason;
}

/// <summary>Reads and writes the city GeoJSON format (see docs/city-format.md).</summary>
public static class CityGeoJson
{
    /// <summary>Parses a city; throws <see cref="CityFormatException"/> naming the first bad feature.</summary>
    public static CityModel Read(string json) => throw new NotImplementedException();

    public static CityModel Read(Stream utf8Json) => throw new NotImplementedException();

    /// <summary>The city as a GeoJSON FeatureCollection that <see cref="Read(string)"/> reads back unchanged.</summary>
    public static string Write(CityModel city) => throw new NotImplementedException();
}
