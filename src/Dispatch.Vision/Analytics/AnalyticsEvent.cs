using Dispatch.Vision.Geometry;

namespace Dispatch.Vision.Analytics;

/// <summary>What the rules can raise; the gateway maps these onto the wire's alert kinds.</summary>
public enum AnalyticsEventKind
{
    Intrusion,
    LineCrossing,
    Loitering,
    Crowd,
}

/// <summary>One rule firing on one camera.</summary>
/// <param name="At">The frame's time on the source's clock (offset from the start of the stream).</param>
/// <param name="Attributes">Details for operators: zone, line, direction, dwell_seconds, people_count, track_id.</param>
/// <param name="Outlines">The zone or line of the rule that fired, drawn on the snapshot beside the boxes; empty for crowds.</param>
public sealed record AnalyticsEvent(
    AnalyticsEventKind Kind,
    TimeSpan At,
    double Confidence,
    IReadOnlyList<NormalizedBox> Boxes,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<RuleOutline>? Outlines = null)
{
    public IReadOnlyList<RuleOutline> Outlines { get; init; } = Outlines ?? [];
}
