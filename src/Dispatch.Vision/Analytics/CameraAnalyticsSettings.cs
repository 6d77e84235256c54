using Dispatch.Vision.Geometry;

namespace Dispatch.Vision.Analytics;

/// <summary>A zone and the rules watched inside it.</summary>
/// <param name="Intrusion">Alert when a person stands inside the zone at all.</param>
/// <param name="LoiteringSeconds">Alert when one person stays inside longer than this; null turns it off.</param>
public sealed record ZoneRule(Zone Zone, bool Intrusion = true, double? LoiteringSeconds = null);

/// <summary>Per-camera analytics configuration. Coordinates are normalised, so one setting fits any resolution.</summary>
public sealed record CameraAnalyticsSettings
{
    public IReadOnlyList<ZoneRule> Zones { get; init; } = [];

    public IReadOnlyList<DirectedLine> Lines { get; init; } = [];

    /// <summary>Alert when more than this many people are tracked in view at once; null turns it off.</summary>
    public int? CrowdAbove { get; init; }

    /// <summary>Quiet time after a crowd alert before the next one.</summary>
    public double CrowdCooldownSeconds { get; init; } = 60;

    /// <summary>Detections scoring below this are ignored.</summary>
    public double MinScore { get; init; } = 0.3;

    /// <summary>A condition must hold for this many consecutive analysed frames before it raises an alert.</summary>
    public int PersistenceFrames { get; init; } = 3;

    /// <summary>Grey-level difference (0..255) a pixel must change by to count as motion.</summary>
    public int MotionThreshold { get; init; } = 25;

    /// <summary>Smallest moving region worth looking at, as a fraction of the frame area.</summary>
    public double MinMotionAreaFraction { get; init; } = 0.001;

    /// <summary>How far (normalised) a person may move between two analysed frames and keep its track.</summary>
    public double TrackMaxStep { get; init; } = 0.12;

    /// <summary>How long a track survives without a matching detection (occlusion, missed detections).</summary>
    public double TrackMaxGapSeconds { get; init; } = 1.0;

    /// <summary>
    /// Quiet time per zone after an intrusion alert: a person whose track broke and restarted inside
    /// the zone is the same intrusion, not a new one.
    /// </summary>
    public double IntrusionCooldownSeconds { get; init; } = 10;

    /// <summary>
    /// How far (normalised) past a line a person's feet must get before they count as on the other side. A person
    /// walking along a line, whose detected feet swing a little either side of it with every step (and a detector's
    /// box wobbles by a few per cent of the frame more), crosses nothing; one who really crosses gets this far within
    /// a step or two. The feet must also stay past it for <see cref="PersistenceFrames"/> frames.
    /// </summary>
    public double LineMinDistance { get; init; } = 0.05;

    /// <summary>Quiet time per person and line after a crossing alert: turning back over the same line at once is the same event.</summary>
    public double LineCooldownSeconds { get; init; } = 5;

    public void Validate()
    {
        if (MinScore is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinScore), MinScore, "MinScore must lie in [0,1]");
        }

        if (PersistenceFrames < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PersistenceFrames), PersistenceFrames, "PersistenceFrames must be at least 1");
        }

        if (CrowdAbove is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CrowdAbove), CrowdAbove, "CrowdAbove must not be negative");
        }

        if (!double.IsFinite(LineMinDistance) || LineMinDistance is < 0 or > 0.5)
        {
            throw new ArgumentOutOfRangeException(nameof(LineMinDistance), LineMinDistance, "LineMinDistance must lie in [0,0.5] (a fraction of the frame)");
        }

        if (!double.IsFinite(LineCooldownSeconds) || LineCooldownSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LineCooldownSeconds), LineCooldownSeconds, "LineCooldownSeconds must not be negative");
        }

        foreach (var zone in Zones)
        {
            if (zone.LoiteringSeconds is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Zones), zone.LoiteringSeconds, $"zone '{zone.Zone.Name}' loitering seconds must be positive");
            }
        }
    }
}
