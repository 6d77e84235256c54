using Dispatch.Domain.Geo;

namespace Dispatch.Abstractions.Common;

/// <summary>Wire form of <see cref="GeoPoint"/>, which validates in its constructor and so cannot be filled field by field.</summary>
[GenerateSerializer]
[Alias("dispatch.geo-point")]
public struct GeoPointSurrogate
{
    [Id(0)]
    public double Latitude;

    [Id(1)]
    public double Longitude;
}

[RegisterConverter]
public sealed class GeoPointSurrogateConverter : IConverter<GeoPoint, GeoPointSurrogate>
{
    public GeoPoint ConvertFromSurrogate(in GeoPointSurrogate surrogate) => new(surrogate.Latitude, surrogate.Longitude);

    public GeoPointSurrogate ConvertToSurrogate(in GeoPoint value) => new() { Latitude = value.Latitude, Longitude = value.Longitude };
}
