namespace Dispatch.Domain.Roads;

/// <summary>What the importer does with a feature it cannot read.</summary>
public enum RoadImportErrorMode
{
    /// <summary>Leave the feature out and list it with its reason in <see cref="RoadImportResult.Skipped"/>.</summary>
    Skip = 0,

    /// <summary>Refuse the whole file with a <see cref="RoadFormatException"/> naming the first bad feature.</summary>
    Refuse = 1,
}

/// <summary>Why a road feature was not imported.</summary>
public enum RoadImportErrorKind
{
    /// <summary>Not a GeoJSON Feature object.</summary>
    NotAFeature = 0,

    /// <summary>Geometry absent, not a LineString/MultiLineString, a line with fewer than two points, or a non-numeric position.</summary>
    BadGeometry = 1,

    /// <summary>A longitude or latitude outside the WGS84 range, or not finite.</summary>
    CoordinateOutOfRange = 2,

    /// <summary>No "highway" property.</summary>
    MissingHighway = 3,

    /// <summary>A "highway" value that is not a road a unit can use (construction, proposed, ...).</summary>
    UnknownHighway = 4,

    /// <summary>A "maxspeed" value that is not a speed.</summary>
    BadMaxSpeed = 5,

    /// <summary>A "oneway" value other than yes/true/1/-1/no/false/0 (e.g. "reversible").</summary>
    BadOneWay = 6,
}

public sealed class RoadImportOptions
{
    public RoadImportErrorMode OnError { get; set; } = RoadImportErrorMode.Skip;
}

/// <summary>A feature left out of the import: its 0-based index in the file, the kind of fault and a readable reason.</summary>
public sealed record SkippedRoadFeature(int FeatureIndex, RoadImportErrorKind Kind, string Reason);

/// <summary>The imported roads, in file order, and every feature that was skipped.</summary>
public sealed record RoadImportResult(IReadOnlyList<RoadFeature> Roads, IReadOnlyList<SkippedRoadFeature> Skipped);

/// <summary>A road file was refused: which feature (0-based, -1 for the file itself), what kind of fault and why.</summary>
public sealed class RoadFormatException(int featureIndex, RoadImportErrorKind? kind, string reason)
    : FormatException(featureIndex < 0 ? $"road file: {reason}" : $"road file: feature {featureIndex}: {reason}")
{
    public int FeatureIndex { get; } = featureIndex;

    /// <summary>Null when the file as a whole is not a FeatureCollection.</summary>
    public RoadImportErrorKind? Kind { get; } = kind;

    public string Reason { get; } = reason;
}
