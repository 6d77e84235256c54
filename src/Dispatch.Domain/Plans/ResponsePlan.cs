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
    public int RespondersFor(IncidentPriority priority) => throw new NotImplementedException();
}

/// <summary>A city's response plan: tiers in order, arrival radius and acknowledgement deadline.</summary>
public sealed record ResponsePlan(IReadOnlyList<ResponseTier> Tiers, double ArrivalRadiusMeters, TimeSpan AckDeadline)
{
    /// <summary>The 1/3/5-minute plan: station responders at 60 s, nearest patrols at 180 s, reinforcements at 300 s.</summary>
    public static ResponsePlan Default => throw new NotImplementedException();
}
