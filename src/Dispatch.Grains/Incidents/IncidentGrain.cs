using System.Globalization;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Dispatch.Grains.Incidents;

/// <summary>
/// An incident: plans its response tiers from the <see cref="ResponsePlan"/>, fills them (station responders, the
/// nearest units by ETA, reserved by the incident's dispatch zone in one turn and claimed through each unit's own
/// grain), watches ack and tier deadlines on the dispatch clock, and keeps the audited timeline. Every step (open and
/// first dispatch, an officer's report, an operator's command, a deadline) changes the state in memory and ends with
/// one commit of the incident record (<see cref="IIncidentStore"/>): state, new journal entries, changed unit
/// assignments and accepted alerts together. A step whose commit fails is undone from the store.
/// The grain is split by concern: tiers (<c>.Tiers.cs</c>), claims (<c>.Claims.cs</c>), unit reports
/// (<c>.Reports.cs</c>), deadlines (<c>.Deadlines.cs</c>) and the record (<c>.Record.cs</c>).
/// </summary>
public sealed partial class IncidentGrain(
    IIncidentStore store,
    Serializer serializer,
    CityDirectory city,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    ResponsePlan plan,
    IDispatchEventSink events,
    DispatchMetrics metrics,
    IOptions<DispatchGrainOptions> options,
    ILogger<IncidentGrain> logger) : Grain, IIncidentGrain
{
    private readonly DispatchGrainOptions _options = options.Value;

    private IncidentState S { get; set; } = new();

    private string IncidentId => this.GetPrimaryKeyString();

    private GeoPoint Location => new(S.Latitude, S.Longitude);

    private IIncidentGrain Self => GrainFactory.GetGrain<IIncidentGrain>(IncidentId);

    public override Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        DisposeDeadlineTimer();
        return Task.CompletedTask;
    }

    public Task<CommandResult> OpenAsync(IncidentReport report) => OpenCoreAsync(report, null);

    public Task<CommandResult> OpenFromAlertAsync(IncidentReport report, AlertLedgerEntry alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return OpenCoreAsync(report, alert);
    }

    private async Task<CommandResult> OpenCoreAsync(IncidentReport report, AlertLedgerEntry? alert)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (_loaded && S.Exists)
        {
            return CommandResult.Refused($"incident '{IncidentId}' already exists");
        }

        var error = report.Validate();
        if (error is not null)
        {
            return CommandResult.Refused(error);
        }

        // A new id needs no read: the commit is refused if the id is taken after all.
        _loaded = true;
        var now = clock.GetUtcNow();
        S = new IncidentState
        {
            Exists = true,
            Type = report.Type.Trim(),
            Priority = report.Priority,
            Latitude = report.Latitude,
            Longitude = report.Longitude,
            Description = report.Description,
            Source = report.Source,
            Status = IncidentStatus.Open,
            CreatedAt = now,
            GridId = city.FindGrid(new GeoPoint(report.Latitude, report.Longitude))?.Id,
            LastAlertAt = alert?.ObservedAt,
        };
        Append(now, TimelineKinds.Created, report.Actor,
            $"{S.Type} reported by {report.Source}, priority {S.Priority}, at {Location}: {S.Description}");
        if (alert is not null)
        {
            _pendingAlerts.Add(alert);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await FillUnfilledTiersAsync(Actors.System);
        if (!await CommitAsync())
        {
            return CommandResult.Refused($"incident '{IncidentId}' could not be recorded now; try again");
        }

        metrics.RecordDispatchDecision(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    public async Task<CommandResult> AttachAlertAsync(AlertLedgerEntry alert, string description)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await EnsureLoadedAsync();
        var refusal = RefuseUnlessOpen(Actors.System);
        if (refusal is not null)
        {
            return refusal;
        }

        if (S.LastAlertAt is null || alert.ObservedAt > S.LastAlertAt)
        {
            S.LastAlertAt = alert.ObservedAt;
        }

        _pendingAlerts.Add(alert);
        Append(clock.GetUtcNow(), TimelineKinds.AlertJoined, $"camera:{alert.CameraId}", $"alert {alert.AlertId} of camera {alert.CameraId} joined: {description}");
        return await CommitAsync()
            ? CommandResult.Success
            : CommandResult.Refused($"alert '{alert.AlertId}' could not be recorded with incident '{IncidentId}' now; try again");
    }

    public async Task<IncidentView?> GetAsync()
    {
        await EnsureLoadedAsync();
        return S.Exists ? View() : null;
    }

    public async Task DispatchAsync()
    {
        await EnsureLoadedAsync();
        if (!S.Exists || S.Status != IncidentStatus.Open)
        {
            return;
        }

        await FillUnfilledTiersAsync(Actors.System);
        await CommitAsync();
        ArmDeadlineTimer();
    }

    public async Task WakeAsync() => await EnsureLoadedAsync();

    public async Task<CommandResult> AssignAsync(string unitId, string? tierName, string actor)
    {
        await EnsureLoadedAsync();
        var refusal = RefuseUnlessOpen(actor) ?? RefuseBlank(unitId, "unit id");
        if (refusal is not null)
        {
            return refusal;
        }

        var tier = tierName is null
            ? S.Tiers.LastOrDefault(t => t.Kind == TierKind.NearestUnits) ?? S.Tiers.LastOrDefault()
            : S.Tiers.FirstOrDefault(t => t.Name == tierName);
        if (tier is null)
        {
            return CommandResult.Refused(tierName is null
                ? $"incident '{IncidentId}' has no tiers yet"
                : $"unknown tier '{tierName}'; tiers are {string.Join(", ", S.Tiers.Select(t => t.Name))}");
        }

        if (S.Assignments.Any(a => a.UnitId == unitId && a.IsActive))
        {
            return CommandResult.Refused($"unit '{unitId}' is already assigned to incident '{IncidentId}'");
        }

        var claimed = await ClaimAsync(unitId, tier, actor, double.NaN, $"assigned by {actor}");
        if (claimed is not null)
        {
            return CommandResult.Refused(claimed);
        }

        return await CommitOrRefuseAsync();
    }

    public async Task<CommandResult> ReassignAsync(string fromUnitId, string toUnitId, string actor)
    {
        await EnsureLoadedAsync();
        var refusal = RefuseUnlessOpen(actor) ?? RefuseBlank(fromUnitId, "unit id") ?? RefuseBlank(toUnitId, "unit id");
        if (refusal is not null)
        {
            return refusal;
        }

        var from = S.Assignments.LastOrDefault(a => a.UnitId == fromUnitId && a.IsActive);
        if (from is null)
        {
            return CommandResult.Refused($"unit '{fromUnitId}' is not assigned to incident '{IncidentId}'");
        }

        if (S.Assignments.Any(a => a.UnitId == toUnitId && a.IsActive))
        {
            return CommandResult.Refused($"unit '{toUnitId}' is already assigned to incident '{IncidentId}'");
        }

        var tier = S.Tiers.First(t => t.Name == from.TierName);
        var claimed = await ClaimAsync(toUnitId, tier, actor, double.NaN, $"reassigned from {fromUnitId} by {actor}");
        if (claimed is not null)
        {
            return CommandResult.Refused(claimed);
        }

        EndAssignment(from, AssignmentState.Released, $"reassigned to {toUnitId}", actor);
        return await CommitOrRefuseAsync();
    }

    public async Task<CommandResult> UnassignAsync(string unitId, string actor)
    {
        await EnsureLoadedAsync();
        var refusal = RefuseUnlessOpen(actor) ?? RefuseBlank(unitId, "unit id");
        if (refusal is not null)
        {
            return refusal;
        }

        var assignment = S.Assignments.LastOrDefault(a => a.UnitId == unitId && a.IsActive);
        if (assignment is null)
        {
            return CommandResult.Refused($"unit '{unitId}' is not assigned to incident '{IncidentId}'");
        }

        EndAssignment(assignment, AssignmentState.Released, "unassigned", actor);
        return await CommitOrRefuseAsync();
    }

    public async Task<CommandResult> ReportStationOnSceneAsync(string actor)
    {
        await EnsureLoadedAsync();
        var refusal = RefuseUnlessOpen(actor);
        if (refusal is not null)
        {
            return refusal;
        }

        var tier = S.Tiers.FirstOrDefault(t => t.Kind == TierKind.StationResponders && t.StationResponders > 0);
        if (tier is null)
        {
            return CommandResult.Refused($"incident '{IncidentId}' has no station responders committed");
        }

        if (tier.FirstArrivalAt is not null)
        {
            return CommandResult.Refused($"station responders of incident '{IncidentId}' are already on scene");
        }

        var now = clock.GetUtcNow();
        Append(now, TimelineKinds.StationOnScene, actor, $"station {tier.StationId} responders on scene", tierName: tier.Name);
        RecordArrival(tier, now, $"station {tier.StationId}", actor);
        return await CommitOrRefuseAsync();
    }

    public Task<CommandResult> CancelAsync(string reason, string actor) =>
        EndAsync(IncidentStatus.Cancelled, reason, "reason", actor);

    public Task<CommandResult> CloseAsync(string disposition, string actor) =>
        EndAsync(IncidentStatus.Closed, disposition, "disposition", actor);

    private async Task<CommandResult> EndAsync(IncidentStatus status, string text, string what, string actor)
    {
        await EnsureLoadedAsync();
        var refusal = RefuseUnlessOpen(actor) ?? RefuseBlank(text, what);
        if (refusal is not null)
        {
            return refusal;
        }

        var verb = status == IncidentStatus.Closed ? "closed" : "cancelled";
        foreach (var assignment in S.Assignments.Where(a => a.IsActive).ToList())
        {
            EndAssignment(assignment, AssignmentState.Released, $"incident {verb}", actor);
        }

        var now = clock.GetUtcNow();
        foreach (var tier in S.Tiers)
        {
            if (tier.StationId is not null && tier.StationResponders > 0)
            {
                _afterCommit.Add(() => GrainFactory.GetGrain<Abstractions.Stations.IStationGrain>(tier.StationId).ReleaseRespondersAsync(IncidentId));
            }

            if (tier.Outcome == TierOutcome.Pending)
            {
                tier.Outcome = TierOutcome.Void;
            }
        }

        S.Status = status;
        S.EndedAt = now;
        S.Disposition = text.Trim();
        Append(now, status == IncidentStatus.Closed ? TimelineKinds.Closed : TimelineKinds.Cancelled, actor, $"incident {verb}: {S.Disposition}");
        var result = await CommitOrRefuseAsync();
        if (result.Ok)
        {
            DisposeDeadlineTimer();
        }

        return result;
    }

    private async Task<CommandResult> CommitOrRefuseAsync()
    {
        if (!await CommitAsync())
        {
            return CommandResult.Refused($"incident '{IncidentId}' could not record the change now; try again");
        }

        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    private CommandResult? RefuseUnlessOpen(string actor)
    {
        if (string.IsNullOrWhiteSpace(actor))
        {
            return CommandResult.Refused("actor must not be blank");
        }

        if (!S.Exists)
        {
            return CommandResult.Refused($"unknown incident '{IncidentId}'");
        }

        return S.Status == IncidentStatus.Open ? null : CommandResult.Refused($"incident '{IncidentId}' is {S.Status.ToString().ToLowerInvariant()}");
    }

    private static CommandResult? RefuseBlank(string? value, string what) =>
        string.IsNullOrWhiteSpace(value) ? CommandResult.Refused($"{what} must not be blank") : null;

    private IncidentView View() => new(
        IncidentId, S.Type, S.Priority, Location, S.Description, S.Source, S.Status, S.CreatedAt, S.EndedAt, S.Disposition,
        [.. S.Tiers.Select(t => new IncidentTierView(t.Name, t.Kind, t.Requested, t.Deadline, t.Outcome, t.AtRisk, [.. t.Shortfalls], t.FirstArrivalAt, t.StationId, t.StationResponders))],
        [.. S.Assignments.Select(a => new IncidentAssignmentView(a.UnitId, a.TierName, a.AssignmentNumber, a.State, a.AssignedAt, a.AckDeadline, a.EtaSeconds, a.ArrivedAt, a.EndedAt, a.EndReason))],
        [.. _timeline],
        S.TiersPlanned && S.Tiers.All(t => t.Filled));

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
