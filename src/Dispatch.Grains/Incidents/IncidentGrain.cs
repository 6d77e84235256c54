using System.Globalization;
using System.Text.Json;
using Dispatch.Abstractions.City;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Ranking;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Incidents;

/// <summary>
/// An incident: plans its response tiers from the <see cref="ResponsePlan"/>, fills them (station responders,
/// nearest units by ETA claimed through each unit's own grain), watches ack and tier deadlines on the
/// dispatch clock, and keeps the audited timeline, mirrored to the <see cref="IIncidentJournal"/>.
/// </summary>
public sealed partial class IncidentGrain(
    [PersistentState("incident", DispatchStorage.ProviderName)] IPersistentState<IncidentState> state,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    ResponsePlan plan,
    IEtaEstimator eta,
    IIncidentJournal journal,
    IDispatchEventSink events,
    DispatchMetrics metrics,
    IOptions<DispatchGrainOptions> options,
    ILogger<IncidentGrain> logger) : Grain, IIncidentGrain
{
    private static readonly JsonSerializerOptions JournalJson = new(JsonSerializerDefaults.Web);

    /// <summary>How long to wait before retrying after another grain failed to answer.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly DispatchGrainOptions _options = options.Value;
    private ITimer? _deadlineTimer;
    private DateTimeOffset? _deadlineTimerDue;
    private DateTimeOffset? _retryNotBefore;

    // When tiers short of units look for a free one again (in memory: a new activation looks at once).
    private DateTimeOffset? _nextWaitingCheck;

    // Timeline entries already handed to the event sink in this activation.
    private long _publishedThrough;

    private IncidentState S => state.State;

    private string IncidentId => this.GetPrimaryKeyString();

    private GeoPoint Location => new(S.Latitude, S.Longitude);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _publishedThrough = S.Timeline.Count;
        if (!S.Exists)
        {
            return;
        }

        await FlushJournalAsync();
        if (S.Status == IncidentStatus.Open && (!S.TiersPlanned || S.Tiers.Any(t => !t.Filled)))
        {
            // Dispatch was interrupted by a restart: carry on.
            Self.DispatchAsync().Ignore();
        }

        if (WaitingTiers().Any())
        {
            _nextWaitingCheck = clock.GetUtcNow();
        }

        ArmDeadlineTimer();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        DisposeDeadlineTimer();
        return Task.CompletedTask;
    }

    public async Task<CommandResult> OpenAsync(IncidentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (S.Exists)
        {
            return CommandResult.Refused($"incident '{IncidentId}' already exists");
        }

        var error = report.Validate();
        if (error is not null)
        {
            return CommandResult.Refused(error);
        }

        var now = clock.GetUtcNow();
        S.Exists = true;
        S.Type = report.Type.Trim();
        S.Priority = report.Priority;
        S.Latitude = report.Latitude;
        S.Longitude = report.Longitude;
        S.Description = report.Description;
        S.Source = report.Source;
        S.Status = IncidentStatus.Open;
        S.CreatedAt = now;
        Append(now, TimelineKinds.Created, report.Actor,
            $"{S.Type} reported by {report.Source}, priority {S.Priority}, at {Location}: {S.Description}");
        await SaveAsync();
        await GrainFactory.GetGrain<IOpenIncidentsGrain>(IOpenIncidentsGrain.KeyFor(IncidentId)).AddAsync(IncidentId);
        Self.DispatchAsync().Ignore();
        return CommandResult.Success;
    }

    public Task<IncidentView?> GetAsync() => Task.FromResult(S.Exists ? View() : null);

    public async Task DispatchAsync()
    {
        if (!S.Exists || S.Status != IncidentStatus.Open)
        {
            return;
        }

        var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var now = clock.GetUtcNow();
            if (!S.TiersPlanned)
            {
                PlanTiers(now);
                S.TiersPlanned = true;
                await SaveAsync();
            }

            foreach (var tier in S.Tiers.Where(t => !t.Filled))
            {
                if (tier.Outcome != TierOutcome.NotRequired)
                {
                    await FillTierAsync(tier, Actors.System);
                }

                tier.Filled = true;
                await SaveAsync();
            }

            metrics.RecordDispatchDecision(System.Diagnostics.Stopwatch.GetElapsedTime(startedAt));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Claims made so far are saved; the deadline timer tries the unfilled tiers again shortly.
            LogDispatchFailed(logger, exception, IncidentId);
            _retryNotBefore = clock.GetUtcNow() + RetryDelay;
        }

        ArmDeadlineTimer();
    }

    public Task WakeAsync() => Task.CompletedTask;

    public async Task CheckDeadlinesAsync()
    {
        if (!S.Exists || S.Status != IncidentStatus.Open)
        {
            return;
        }

        // The one-shot timer that brought us here has fired: forget it, so the re-arm below always sets a new
        // one. A timer may fire a little before its due time (clock granularity); without this, the same due time
        // would look already armed and the deadline would never be handled.
        DisposeDeadlineTimer();
        var now = clock.GetUtcNow();
        if (_retryNotBefore > now)
        {
            ArmDeadlineTimer();
            return;
        }

        _retryNotBefore = null;

        // Breaches first: they need no other grain, so a slow or failing unit cannot delay them.
        var breached = false;
        foreach (var tier in S.Tiers.Where(t => t.Outcome == TierOutcome.Pending && t.Deadline <= now))
        {
            tier.Outcome = TierOutcome.Breached;
            Append(now, TimelineKinds.TierBreached, Actors.System,
                $"tier {tier.Name}: nobody on scene by the {tier.Target.TotalSeconds:F0} s deadline ({Stamp(tier.Deadline)})",
                tierName: tier.Name);
            breached = true;
        }

        if (breached)
        {
            await SaveAsync();
        }

        try
        {
            foreach (var assignment in S.Assignments.Where(a => a.State == AssignmentState.Dispatched && a.AckDeadline <= now).ToList())
            {
                if (await HandleAckTimeoutAsync(assignment, now))
                {
                    await SaveAsync();
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDeadlineFailed(logger, exception, IncidentId);
            _retryNotBefore = now + RetryDelay;
        }

        if (_retryNotBefore is null && S.TiersPlanned && S.Tiers.Any(t => !t.Filled))
        {
            await DispatchAsync();
            return;
        }

        if (_retryNotBefore is null && _nextWaitingCheck <= now)
        {
            await RecheckWaitingTiersAsync(now);
        }

        ArmDeadlineTimer();
    }

    /// <summary>
    /// Tiers left short because every unit was busy look again: a unit freed since then is sent, as a dispatcher
    /// working a pending queue would. A look that finds nobody adds nothing to the timeline.
    /// </summary>
    private async Task RecheckWaitingTiersAsync(DateTimeOffset now)
    {
        _nextWaitingCheck = null;
        try
        {
            foreach (var tier in WaitingTiers().ToList())
            {
                await FillTierAsync(tier, Actors.System, recheck: true);
                await SaveAsync();
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDispatchFailed(logger, exception, IncidentId);
        }

        if (WaitingTiers().Any())
        {
            _nextWaitingCheck = now + _options.WaitingTierRecheckInterval;
        }
    }

    /// <summary>Nearest-unit tiers short of units for want of a free one, while the incident is open and nobody has met them.</summary>
    private IEnumerable<TierState> WaitingTiers() => S.Status != IncidentStatus.Open
        ? []
        : S.Tiers.Where(t => t.WaitingForUnits && t.Filled && t.Outcome != TierOutcome.Met);

    public async Task OnUnitReportAsync(UnitReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var assignment = S.Assignments.LastOrDefault(a => a.UnitId == report.UnitId && a.AssignmentNumber == report.AssignmentNumber);
        if (!S.Exists || assignment is null)
        {
            logger.LogWarning("Incident {IncidentId} ignored a report from unit {UnitId} it did not assign", IncidentId, report.UnitId);
            return;
        }

        var tier = S.Tiers.FirstOrDefault(t => t.Name == assignment.TierName);
        switch (report.Kind)
        {
            case UnitReportKind.Acknowledged:
                Advance(assignment, AssignmentState.Acknowledged);
                Append(report.At, TimelineKinds.Acknowledged, report.Actor, $"{report.UnitId} acknowledged", report.UnitId, assignment.TierName);
                break;
            case UnitReportKind.EnRoute:
                Advance(assignment, AssignmentState.EnRoute);
                Append(report.At, TimelineKinds.EnRoute, report.Actor, $"{report.UnitId} en route", report.UnitId, assignment.TierName);
                break;
            case UnitReportKind.OnScene:
                Advance(assignment, AssignmentState.OnScene);
                assignment.ArrivedAt ??= report.At;
                Append(report.At, TimelineKinds.OnScene, report.Actor, $"{report.UnitId} on scene: {report.Detail}", report.UnitId, assignment.TierName);
                if (tier is not null)
                {
                    RecordArrival(tier, report.At, report.UnitId, report.Actor);
                }

                break;
            case UnitReportKind.Cleared:
                assignment.State = AssignmentState.Cleared;
                assignment.EndedAt = report.At;
                assignment.EndReason = "cleared";
                Append(report.At, TimelineKinds.Cleared, report.Actor, $"{report.UnitId} cleared", report.UnitId, assignment.TierName);
                break;
            case UnitReportKind.Released:
                var wasOnScene = assignment.State == AssignmentState.OnScene;
                assignment.State = AssignmentState.Released;
                assignment.EndedAt = report.At;
                assignment.EndReason = report.Detail;
                Append(report.At, TimelineKinds.UnitReleased, report.Actor, $"{report.UnitId} left the incident: {report.Detail}", report.UnitId, assignment.TierName);
                if (!wasOnScene && tier is { Kind: TierKind.NearestUnits } && S.Status == IncidentStatus.Open)
                {
                    await FillTierAsync(tier, Actors.System);
                }

                break;
        }

        await SaveAsync();
        ArmDeadlineTimer();
    }

    public async Task<CommandResult> AssignAsync(string unitId, string? tierName, string actor)
    {
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
        if (claimed.Error is not null)
        {
            return CommandResult.Refused(claimed.Error);
        }

        await SaveAsync();
        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    public async Task<CommandResult> ReassignAsync(string fromUnitId, string toUnitId, string actor)
    {
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
        if (claimed.Error is not null)
        {
            return CommandResult.Refused(claimed.Error);
        }

        await ReleaseUnitAsync(from, $"reassigned to {toUnitId}", actor);
        await SaveAsync();
        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    public async Task<CommandResult> UnassignAsync(string unitId, string actor)
    {
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

        await ReleaseUnitAsync(assignment, "unassigned", actor);
        await SaveAsync();
        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    public async Task<CommandResult> ReportStationOnSceneAsync(string actor)
    {
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
        await SaveAsync();
        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    public Task<CommandResult> CancelAsync(string reason, string actor) =>
        EndAsync(IncidentStatus.Cancelled, reason, "reason", actor);

    public Task<CommandResult> CloseAsync(string disposition, string actor) =>
        EndAsync(IncidentStatus.Closed, disposition, "disposition", actor);

    private async Task<CommandResult> EndAsync(IncidentStatus status, string text, string what, string actor)
    {
        var refusal = RefuseUnlessOpen(actor) ?? RefuseBlank(text, what);
        if (refusal is not null)
        {
            return refusal;
        }

        var verb = status == IncidentStatus.Closed ? "closed" : "cancelled";
        foreach (var assignment in S.Assignments.Where(a => a.IsActive).ToList())
        {
            await ReleaseUnitAsync(assignment, $"incident {verb}", actor);
        }

        var now = clock.GetUtcNow();
        foreach (var tier in S.Tiers)
        {
            if (tier.StationId is not null && tier.StationResponders > 0)
            {
                await GrainFactory.GetGrain<IStationGrain>(tier.StationId).ReleaseRespondersAsync(IncidentId);
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
        await SaveAsync();
        await GrainFactory.GetGrain<IOpenIncidentsGrain>(IOpenIncidentsGrain.KeyFor(IncidentId)).RemoveAsync(IncidentId);
        DisposeDeadlineTimer();
        return CommandResult.Success;
    }

    private void PlanTiers(DateTimeOffset now)
    {
        foreach (var tier in plan.Tiers)
        {
            var requested = tier.RespondersFor(S.Priority);
            var planned = new TierState
            {
                Name = tier.Name,
                Kind = tier.Kind,
                Requested = requested,
                Target = tier.Target,
                Deadline = S.CreatedAt + tier.Target,
                Outcome = requested > 0 ? TierOutcome.Pending : TierOutcome.NotRequired,
            };
            S.Tiers.Add(planned);
            Append(now, TimelineKinds.TierPlanned, Actors.System, requested > 0
                ? $"tier {tier.Name}: {requested} x {tier.Kind} on scene by {Stamp(planned.Deadline)} ({tier.Target.TotalSeconds:F0} s)"
                : $"tier {tier.Name}: not required for priority {S.Priority}", tierName: tier.Name);
        }
    }

    private async Task FillTierAsync(TierState tier, string actor, bool recheck = false)
    {
        if (tier.Kind == TierKind.StationResponders)
        {
            await CommitStationAsync(tier);
            return;
        }

        var need = tier.Requested - S.Assignments.Count(a => a.TierName == tier.Name && a.IsActive);
        if (need <= 0)
        {
            tier.WaitingForUnits = false;
            return;
        }

        var responseTier = plan.Tiers.FirstOrDefault(t => t.Name == tier.Name)
            ?? new ResponseTier(tier.Name, tier.Target, tier.Kind, new Dictionary<IncidentPriority, int> { [S.Priority] = tier.Requested });

        // Anyone ever sent to this incident is left out: a unit on another tier, or one released for not acknowledging.
        var excluded = new HashSet<string>(S.Assignments.Select(a => a.UnitId), StringComparer.Ordinal);
        var assigned = new List<(string UnitId, RankedPick Pick)>();
        var radiusMeters = Math.Min(_options.MaxSearchRadiusMeters, Math.Max(500, tier.Target.TotalSeconds * _options.FastestUnitSpeedMetersPerSecond));
        TierRecommendation? last = null;
        while (need > 0)
        {
            var candidates = await FindCandidatesAsync(radiusMeters);
            var recommendation = CandidateRanker.RankForTier(responseTier, need, Location, candidates, eta, excluded);
            if (radiusMeters < _options.MaxSearchRadiusMeters
                && (recommendation.Picks.Count < need || recommendation.Picks.Any(p => !p.WithinTarget)))
            {
                // Too few units nearby, or only ones that cannot make the target: the fastest may be farther out,
                // so look once as far as the search goes before sending anyone.
                radiusMeters = _options.MaxSearchRadiusMeters;
                continue;
            }

            last = recommendation;
            if (recommendation.Picks.Count == 0)
            {
                break;
            }

            foreach (var pick in recommendation.Picks)
            {
                excluded.Add(pick.UnitId);
                var claimed = await ClaimAsync(pick.UnitId, tier, actor, pick.EtaSeconds, recheck ? $"free again while the tier waited: {pick.Reason}" : pick.Reason);
                if (claimed.Error is null)
                {
                    assigned.Add((pick.UnitId, pick));
                    need--;

                    // Persist each claim at once: a unit must never hold an incident that has no record of it.
                    await SaveAsync();
                }
            }
        }

        tier.WaitingForUnits = need > 0;
        if (tier.WaitingForUnits)
        {
            _nextWaitingCheck ??= clock.GetUtcNow() + _options.WaitingTierRecheckInterval;
        }

        if (recheck && assigned.Count == 0)
        {
            // Still nobody free: the timeline already says why the tier is short.
            return;
        }

        var shortfalls = new List<string>();
        var late = assigned.Where(a => !a.Pick.WithinTarget).ToList();
        if (late.Count > 0)
        {
            shortfalls.Add(string.Join("; ", late.Select(a => string.Create(CultureInfo.InvariantCulture,
                $"no unit can reach within {tier.Target.TotalSeconds:F0} s; sent {a.UnitId} anyway (ETA {a.Pick.EtaSeconds:F0} s)"))));
        }

        if (need > 0)
        {
            shortfalls.Add($"{tier.Requested - need} of {tier.Requested} units found within {radiusMeters / 1000:F1} km");
        }

        if (shortfalls.Count > 0 && last is not null)
        {
            shortfalls.AddRange(last.Shortfalls.Where(s => !shortfalls.Contains(s)));
        }

        if (shortfalls.Count > 0)
        {
            tier.AtRisk = true;
            tier.Shortfalls.AddRange(shortfalls);
            Append(clock.GetUtcNow(), TimelineKinds.TierAtRisk, Actors.System, $"tier {tier.Name} at risk: {string.Join("; ", shortfalls)}", tierName: tier.Name);
        }
    }

    private async Task CommitStationAsync(TierState tier)
    {
        var now = clock.GetUtcNow();
        if (tier.StationId is null)
        {
            tier.StationId = await GrainFactory.GetGrain<ICityGrain>(ICityGrain.DefaultKey).FindStationAsync(Location);
        }

        if (tier.StationId is null)
        {
            tier.AtRisk = true;
            tier.Shortfalls.Add("no station grid holds the incident location");
            Append(now, TimelineKinds.TierAtRisk, Actors.System, $"tier {tier.Name} at risk: no station grid holds the incident location", tierName: tier.Name);
            return;
        }

        var committed = await GrainFactory.GetGrain<IStationGrain>(tier.StationId).CommitRespondersAsync(IncidentId, tier.Requested);
        tier.StationResponders = committed;
        if (committed > 0)
        {
            Append(now, TimelineKinds.StationCommitted, Actors.Station(tier.StationId),
                $"station {tier.StationId} committed {committed} of {tier.Requested} responders", tierName: tier.Name);
        }

        if (committed < tier.Requested)
        {
            var reason = $"station {tier.StationId} has only {committed} of {tier.Requested} responders free";
            tier.AtRisk = true;
            tier.Shortfalls.Add(reason);
            Append(now, TimelineKinds.TierAtRisk, Actors.System, $"tier {tier.Name} at risk: {reason}", tierName: tier.Name);
        }
    }

    private async Task<List<Candidate>> FindCandidatesAsync(double radiusMeters)
    {
        var zones = DispatchZone.Within(Location, radiusMeters);
        var answers = await Task.WhenAll(zones.Select(z => GrainFactory.GetGrain<IDispatcherGrain>(z.Key).FindWithinAsync(Location, radiusMeters)));
        return [.. answers.SelectMany(a => a)
            .DistinctBy(u => u.UnitId)
            .Select(u => new Candidate(u.UnitId, u.Kind, u.Position, u.HomeStationId))];
    }

    /// <summary>Claims a unit through its own grain; on refusal the timeline says why and nothing else changes.</summary>
    private async Task<(AssignmentRecord? Assignment, string? Error)> ClaimAsync(string unitId, TierState tier, string actor, double etaSeconds, string reason)
    {
        var request = new AssignmentRequest(IncidentId, tier.Name, Location, plan.ArrivalRadiusMeters, plan.AckDeadline, actor);
        var decision = await GrainFactory.GetGrain<IPatrolUnitGrain>(unitId).TryAssignAsync(request);
        var now = clock.GetUtcNow();
        if (!decision.Accepted || decision.Assignment is null)
        {
            if (actor == Actors.System)
            {
                Append(now, TimelineKinds.ClaimRefused, actor, $"could not claim {unitId} for tier {tier.Name}: {decision.Reason}", unitId, tier.Name);
            }

            return (null, decision.Reason ?? $"unit '{unitId}' refused the assignment");
        }

        var assignment = new AssignmentRecord
        {
            UnitId = unitId,
            TierName = tier.Name,
            AssignmentNumber = decision.Assignment.AssignmentNumber,
            State = AssignmentState.Dispatched,
            AssignedAt = decision.Assignment.AssignedAt,
            AckDeadline = decision.Assignment.AckDeadline,
            EtaSeconds = etaSeconds,
        };
        S.Assignments.Add(assignment);
        Append(now, TimelineKinds.UnitAssigned, actor, string.Create(CultureInfo.InvariantCulture,
            $"{unitId} assigned to tier {tier.Name} (assignment #{assignment.AssignmentNumber}, ack by {Stamp(assignment.AckDeadline)}): {reason}"),
            unitId, tier.Name);
        return (assignment, null);
    }

    private async Task<bool> HandleAckTimeoutAsync(AssignmentRecord assignment, DateTimeOffset now)
    {
        var unit = GrainFactory.GetGrain<IPatrolUnitGrain>(assignment.UnitId);
        var released = await unit.ReleaseAsync(IncidentId, "no acknowledgement by the ack deadline", Actors.System, onlyIfUnacknowledged: true);
        if (!released.Ok)
        {
            // The officer acknowledged just in time (the report is on its way) or the unit moved on: take its word.
            var view = await unit.GetAsync();
            if (view?.Assignment is { } held && held.IncidentId == IncidentId && held.AssignmentNumber == assignment.AssignmentNumber)
            {
                Advance(assignment, AssignmentState.Acknowledged);
                return false;
            }

            assignment.State = AssignmentState.Released;
            assignment.EndedAt = now;
            assignment.EndReason = released.Error;
            Append(now, TimelineKinds.UnitReleased, Actors.System, $"{assignment.UnitId} no longer holds the incident: {released.Error}", assignment.UnitId, assignment.TierName);
            return true;
        }

        assignment.State = AssignmentState.Released;
        assignment.EndedAt = now;
        assignment.EndReason = "ack timeout";
        Append(now, TimelineKinds.AckTimeout, Actors.System,
            $"{assignment.UnitId} did not acknowledge by {Stamp(assignment.AckDeadline)}; released, dispatching the next unit",
            assignment.UnitId, assignment.TierName);
        var tier = S.Tiers.FirstOrDefault(t => t.Name == assignment.TierName);
        if (tier is not null)
        {
            await FillTierAsync(tier, Actors.System);
        }

        return true;
    }

    private async Task ReleaseUnitAsync(AssignmentRecord assignment, string reason, string actor)
    {
        var result = await GrainFactory.GetGrain<IPatrolUnitGrain>(assignment.UnitId).ReleaseAsync(IncidentId, reason, actor, onlyIfUnacknowledged: false);
        var now = clock.GetUtcNow();
        assignment.State = AssignmentState.Released;
        assignment.EndedAt = now;
        assignment.EndReason = reason;
        var text = result.Ok
            ? $"{assignment.UnitId} released: {reason}"
            : $"{assignment.UnitId} released: {reason} (unit said: {result.Error})";
        Append(now, TimelineKinds.UnitReleased, actor, text, assignment.UnitId, assignment.TierName);
    }

    private void RecordArrival(TierState tier, DateTimeOffset at, string who, string actor)
    {
        if (tier.FirstArrivalAt is not null)
        {
            return;
        }

        tier.FirstArrivalAt = at;
        var seconds = (at - S.CreatedAt).TotalSeconds;
        if (tier.Outcome == TierOutcome.Pending && at <= tier.Deadline)
        {
            tier.Outcome = TierOutcome.Met;
            Append(at, TimelineKinds.TierMet, actor, string.Create(CultureInfo.InvariantCulture,
                $"tier {tier.Name} met: {who} on scene after {seconds:F0} s (target {tier.Target.TotalSeconds:F0} s)"), tierName: tier.Name);
        }
        else if (tier.Outcome is TierOutcome.Pending or TierOutcome.Breached)
        {
            if (tier.Outcome == TierOutcome.Pending)
            {
                tier.Outcome = TierOutcome.Breached;
                Append(at, TimelineKinds.TierBreached, Actors.System,
                    $"tier {tier.Name}: nobody on scene by the {tier.Target.TotalSeconds:F0} s deadline ({Stamp(tier.Deadline)})", tierName: tier.Name);
            }

            Append(at, TimelineKinds.ArrivedLate, actor, string.Create(CultureInfo.InvariantCulture,
                $"tier {tier.Name}: {who} on scene after {seconds:F0} s, {(at - tier.Deadline).TotalSeconds:F0} s late"), tierName: tier.Name);
        }
    }

    private static void Advance(AssignmentRecord assignment, AssignmentState next)
    {
        if (assignment.IsActive && next > assignment.State)
        {
            assignment.State = next;
        }
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

    private void Append(DateTimeOffset at, string kind, string actor, string text, string? unitId = null, string? tierName = null) =>
        S.Timeline.Add(new TimelineEntry(S.Timeline.Count + 1, at, kind, actor, text, unitId, tierName));

    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        await FlushJournalAsync();
        await PublishAsync();
    }

    private async Task PublishAsync()
    {
        var appended = S.Timeline.Skip((int)_publishedThrough).ToList();
        _publishedThrough = S.Timeline.Count;
        var view = View();
        metrics.IncidentChanged(view);
        try
        {
            await events.IncidentChangedAsync(view, appended);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogPublishFailed(logger, exception, IncidentId);
        }
    }

    /// <summary>Copies timeline entries the journal has not confirmed; appends are idempotent, so a retry after a crash is safe.</summary>
    private async Task FlushJournalAsync()
    {
        var pending = S.Timeline.Where(e => e.Sequence > S.JournaledThrough).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            await journal.AppendAsync([.. pending.Select(e => new JournalEntry(
                IncidentId, e.Sequence, e.At, e.Kind, e.Actor,
                JsonSerializer.Serialize(new JournalPayload(e.Text, e.UnitId, e.TierName), JournalJson)))]);
            S.JournaledThrough = pending[^1].Sequence;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogJournalFailed(logger, exception, IncidentId);
        }
    }

    private void ArmDeadlineTimer()
    {
        var due = S.Status != IncidentStatus.Open
            ? null
            : S.Assignments.Where(a => a.State == AssignmentState.Dispatched).Select(a => (DateTimeOffset?)a.AckDeadline)
                .Concat(S.Tiers.Where(t => t.Outcome == TierOutcome.Pending).Select(t => (DateTimeOffset?)t.Deadline))
                .Append(S.TiersPlanned && S.Tiers.Any(t => !t.Filled) ? _retryNotBefore : null)
                .Append(WaitingTiers().Any() ? _nextWaitingCheck : null)
                .Min();
        if (due is not null && _retryNotBefore > due)
        {
            // After a failure nothing fires before the retry time, so a failing call cannot spin.
            due = _retryNotBefore;
        }
        if (due == _deadlineTimerDue)
        {
            return;
        }

        DisposeDeadlineTimer();
        if (due is null)
        {
            return;
        }

        // The dispatch clock may be a test's fake, so the timer comes from it; the callback only sends a message to
        // this grain, so the deadline work runs on the grain's own scheduler like any other call.
        var self = Self;
        var delay = due.Value - clock.GetUtcNow();
        _deadlineTimerDue = due;
        _deadlineTimer = clock.CreateTimer(_ => self.CheckDeadlinesAsync().Ignore(), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void DisposeDeadlineTimer()
    {
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
        _deadlineTimerDue = null;
    }

    private IIncidentGrain Self => GrainFactory.GetGrain<IIncidentGrain>(IncidentId);

    private IncidentView View() => new(
        IncidentId, S.Type, S.Priority, Location, S.Description, S.Source, S.Status, S.CreatedAt, S.EndedAt, S.Disposition,
        [.. S.Tiers.Select(t => new IncidentTierView(t.Name, t.Kind, t.Requested, t.Deadline, t.Outcome, t.AtRisk, [.. t.Shortfalls], t.FirstArrivalAt, t.StationId, t.StationResponders))],
        [.. S.Assignments.Select(a => new IncidentAssignmentView(a.UnitId, a.TierName, a.AssignmentNumber, a.State, a.AssignedAt, a.AckDeadline, a.EtaSeconds, a.ArrivedAt, a.EndedAt, a.EndReason))],
        [.. S.Timeline],
        S.TiersPlanned && S.Tiers.All(t => t.Filled));

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: dispatch failed; retrying shortly")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, string incidentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: handling an ack deadline failed; retrying shortly")]
    private static partial void LogDeadlineFailed(ILogger logger, Exception exception, string incidentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: publishing a change for live views failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string incidentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: journal append failed; will retry on the next change")]
    private static partial void LogJournalFailed(ILogger logger, Exception exception, string incidentId);

    private sealed record JournalPayload(string Text, string? UnitId, string? TierName);
}
