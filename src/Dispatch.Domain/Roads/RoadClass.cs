namespace Dispatch.Domain.Roads;

/// <summary>
/// The OpenStreetMap highway classes a dispatch road graph distinguishes. Link roads
/// ("primary_link") share the class of their road; the foot-only classes carry no vehicles.
/// </summary>
public enum RoadClass
{
    Motorway = 0,
    Trunk = 1,
    Primary = 2,
    Secondary = 3,
    Tertiary = 4,
    Unclassified = 5,
    Residential = 6,
    LivingStreet = 7,
    Service = 8,
    Track = 9,
    Cycleway = 10,
    Pedestrian = 11,
    Footway = 12,
    Path = 13,
    Steps = 14,
}

/// <summary>Translation between OSM "highway" tag values and <see cref="RoadClass"/>.</summary>
public static class RoadClasses
{
    public static readonly int Count = Enum.GetValues<RoadClass>().Length;

    /// <summary>The class of an OSM highway value, or null for values that are not roads (construction, proposed, platform, ...).</summary>
    public static RoadClass? FromHighwayTag(string highway) => highway switch
    {
        "motorway" or "motorway_link" => RoadClass.Motorway,
        "trunk" or "trunk_link" => RoadClass.Trunk,
        "primary" or "primary_link" => RoadClass.Primary,
        "secondary" or "secondary_link" => RoadClass.Secondary,
        "tertiary" or "tertiary_link" => RoadClass.Tertiary,
        "unclassified" or "road" => RoadClass.Unclassified,
        "residential" => RoadClass.Residential,
        "living_street" => RoadClass.LivingStreet,
        "service" => RoadClass.Service,
        "track" => RoadClass.Track,
        "cycleway" => RoadClass.Cycleway,
        "pedestrian" => RoadClass.Pedestrian,
        "footway" or "corridor" => RoadClass.Footway,
        "path" or "bridleway" => RoadClass.Path,
        "steps" => RoadClass.Steps,
        _ => null,
    };

    /// <summary>The canonical OSM highway value written for a class.</summary>
    public static string ToHighwayTag(RoadClass roadClass) => roadClass switch
    {
        RoadClass.Motorway => "motorway",
        RoadClass.Trunk => "trunk",
        RoadClass.Primary => "primary",
        RoadClass.Secondary => "secondary",
        RoadClass.Tertiary => "tertiary",
        RoadClass.Unclassified => "unclassified",
        RoadClass.Residential => "residential",
        RoadClass.LivingStreet => "living_street",
        RoadClass.Service => "service",
        RoadClass.Track => "track",
        RoadClass.Cycleway => "cycleway",
        RoadClass.Pedestrian => "pedestrian",
        RoadClass.Footway => "footway",
        RoadClass.Path => "path",
        RoadClass.Steps => "steps",
        _ => throw new ArgumentOutOfRangeException(nameof(roadClass), roadClass, $"unknown road class {roadClass}"),
    };

    /// <summary>OSM tags motorways one-way unless they say otherwise.</summary>
    public static bool IsImplicitlyOneWay(RoadClass roadClass) => roadClass == RoadClass.Motorway;
}
