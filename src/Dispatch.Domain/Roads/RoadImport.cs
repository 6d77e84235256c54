using System.Globalization;

namespace Dispatch.Domain.Roads;

/// <summary>What the importer does with a feature whose data is broken (it always leaves out, and counts, what a router ignores).</summary>
public enum RoadImportErrorMode
{
    /// <summary>Leave the feature out and list it with its reason in <see cref="RoadImportResult.Skipped"/>.</summary>
    Skip = 0,

    /// <summary>Refuse the whole file with a <see cref="RoadFormatException"/> naming the first bad feature.</summary>
    Refuse = 1,
}

/// <summary>
/// Why a road feature could not be read: the data is broken. What a router would ignore (areas, points, features
/// without a highway tag, platforms, roads under construction) is no error; see <see cref="RoadImportResult.IgnoredFeatures"/>.
/// </summary>
public enum RoadImportErrorKind
{
    /// <summary>Not a GeoJSON Feature object.</summary>
    NotAFeature = 0,

    /// <summary>A road's geometry absent, of no GeoJSON type, a line with fewer than two points, or a non-numeric position.</summary>
    BadGeometry = 1,

    /// <summary>A longitude or latitude outside the WGS84 range, or not finite.</summary>
    CoordinateOutOfRange = 2,
}

public sealed class RoadImportOptions
{
    public RoadImportErrorMode OnError { get; set; } = RoadImportErrorMode.Skip;
}

/// <summary>A feature left out of the import: its 0-based index in the file, the kind of fault and a readable reason.</summary>
public sealed record SkippedRoadFeature(int FeatureIndex, RoadImportErrorKind Kind, string Reason);

/// <summary>The imported roads, in file order; every broken feature that was skipped; and what was left out on purpose.</summary>
/// <param name="Skipped">Broken features (with <see cref="RoadImportErrorMode.Skip"/>), each with its index and reason.</param>
/// <param name="IgnoredFeatures">
/// Features a router does not use, counted by why: "area" (Polygon or area=yes), "point" (tagged nodes),
/// "no highway tag", "highway=platform", "highway=construction", ..., "oneway=reversible".
/// </param>
/// <param name="IgnoredTags">Tag values that are not understood, counted by value ("maxspeed \"walk\""); the road is kept without them.</param>
public sealed record RoadImportResult(
    IReadOnlyList<RoadFeature> Roads,
    IReadOnlyList<SkippedRoadFeature> Skipped,
    IReadOnlyDictionary<string, int> IgnoredFeatures,
    IReadOnlyDictionary<string, int> IgnoredTags)
{
    public RoadImportResult(IReadOnlyList<RoadFeature> roads, IReadOnlyList<SkippedRoadFeature> skipped)
        : this(roads, skipped, new Dictionary<string, int>(), new Dictionary<string, int>())
    {
    }

    public int IgnoredFeatureCount => IgnoredFeatures.Values.Sum();

    /// <summary>"12 features a router does not use (4 area, 4 highway=platform, ...)", or empty when none.</summary>
    public string DescribeIgnored()
    {
        var parts = new List<string>();
        if (IgnoredFeatures.Count > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{IgnoredFeatureCount} features a router does not use left out ({Largest(IgnoredFeatures)})"));
        }

        if (IgnoredTags.Count > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{IgnoredTags.Values.Sum()} tag values not understood and dropped ({Largest(IgnoredTags)})"));
        }

        return string.Join("; ", parts);
    }

    private static string Largest(IReadOnlyDictionary<string, int> counts)
    {
        var top = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", top.Take(6).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value} {c.Key}")));
        return top.Count > 6 ? shown + ", ..." : shown;
    }
}

/// <summary>A road file was refused: which feature (0-based, -1 for the file itself), what kind of fault and why.</summary>
public sealed class RoadFormatException(int featureIndex, RoadImportErrorKind? kind, string reason)
    : FormatException(featureIndex < 0 ? $"road file: {reason}" : $"road file: feature {featureIndex}: {reason}")
{
    public int FeatureIndex { get; } = featureIndex;

    /// <summary>Null when the file as a whole is not a FeatureCollection.</summary>
    public RoadImportErrorKind? Kind { get; } = kind;

    public string Reason { get; } = reason;
}
