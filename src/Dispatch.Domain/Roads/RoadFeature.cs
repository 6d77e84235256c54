using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Roads;

/// <summary>Which way vehicles may drive along a road's digitised direction. People on foot ignore it.</summary>
public enum OneWay
{
    /// <summary>Both directions.</summary>
    No = 0,

    /// <summary>Only in the direction the line is drawn ("yes", "true", "1").</summary>
    Forward = 1,

    /// <summary>Only against the direction the line is drawn ("-1").</summary>
    Backward = 2,
}

/// <summary>
/// One imported road: its class, speed limit (null when not tagged), one-way rule, name, and one or
/// more polylines (a MultiLineString gives several) of at least two points each. <see cref="NameEn"/> is the
/// English name (OSM "name:en") where the data has one.
/// </summary>
public sealed record RoadFeature(
    RoadClass Class,
    double? MaxSpeedKmh,
    OneWay OneWay,
    string? Name,
    IReadOnlyList<IReadOnlyList<GeoPoint>> Lines,
    string? NameEn = null);
