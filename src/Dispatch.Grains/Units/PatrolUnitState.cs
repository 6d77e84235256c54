using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;

namespace Dispatch.Grains.Units;

/// <summary>Persisted state of a patrol unit. Coordinates are plain numbers so any storage serializer can round-trip them.</summary>
[GenerateSerializer]
[Alias("dispatch.state.patrol-unit")]
public sealed class PatrolUnitState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string CallSign { get; set; } = "";
    [Id(2)] public UnitKind Kind { get; set; }
    [Id(3)] public string HomeStationId { get; set; } = "";
    [Id(4)] public UnitStatus Status { get; set; } = UnitStatus.Available;
    [Id(5)] public double? Latitude { get; set; }
    [Id(6)] public double? Longitude { get; set; }
    [Id(7)] public DateTimeOffset? PositionAt { get; set; }
    [Id(8)] public HeldAssignment? Assignment { get; set; }
    [Id(9)] public List<UnitAssignmentRecord> History { get; set; } = [];

    /// <summary>Numbers the unit's own events (assignment starts and ends) so history intervals order without the clock.</summary>
    [Id(10)] public long EventSequence { get; set; }

    /// <summary>Assignments ever made to the unit; numbers them, since <see cref="History"/> keeps only the latest.</summary>
    [Id(11)] public long AssignmentsMade { get; set; }
}

[GenerateSerializer]
[Alias("dispatch.state.held-assignment")]
public sealed class HeldAssignment
{
    [Id(0)] public string IncidentId { get; set; } = "";
    [Id(1)] public string TierName { get; set; } = "";
    [Id(2)] public double IncidentLatitude { get; set; }
    [Id(3)] public double IncidentLongitude { get; set; }
    [Id(4)] public double ArrivalRadiusMeters { get; set; }
    [Id(5)] public DateTimeOffset AssignedAt { get; set; }
    [Id(6)] public DateTimeOffset AckDeadline { get; set; }
    [Id(7)] public long AssignmentNumber { get; set; }
}
