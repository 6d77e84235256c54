using System.Collections.Frozen;

namespace Dispatch.Domain.Plans;

/// <summary>Where a tier's responders come from.</summary>
public enum TierKind
{
    /// <summary>The on-duty responders of the station whose grid holds the incident.</summary>
    StationResponders = 0,

    /// <summary>The available units that can arrive fastest.</summary>
    NearestUnits = 1,
}

/// <summary>One response tier: a target arrival time and how many responders to send per priority.</summary>
public sealed record ResponseTier(
    string Name,
    TimeSpan Target,
    TierKind Kind,
    IReadOnlyDictionary<IncidentPriority, int> RespondersByPriority)
{
    /// <summary>How many responders this tier sends to an incident of <paramref name="priority"/> (0 when none).</summary>
    public int RespondersFor(IncidentPriority priority) =>
        RespondersByPriority.TryGetValue(priority, out var count) ? count : 0;
}

/// <summary>A city's response plan: tiers in order, arrival radius and acknowledgement deadline.</summary>
public sealed record ResponsePlan(IReadOnlyList<ResponseTier> Tiers, double ArrivalRadiusMeters, TimeSpan AckDeadline)
{
    public const double DefaultArrivalRadiusMeters = 100;

    public const int DefaultAckDeadlineSeconds = 30;

    /// <summary>The 1/3/5-minute plan: station responders at 60 s, nearest patrols at 180 s, reinforcements at 300 s.</summary>
    public static ResponsePlan Default { get; } = new(
        DefaultTiers(),
        DefaultArrivalRadiusMeters,
        TimeSpan.FromSeconds(DefaultAckDeadlineSeconds));

    private static IReadOnlyList<ResponseTier> DefaultTiers() => Array.AsReadOnly<ResponseTier>(
    [
        new("station", TimeSpan.FromSeconds(60), TierKind.StationResponders, Counts(critical: 2, high: 2, normal: 1, low: 1)),
        new("patrol", TimeSpan.FromSeconds(180), TierKind.NearestUnits, Counts(critical: 2, high: 1, normal: 1, low: 1)),
        // Reinforcements only for incidents that need more than the first two tiers bring.
        new("reinforcement", TimeSpan.FromSeconds(300), TierKind.NearestUnits, Counts(critical: 2, high: 1, normal: 0, low: 0)),
    ]);

    private static FrozenDictionary<IncidentPriority, int> Counts(int critical, int high, int normal, int low) =>
        new Dictionary<IncidentPriority, int>
        {
            [IncidentPriority.Critical] = critical,
            [IncidentPriority.High] = high,
            [IncidentPriority.Normal] = normal,
            [IncidentPriority.Low] = low,
        }.ToFrozenDictionary();
}
