using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;

namespace Dispatch.Simulator.Live;

// The parts of the hubs' messages a simulated terminal or call-taker reads (docs/live.md, "Hub contract"). The
// simulator speaks to the host as a client does, over JSON, so it keeps its own small copies of the shapes
// rather than referencing the host; fields it does not need are left out and ignored when they arrive.

/// <summary>A unit's current assignment as its terminal gets it.</summary>
public sealed record TerminalAssignment(string IncidentId, string TierName, double Latitude, double Longitude, long AssignmentNumber);

/// <summary>A unit's state as its terminal gets it.</summary>
public sealed record TerminalUnit(string UnitId, UnitKind Kind, UnitStatus Status, double? Latitude, double? Longitude, TerminalAssignment? Assignment);

/// <summary>The answer to <c>SignIn</c>.</summary>
public sealed record TerminalSignedIn(long Seq, TerminalUnit Unit);

/// <summary>The answer to <c>Perform</c>.</summary>
public sealed record TerminalPerformed(string ClientActionId, bool Duplicate, TerminalUnit Unit);

/// <summary>A change pushed by a hub: the host's sequence number, then the entity.</summary>
public sealed record HubDelta<T>(long Seq, T Item);

/// <summary>A unit on an incident, as operators see it.</summary>
public sealed record IncidentUnit(string UnitId, AssignmentState State);

/// <summary>A response tier as operators see it (the parts a station desk uses: its station and committed responders).</summary>
public sealed record IncidentTier(string Name, TierKind Kind, string? StationId, int StationResponders, DateTimeOffset? FirstArrivalAt);

/// <summary>An incident as operators see it (the parts the call-taker uses to close finished ones, and station desks to report on scene).</summary>
public sealed record IncidentSummary(string IncidentId, IncidentStatus Status, IReadOnlyList<IncidentUnit> Assignments)
{
    public double Latitude { get; init; }

    public double Longitude { get; init; }

    public IReadOnlyList<IncidentTier> Tiers { get; init; } = [];

    /// <summary>The station tier whose committed responders are not on scene yet, if any.</summary>
    public IncidentTier? StationTierWaiting => Status == IncidentStatus.Open
        ? Tiers.FirstOrDefault(t => t.Kind == TierKind.StationResponders && t.StationResponders > 0 && t.StationId is not null && t.FirstArrivalAt is null)
        : null;

    /// <summary>Every unit that went has cleared (or was released), and at least one cleared: the job is done.</summary>
    public bool Finished =>
        Status == IncidentStatus.Open
        && Assignments.Any(a => a.State == AssignmentState.Cleared)
        && Assignments.All(a => a.State is AssignmentState.Cleared or AssignmentState.Released);
}

/// <summary>The answer to <c>Subscribe</c> (the incidents only).</summary>
public sealed record OperationsSubscribed(long Seq, IReadOnlyList<IncidentSummary> Incidents);
