using Dispatch.Abstractions.Common;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Abstractions.Units;

/// <summary>What a unit is, for a unit the city file does not list; idempotent.</summary>
[GenerateSerializer]
[Alias("dispatch.unit-registration")]
public sealed record UnitRegistration(
    [property: Id(0)] string CallSign,
    [property: Id(1)] UnitKind Kind,
    [property: Id(2)] string HomeStationId,
    [property: Id(3)] GeoPoint Start);

/// <summary>A unit's current assignment as the unit itself holds it.</summary>
[GenerateSerializer]
[Alias("dispatch.unit-assignment")]
public sealed record UnitAssignment(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string TierName,
    [property: Id(2)] GeoPoint IncidentLocation,
    [property: Id(3)] DateTimeOffset AssignedAt,
    [property: Id(4)] DateTimeOffset AckDeadline,
    [property: Id(5)] long AssignmentNumber);

/// <summary>A unit as operators and terminals see it.</summary>
[GenerateSerializer]
[Alias("dispatch.unit-view")]
public sealed record UnitView(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string CallSign,
    [property: Id(2)] UnitKind Kind,
    [property: Id(3)] string HomeStationId,
    [property: Id(4)] UnitStatus Status,
    [property: Id(5)] GeoPoint? Position,
    [property: Id(6)] DateTimeOffset? PositionAt,
    [property: Id(7)] UnitAssignment? Assignment,
    [property: Id(8)] string? OutOfServiceReason = null);

/// <summary>
/// One entry of a unit's own append-only assignment history. <see cref="StartSequence"/> and
/// <see cref="EndSequence"/> number the unit's own events, so intervals can be checked for overlap even
/// when clock readings tie. <see cref="EndedAt"/> is null while the assignment is held.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.unit-assignment-record")]
public sealed record UnitAssignmentRecord(
    [property: Id(0)] long AssignmentNumber,
    [property: Id(1)] string IncidentId,
    [property: Id(2)] string TierName,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] long StartSequence,
    [property: Id(5)] DateTimeOffset? EndedAt,
    [property: Id(6)] long? EndSequence,
    [property: Id(7)] string? EndReason);

/// <summary>A claim on a unit for one tier of an incident.</summary>
[GenerateSerializer]
[Alias("dispatch.assignment-request")]
public sealed record AssignmentRequest(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string TierName,
    [property: Id(2)] GeoPoint IncidentLocation,
    [property: Id(3)] double ArrivalRadiusMeters,
    [property: Id(4)] TimeSpan AckWithin,
    [property: Id(5)] string Actor);

/// <summary>The unit's answer to a claim: accepted with the assignment, or refused with the reason.</summary>
[GenerateSerializer]
[Alias("dispatch.assignment-decision")]
public sealed record AssignmentDecision(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string? Reason,
    [property: Id(2)] UnitAssignment? Assignment)
{
    public static AssignmentDecision Refused(string reason) => new(false, reason, null);
}

/// <summary>Buttons on an officer's terminal.</summary>
public enum TerminalAction
{
    Acknowledge = 0,
    EnRoute = 1,
    OnScene = 2,
    Clear = 3,
    Available = 4,
    OutOfService = 5,
    BackInService = 6,
}

/// <summary>How an assignment ended, as the unit reports it to its incident.</summary>
public enum UnitReportKind
{
    Acknowledged = 0,
    EnRoute = 1,
    OnScene = 2,
    Cleared = 3,
    Released = 4,
}

/// <summary>A unit tells its incident what happened (acknowledged, on scene...), with who and when.</summary>
[GenerateSerializer]
[Alias("dispatch.unit-report")]
public sealed record UnitReport(
    [property: Id(0)] string UnitId,
    [property: Id(1)] long AssignmentNumber,
    [property: Id(2)] UnitReportKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string Actor,
    [property: Id(5)] string Detail,
    [property: Id(6)] string? ClientActionId = null);

/// <summary>A terminal button's result, and whether it was a resend of a button already applied.</summary>
[GenerateSerializer]
[Alias("live.terminal-action-outcome")]
public sealed record TerminalActionOutcome([property: Id(0)] CommandResult Result, [property: Id(1)] bool Duplicate);

/// <summary>One GPS fix of a unit, as a terminal reported it and the host took it.</summary>
[GenerateSerializer]
[Alias("dispatch.unit-position-report")]
public sealed record UnitPositionReport(
    [property: Id(0)] string UnitId,
    [property: Id(1)] GeoPoint Position,
    [property: Id(2)] DateTimeOffset At);
