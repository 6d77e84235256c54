using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;

namespace Dispatch.Grains.Units;

/// <summary>
/// What a patrol unit stores itself, written rarely: an ad-hoc registration (a unit the city file does not list) and
/// an out-of-service spell. Its assignments are in the incident record; its positions in the position table.
/// Coordinates are plain numbers so any storage serializer can round-trip them.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.state.patrol-unit")]
public sealed class PatrolUnitState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string CallSign { get; set; } = "";
    [Id(2)] public UnitKind Kind { get; set; }
    [Id(3)] public string HomeStationId { get; set; } = "";

    /// <summary>Available, or OutOfService while the unit is off duty; other statuses are not stored here.</summary>
    [Id(4)] public UnitStatus Status { get; set; } = UnitStatus.Available;
    [Id(5)] public double? Latitude { get; set; }
    [Id(6)] public double? Longitude { get; set; }
    [Id(7)] public DateTimeOffset? PositionAt { get; set; }

    // Ids 8 and 9 held the current assignment and the history, now in the incident record's assignment table.

    /// <summary>Assignments numbered before the assignment table existed; numbering continues above it.</summary>
    [Id(11)] public long AssignmentsMade { get; set; }

    /// <summary>Why the unit went out of service, and who said so.</summary>
    [Id(12)] public string? OutOfServiceReason { get; set; }

    /// <summary>Client action ids of the latest out-of-service and back-in-service buttons, for a terminal's resend after a restart.</summary>
    [Id(13)] public List<string> RecentActionIds { get; set; } = [];
}

/// <summary>The assignment a unit holds (in memory; durable in the assignment table once its incident commits it).</summary>
internal sealed class HeldAssignment
{
    public string IncidentId { get; set; } = "";
    public string TierName { get; set; } = "";
    public double IncidentLatitude { get; set; }
    public double IncidentLongitude { get; set; }
    public double ArrivalRadiusMeters { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
    public DateTimeOffset AckDeadline { get; set; }
    public long AssignmentNumber { get; set; }

    /// <summary>Claimed but not yet committed by the incident: the officer is not told, and it is given up if never confirmed.</summary>
    public bool Pending { get; set; }

    /// <summary>Released by the incident, which has yet to record it: the unit takes no other claim until then.</summary>
    public bool Ending { get; set; }
}
