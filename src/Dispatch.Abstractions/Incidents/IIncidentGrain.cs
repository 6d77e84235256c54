using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Orleans.Concurrency;

namespace Dispatch.Abstractions.Incidents;

/// <summary>
/// Accepts reports from call-takers, operators and cameras (stateless, any silo): validates, creates the
/// incident and returns its id at once; dispatch continues asynchronously inside the incident.
/// </summary>
[Alias("dispatch.IIntakeGrain")]
public interface IIntakeGrain : IGrainWithIntegerKey
{
    [Alias("report")]
    Task<IntakeResult> ReportAsync(IncidentReport report);
}

/// <summary>An incident (key: incident id): tiers, assignments, arrivals and the audited timeline.</summary>
[Alias("dispatch.IIncidentGrain")]
public interface IIncidentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the incident from a validated report and runs its first dispatch step; both are durable in one commit
    /// when this answers. Refused if the report is invalid or the id is taken.
    /// </summary>
    [Alias("open")]
    Task<CommandResult> OpenAsync(IncidentReport report);

    /// <summary>The same for a camera alert, which is recorded in the alert ledger in the same commit.</summary>
    [Alias("open-from-alert")]
    Task<CommandResult> OpenFromAlertAsync(IncidentReport report, AlertLedgerEntry alert);

    /// <summary>Another camera alert of the same event joins the open incident (journaled with its ledger entry); refused once it is closed.</summary>
    [Alias("attach-alert")]
    Task<CommandResult> AttachAlertAsync(AlertLedgerEntry alert, string description);

    /// <summary>Null when no incident has this id.</summary>
    [Alias("get")]
    Task<IncidentView?> GetAsync();

    /// <summary>Operator sends a unit (to the named tier, or the last tier when null).</summary>
    [Alias("assign")]
    Task<CommandResult> AssignAsync(string unitId, string? tierName, string actor);

    /// <summary>Operator replaces one assigned unit with another on the same tier.</summary>
    [Alias("reassign")]
    Task<CommandResult> ReassignAsync(string fromUnitId, string toUnitId, string actor);

    /// <summary>Operator takes a unit off the incident.</summary>
    [Alias("unassign")]
    Task<CommandResult> UnassignAsync(string unitId, string actor);

    /// <summary>Station staff report they are on scene (the station tier's arrival).</summary>
    [Alias("station-on-scene")]
    Task<CommandResult> ReportStationOnSceneAsync(string actor);

    [Alias("cancel")]
    Task<CommandResult> CancelAsync(string reason, string actor);

    [Alias("close")]
    Task<CommandResult> CloseAsync(string disposition, string actor);

    /// <summary>
    /// A unit's report (acknowledged, on scene...): journaled before it answers, so the officer's button is durable.
    /// Reports interleave with each other so that several arriving together share one commit; each waits for any other
    /// call in progress to finish first.
    /// </summary>
    [AlwaysInterleave]
    [Alias("unit-report")]
    Task<CommandResult> OnUnitReportAsync(UnitReport report);

    /// <summary>
    /// Whether the unit's terminal button with this client action id is recorded here (a terminal resending its queue
    /// after the unit's grain restarted). Answers even while the incident is in the middle of a step.
    /// </summary>
    [AlwaysInterleave]
    [Alias("has-applied")]
    Task<bool> HasAppliedAsync(string unitId, string clientActionId);

    /// <summary>Runs tier dispatch (sent by the incident to itself after it is created).</summary>
    [OneWay]
    [Alias("dispatch")]
    Task DispatchAsync();

    /// <summary>Activates the incident, which re-arms its deadlines (sent after a restart).</summary>
    [OneWay]
    [Alias("wake")]
    Task WakeAsync();

    /// <summary>Handles due deadlines (sent by the incident's own timer).</summary>
    [OneWay]
    [Alias("deadlines")]
    Task CheckDeadlinesAsync();
}
