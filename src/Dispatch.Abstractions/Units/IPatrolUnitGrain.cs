using Dispatch.Abstractions.Common;
using Dispatch.Domain.Geo;
using Orleans.Concurrency;

namespace Dispatch.Abstractions.Units;

/// <summary>
/// A patrol unit (key: unit id). Its grain is the single authority on whether the unit may take an assignment:
/// <see cref="TryAssignAsync"/> runs one call at a time, so a unit is never claimed twice, and the incident's commit
/// of the claim is refused by the store if the unit already holds an active assignment there. What the unit is
/// (call sign, kind, station, start) comes from the city; its assignments from the incident record; only an
/// out-of-service spell or an ad-hoc registration is stored by the unit itself. Commands on a unit the service does
/// not know are refused with "unknown unit".
/// </summary>
[Alias("dispatch.IPatrolUnitGrain")]
public interface IPatrolUnitGrain : IGrainWithStringKey
{
    /// <summary>Registers a unit the city does not list (or changes one that it does); keeps status and assignments.</summary>
    [Alias("register")]
    Task RegisterAsync(UnitRegistration registration);

    /// <summary>Null when the unit is unknown. Answers even while the unit waits on its incident.</summary>
    [AlwaysInterleave]
    [Alias("get")]
    Task<UnitView?> GetAsync();

    /// <summary>The unit's latest assignments (at most 256), oldest first; the incident journal keeps the full record.</summary>
    [Alias("history")]
    Task<IReadOnlyList<UnitAssignmentRecord>> GetHistoryAsync();

    /// <summary>
    /// One GPS fix (tools and tests). Terminals' fixes travel in batches through <see cref="Zones.IPositionRouterGrain"/>;
    /// a fix inside the arrival radius of the unit's incident counts as arrival either way.
    /// </summary>
    [Alias("position")]
    Task<CommandResult> ReportPositionAsync(GeoPoint position);

    /// <summary>
    /// Claims the unit for an incident tier; refused unless the unit is known and available. The claim holds the unit
    /// until the incident confirms it (<see cref="ConfirmAssignmentAsync"/>) once its commit is durable, or gives it up.
    /// </summary>
    /// <remarks>
    /// Answers even while the unit waits on its own incident (an officer's button being journaled): a unit that waits
    /// holds an assignment and refuses at once, so an incident claiming it never waits on a chain of incidents and units.
    /// </remarks>
    [AlwaysInterleave]
    [Alias("try-assign")]
    Task<AssignmentDecision> TryAssignAsync(AssignmentRequest request);

    /// <summary>The incident committed the claim (the officer is told now) or could not (the unit is free again).</summary>
    [OneWay]
    [Alias("confirm-assignment")]
    Task ConfirmAssignmentAsync(string incidentId, long assignmentNumber, bool committed);

    /// <summary>An officer's button, validated by the unit status machine; durable (in the incident's journal) when it answers.</summary>
    [Alias("terminal")]
    Task<CommandResult> PerformAsync(TerminalAction action, string actor);

    /// <summary>
    /// The same, once per <paramref name="clientActionId"/>: a terminal that lost its connection resends its queue and a
    /// button already applied answers as a duplicate with its first result.
    /// </summary>
    [Alias("terminal-once")]
    Task<TerminalActionOutcome> PerformOnceAsync(string clientActionId, TerminalAction action, string actor);

    /// <summary>
    /// Out of service with the officer's reason (refused while the unit holds an assignment), once per
    /// <paramref name="clientActionId"/> like <see cref="PerformOnceAsync"/>; the reason is kept until back in service.
    /// </summary>
    [Alias("out-of-service-once")]
    Task<TerminalActionOutcome> GoOutOfServiceOnceAsync(string clientActionId, string reason, string actor);

    /// <summary>
    /// Takes the unit off <paramref name="incidentId"/> before the incident records it (the ack deadline). Refused when
    /// the unit does not hold that incident, and with <paramref name="onlyIfUnacknowledged"/> once the officer acknowledged.
    /// </summary>
    /// <remarks>Runs even while the unit waits on that incident (an officer's button racing the deadline), so neither waits on the other.</remarks>
    [AlwaysInterleave]
    [Alias("release")]
    Task<CommandResult> ReleaseAsync(string incidentId, string reason, string actor, bool onlyIfUnacknowledged);

    /// <summary>The incident has recorded the end of the unit's assignment (closed, cancelled, unassigned, reassigned).</summary>
    [OneWay]
    [Alias("assignment-ended")]
    Task AssignmentEndedAsync(string incidentId, long assignmentNumber, string reason);

    /// <summary>A zone saw the unit's position inside its arrival radius.</summary>
    [OneWay]
    [Alias("arrived")]
    Task ArrivedAsync(GeoPoint position, DateTimeOffset at);

    /// <summary>A zone met the unit's position for the first time: the unit tells every zone that should index it.</summary>
    [OneWay]
    [Alias("join-zone")]
    Task JoinZoneAsync(string zoneKey, GeoPoint position, DateTimeOffset at);

    /// <summary>Activates the unit, which tells the zones around it what it is (sent at start-up).</summary>
    [Alias("wake")]
    Task WakeAsync();

    /// <summary>A zone activating asks what the unit is; the unit counts the zone among those it tells of changes.</summary>
    [AlwaysInterleave]
    [Alias("describe-for-zone")]
    Task<Zones.ZoneUnit?> DescribeForZoneAsync(string zoneKey);

    /// <summary>A claim its incident never confirmed: kept if the record holds it, given up otherwise (sent by the unit's own timer).</summary>
    [OneWay]
    [Alias("confirm-from-record")]
    Task ConfirmFromRecordAsync(string incidentId, long assignmentNumber);
}
