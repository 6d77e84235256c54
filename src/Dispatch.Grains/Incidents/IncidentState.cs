using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;

namespace Dispatch.Grains.Incidents;

[GenerateSerializer]
[Alias("dispatch.state.incident")]
public sealed class IncidentState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Type { get; set; } = "";
    [Id(2)] public IncidentPriority Priority { get; set; }
    [Id(3)] public double Latitude { get; set; }
    [Id(4)] public double Longitude { get; set; }
    [Id(5)] public string Description { get; set; } = "";
    [Id(6)] public IncidentSource Source { get; set; }
    [Id(7)] public IncidentStatus Status { get; set; }
    [Id(8)] public DateTimeOffset CreatedAt { get; set; }
    [Id(9)] public DateTimeOffset? EndedAt { get; set; }
    [Id(10)] public string? Disposition { get; set; }

    /// <summary>True once the tiers are planned; tiers still unfilled after a restart are filled on activation.</summary>
    [Id(11)] public bool TiersPlanned { get; set; }
    [Id(12)] public List<TierState> Tiers { get; set; } = [];
    [Id(13)] public List<AssignmentRecord> Assignments { get; set; } = [];

    // Ids 14 and 15 held the timeline and its journal mark; the timeline is the journal now.

    /// <summary>The grid holding the incident (null outside every grid), for lists by district.</summary>
    [Id(16)] public string? GridId { get; set; }

    /// <summary>When the latest camera alert opened or joined the incident (alert correlation).</summary>
    [Id(17)] public DateTimeOffset? LastAlertAt { get; set; }
}

[GenerateSerializer]
[Alias("dispatch.state.incident-tier")]
public sealed class TierState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public TierKind Kind { get; set; }
    [Id(2)] public int Requested { get; set; }
    [Id(3)] public TimeSpan Target { get; set; }
    [Id(4)] public DateTimeOffset Deadline { get; set; }
    [Id(5)] public TierOutcome Outcome { get; set; }
    [Id(6)] public bool AtRisk { get; set; }
    [Id(7)] public List<string> Shortfalls { get; set; } = [];
    [Id(8)] public DateTimeOffset? FirstArrivalAt { get; set; }
    [Id(9)] public string? StationId { get; set; }
    [Id(10)] public int StationResponders { get; set; }
    [Id(11)] public bool Filled { get; set; }

    /// <summary>Short of units because none was free: looked at again every recheck interval until filled or met.</summary>
    [Id(12)] public bool WaitingForUnits { get; set; }
}

[GenerateSerializer]
[Alias("dispatch.state.incident-assignment")]
public sealed class AssignmentRecord
{
    [Id(0)] public string UnitId { get; set; } = "";
    [Id(1)] public string TierName { get; set; } = "";
    [Id(2)] public long AssignmentNumber { get; set; }
    [Id(3)] public AssignmentState State { get; set; }
    [Id(4)] public DateTimeOffset AssignedAt { get; set; }
    [Id(5)] public DateTimeOffset AckDeadline { get; set; }
    [Id(6)] public double EtaSeconds { get; set; }
    [Id(7)] public DateTimeOffset? ArrivedAt { get; set; }
    [Id(8)] public DateTimeOffset? EndedAt { get; set; }
    [Id(9)] public string? EndReason { get; set; }

    /// <summary>Holds the unit: dispatched through on scene.</summary>
    public bool IsActive => State is AssignmentState.Dispatched or AssignmentState.Acknowledged or AssignmentState.EnRoute or AssignmentState.OnScene;
}
