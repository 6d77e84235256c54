using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Units;

/// <summary>
/// A patrol unit. All claims go through <see cref="TryAssignAsync"/> on this single-threaded grain, and the incident's
/// commit of a claim is refused by the store while the unit holds another active assignment: a unit is never assigned
/// twice. What the unit is comes from the city; its assignment and last position from the incident record and the
/// position table when it activates. An officer's button is durable in the incident's journal before it is answered;
/// the unit itself stores only an out-of-service spell or an ad-hoc registration. The unit tells the zones that index
/// it whenever it changes (<c>.Zones.cs</c>).
/// </summary>
public sealed partial class PatrolUnitGrain(
    [PersistentState("patrol-unit", DispatchStorage.ProviderName)] IPersistentState<PatrolUnitState> state,
    IIncidentStore store,
    IUnitPositionStore positions,
    CityDirectory city,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<DispatchGrainOptions> options,
    IDispatchEventSink events,
    DispatchMetrics metrics,
    ILogger<PatrolUnitGrain> logger) : Grain, IPatrolUnitGrain
{
    /// <summary>How many of the latest assignments <see cref="GetHistoryAsync"/> returns.</summary>
    public const int HistoryKept = 256;

    /// <summary>Terminal buttons remembered per unit for resends: far more than a terminal queues while offline.</summary>
    internal const int RememberedActions = 256;

    public const int MaxClientActionIdLength = 64;

    private readonly DispatchGrainOptions _options = options.Value;
    private readonly Dictionary<string, CommandResult> _actions = new(StringComparer.Ordinal);
    private readonly Queue<string> _actionOrder = new();

    private bool _known;
    private string _callSign = "";
    private UnitKind _kind;
    private string _homeStationId = "";
    private UnitStatus _status = UnitStatus.Available;
    private HeldAssignment? _assignment;
    private long _lastAssignmentNumber;
    private GeoPoint? _position;
    private DateTimeOffset? _positionAt;
    private ITimer? _pendingCheck;

    // The incident of the unit's latest assignment, for a resent button after the assignment ended.
    private string? _lastIncidentId;

    /// <summary>The reason of the out-of-service button being applied (set only around that call).</summary>
    private string? _outOfServiceReason;

    private PatrolUnitState S => state.State;

    private string UnitId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var spec = city.FindUnit(UnitId);
        _known = spec is not null || S.Registered;
        if (!_known)
        {
            return;
        }

        _callSign = S.Registered ? S.CallSign : spec!.CallSign;
        _kind = S.Registered ? S.Kind : spec!.Kind;
        _homeStationId = S.Registered ? S.HomeStationId : spec!.HomeStationId;
        var stored = await store.ReadUnitAsync(UnitId, 1, cancellationToken);
        _lastAssignmentNumber = Math.Max(stored.LastAssignmentNumber, S.AssignmentsMade);
        _lastIncidentId = stored.Latest.LastOrDefault()?.IncidentId;
        foreach (var actionId in S.RecentActionIds)
        {
            RememberAction(actionId, CommandResult.Success);
        }
        if (stored.Active is { } active)
        {
            _assignment = new HeldAssignment
            {
                IncidentId = active.IncidentId,
                TierName = active.TierName,
                IncidentLatitude = active.IncidentLatitude,
                IncidentLongitude = active.IncidentLongitude,
                ArrivalRadiusMeters = active.ArrivalRadiusMeters,
                AssignedAt = active.AssignedAt,
                AckDeadline = active.AckDeadline,
                AssignmentNumber = active.AssignmentNumber,
            };
            _status = active.State switch
            {
                AssignmentState.Acknowledged => UnitStatus.Acknowledged,
                AssignmentState.EnRoute => UnitStatus.EnRoute,
                AssignmentState.OnScene => UnitStatus.OnScene,
                _ => UnitStatus.Dispatched,
            };
        }
        else
        {
            _status = S.Status == UnitStatus.OutOfService ? UnitStatus.OutOfService : UnitStatus.Available;
        }

        var lastPosition = await positions.ReadPositionAsync(UnitId, cancellationToken);
        if (lastPosition is not null && (S.PositionAt is null || lastPosition.At >= S.PositionAt))
        {
            (_position, _positionAt) = (lastPosition.Position, lastPosition.At);
        }
        else if (S.Latitude is { } lat && S.Longitude is { } lon)
        {
            (_position, _positionAt) = (new GeoPoint(lat, lon), S.PositionAt);
        }
        else if (spec is not null)
        {
            // The start of the shift: not a fix, so any reported position is newer.
            (_position, _positionAt) = (spec.Start, null);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _pendingCheck?.Dispose();
        return Task.CompletedTask;
    }

    public async Task RegisterAsync(UnitRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var wasKnown = _known;
        S.Registered = true;
        S.CallSign = _callSign = registration.CallSign;
        S.Kind = _kind = registration.Kind;
        S.HomeStationId = _homeStationId = registration.HomeStationId;
        if (_position is null)
        {
            (_position, _positionAt) = (registration.Start, clock.GetUtcNow());
            S.Latitude = registration.Start.Latitude;
            S.Longitude = registration.Start.Longitude;
            S.PositionAt = _positionAt;
        }

        _known = true;
        await state.WriteStateAsync();
        await ChangedAsync(zonesMayChange: !wasKnown);
    }

    public Task<UnitView?> GetAsync() => Task.FromResult(_known ? View() : null);

    public async Task<IReadOnlyList<UnitAssignmentRecord>> GetHistoryAsync()
    {
        if (!_known)
        {
            return [];
        }

        var stored = await store.ReadUnitAsync(UnitId, HistoryKept);
        return [.. stored.Latest.Select(a => new UnitAssignmentRecord(
            a.AssignmentNumber, a.IncidentId, a.TierName, a.AssignedAt, (a.AssignmentNumber * 2) - 1,
            a.EndedAt, a.EndedAt is null ? null : a.AssignmentNumber * 2, a.EndReason))];
    }

    public async Task WakeAsync()
    {
        if (_known)
        {
            await ChangedAsync(zonesMayChange: true, publish: false);
        }
    }

    public async Task<AssignmentDecision> TryAssignAsync(AssignmentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_known)
        {
            return AssignmentDecision.Refused($"unknown unit '{UnitId}'");
        }

        if (_assignment is { } held)
        {
            // A retried claim by the same incident gets the assignment it already holds.
            return held.IncidentId == request.IncidentId && !held.Ending
                ? new AssignmentDecision(true, null, ToContract(held))
                : AssignmentDecision.Refused(held.Ending
                    ? $"unit '{UnitId}' is being released from incident '{held.IncidentId}'"
                    : $"unit '{UnitId}' is {_status} on incident '{held.IncidentId}'");
        }

        var next = UnitStatusMachine.Apply(_status, UnitAction.Dispatch);
        if (!next.IsOk)
        {
            return AssignmentDecision.Refused($"unit '{UnitId}' cannot be dispatched: {next.Error}");
        }

        var now = clock.GetUtcNow();
        _assignment = new HeldAssignment
        {
            IncidentId = request.IncidentId,
            TierName = request.TierName,
            IncidentLatitude = request.IncidentLocation.Latitude,
            IncidentLongitude = request.IncidentLocation.Longitude,
            ArrivalRadiusMeters = request.ArrivalRadiusMeters,
            AssignedAt = now,
            AckDeadline = now + request.AckWithin,
            AssignmentNumber = ++_lastAssignmentNumber,
            Pending = true,
        };
        _status = next.Value;
        _lastIncidentId = request.IncidentId;
        ArmPendingCheck();

        // The zones stop offering the unit at once; the officer is told once the incident's commit confirms it.
        await ChangedAsync(zonesMayChange: false, publish: false);
        return new AssignmentDecision(true, null, ToContract(_assignment));
    }

    public async Task ConfirmAssignmentAsync(string incidentId, long assignmentNumber, bool committed)
    {
        if (_assignment is not { Pending: true } held || held.IncidentId != incidentId || held.AssignmentNumber != assignmentNumber)
        {
            return;
        }

        if (committed)
        {
            held.Pending = false;
            await ChangedAsync(zonesMayChange: false);
            return;
        }

        _assignment = null;
        _status = UnitStatus.Available;
        await ChangedAsync(zonesMayChange: false, publish: false);
    }

    public async Task<CommandResult> PerformAsync(TerminalAction action, string actor) => (await PerformCoreAsync(action, actor)).Result;

    public async Task<TerminalActionOutcome> PerformOnceAsync(string clientActionId, TerminalAction action, string actor)
    {
        if (string.IsNullOrWhiteSpace(clientActionId) || clientActionId.Length > MaxClientActionIdLength)
        {
            return new(CommandResult.Refused($"client action id must be 1..{MaxClientActionIdLength} characters, got '{clientActionId}'"), false);
        }

        if (_actions.TryGetValue(clientActionId, out var earlier))
        {
            return new(earlier, true);
        }

        // Not in memory (the grain restarted since?): a button already recorded by its incident is a duplicate.
        if (IsAlreadyDone(action) && (_assignment?.IncidentId ?? _lastIncidentId) is { } incidentId
            && await GrainFactory.GetGrain<IIncidentGrain>(incidentId).HasAppliedAsync(UnitId, clientActionId))
        {
            RememberAction(clientActionId, CommandResult.Success);
            return new(CommandResult.Success, true);
        }

        var outcome = await PerformCoreAsync(action, actor, clientActionId);
        RememberAction(clientActionId, outcome.Result);
        return outcome;
    }

    public const int MaxOutOfServiceReasonLength = 200;

    public async Task<TerminalActionOutcome> GoOutOfServiceOnceAsync(string clientActionId, string reason, string actor)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxOutOfServiceReasonLength)
        {
            return new(CommandResult.Refused($"out-of-service reason must be 1..{MaxOutOfServiceReasonLength} characters, got {(reason is null ? "none" : $"{reason.Length}")}"), false);
        }

        _outOfServiceReason = reason.Trim();
        try
        {
            return await PerformOnceAsync(clientActionId, TerminalAction.OutOfService, actor);
        }
        finally
        {
            _outOfServiceReason = null;
        }
    }

    private void RememberAction(string clientActionId, CommandResult result)
    {
        if (_actions.TryAdd(clientActionId, result))
        {
            _actionOrder.Enqueue(clientActionId);
            while (_actionOrder.Count > RememberedActions)
            {
                _actions.Remove(_actionOrder.Dequeue());
            }
        }
    }

    private async Task<TerminalActionOutcome> PerformCoreAsync(TerminalAction action, string actor, string? clientActionId = null)
    {
        if (!_known)
        {
            return new(UnknownUnit(), false);
        }

        if (string.IsNullOrWhiteSpace(actor))
        {
            return new(CommandResult.Refused("actor must not be blank"), false);
        }

        UnitAction? unitAction = action switch
        {
            TerminalAction.Acknowledge => UnitAction.Acknowledge,
            TerminalAction.EnRoute => UnitAction.EnRoute,
            TerminalAction.OnScene => UnitAction.OnScene,
            TerminalAction.Clear => UnitAction.Clear,
            TerminalAction.Available => UnitAction.Complete,
            TerminalAction.OutOfService => UnitAction.OutOfService,
            TerminalAction.BackInService => UnitAction.BackInService,
            _ => null,
        };
        if (unitAction is null)
        {
            return new(CommandResult.Refused($"unknown terminal action {(int)action}"), false);
        }

        var next = UnitStatusMachine.Apply(_status, unitAction.Value);
        if (!next.IsOk)
        {
            return new(CommandResult.Refused(next.Error!), false);
        }

        var held = _assignment;
        if (held is { Pending: true })
        {
            return new(CommandResult.Refused($"unit '{UnitId}' has an assignment to incident '{held.IncidentId}' being recorded; try again"), false);
        }

        var now = clock.GetUtcNow();
        if (held is not null)
        {
            var kind = action switch
            {
                TerminalAction.Acknowledge => UnitReportKind.Acknowledged,
                TerminalAction.EnRoute => UnitReportKind.EnRoute,
                TerminalAction.OnScene => UnitReportKind.OnScene,
                TerminalAction.Clear => UnitReportKind.Cleared,
                _ => UnitReportKind.Released,
            };
            var detail = kind == UnitReportKind.OnScene ? "reported on scene" : $"{action}";
            var reported = await ReportToIncidentAsync(held, new UnitReport(UnitId, held.AssignmentNumber, kind, now, actor, detail, clientActionId));
            if (!reported.Ok)
            {
                return new(reported, false);
            }
        }

        var wasAvailable = UnitStatusMachine.IsAvailableForDispatch(_status);
        _status = next.Value;
        if (held is not null && !UnitStatusMachine.HoldsAssignment(_status))
        {
            _lastIncidentId = held.IncidentId;
            _assignment = null;
        }

        if (action is TerminalAction.OutOfService or TerminalAction.BackInService)
        {
            // Off duty is the one status the unit keeps itself: no incident records it.
            S.Status = _status;
            S.OutOfServiceReason = action == TerminalAction.OutOfService ? _outOfServiceReason ?? "off duty" : null;
            S.Latitude = _position?.Latitude;
            S.Longitude = _position?.Longitude;
            S.PositionAt = _positionAt;
            if (clientActionId is not null)
            {
                S.RecentActionIds.Add(clientActionId);
                if (S.RecentActionIds.Count > 16)
                {
                    S.RecentActionIds.RemoveRange(0, S.RecentActionIds.Count - 16);
                }
            }

            await state.WriteStateAsync();
        }

        await ChangedAsync(zonesMayChange: wasAvailable != UnitStatusMachine.IsAvailableForDispatch(_status));
        return new(CommandResult.Success, false);
    }

    /// <summary>The incident journals the report before answering; an incident that no longer holds the unit frees it.</summary>
    private async Task<CommandResult> ReportToIncidentAsync(HeldAssignment held, UnitReport report)
    {
        var result = await GrainFactory.GetGrain<IIncidentGrain>(held.IncidentId).OnUnitReportAsync(report);
        if (!result.Ok && result.Error is { } error && error.Contains("no longer holds", StringComparison.Ordinal))
        {
            // Closed or unassigned while the officer pressed the button: the unit is free.
            _assignment = null;
            _status = UnitStatus.Available;
            await ChangedAsync(zonesMayChange: true);
        }

        return result;
    }

    /// <summary>True when the unit's status is already what <paramref name="action"/> leads to (a resent button).</summary>
    private bool IsAlreadyDone(TerminalAction action) => (action, _status) switch
    {
        (TerminalAction.Acknowledge, UnitStatus.Acknowledged or UnitStatus.EnRoute or UnitStatus.OnScene) => true,
        (TerminalAction.EnRoute, UnitStatus.EnRoute or UnitStatus.OnScene) => true,
        (TerminalAction.OnScene, UnitStatus.OnScene) => true,
        (TerminalAction.Clear, UnitStatus.Clearing) => true,
        (TerminalAction.OutOfService, UnitStatus.OutOfService) => true,
        _ => false,
    };

    public Task<CommandResult> ReleaseAsync(string incidentId, string reason, string actor, bool onlyIfUnacknowledged)
    {
        if (!_known)
        {
            return Task.FromResult(UnknownUnit());
        }

        if (_assignment is not { } held || held.IncidentId != incidentId)
        {
            return Task.FromResult(CommandResult.Refused($"unit '{UnitId}' does not hold incident '{incidentId}'"));
        }

        if (onlyIfUnacknowledged && _status != UnitStatus.Dispatched)
        {
            return Task.FromResult(CommandResult.Refused($"unit '{UnitId}' already acknowledged ({_status})"));
        }

        // The unit stays off the market until the incident has recorded the release (AssignmentEndedAsync), so no
        // other incident can claim it while the record still holds it.
        held.Ending = true;
        return Task.FromResult(CommandResult.Success);
    }

    public async Task AssignmentEndedAsync(string incidentId, long assignmentNumber, string reason)
    {
        if (_assignment is not { } held || held.IncidentId != incidentId || held.AssignmentNumber != assignmentNumber)
        {
            return;
        }

        // Before arrival the assignment is simply taken away; on scene the unit clears and is free again.
        _assignment = null;
        _status = UnitStatus.Available;
        await ChangedAsync(zonesMayChange: true);
    }

    public async Task ArrivedAsync(GeoPoint position, DateTimeOffset at)
    {
        MovedTo(position, at);
        await ArriveIfInsideRadiusAsync(position, at);
    }

    public async Task<CommandResult> ReportPositionAsync(GeoPoint position)
    {
        if (!_known)
        {
            return UnknownUnit();
        }

        var now = clock.GetUtcNow();
        MovedTo(position, now);
        GrainFactory.GetGrain<IPositionRouterGrain>(0).RouteAsync([new UnitPositionReport(UnitId, position, now)]).Ignore();
        await ArriveIfInsideRadiusAsync(position, now);
        return CommandResult.Success;
    }

    private void MovedTo(GeoPoint position, DateTimeOffset at)
    {
        if (_positionAt is null || at >= _positionAt)
        {
            (_position, _positionAt) = (position, at);
        }
    }

    private async Task ArriveIfInsideRadiusAsync(GeoPoint position, DateTimeOffset at)
    {
        if (_assignment is not { Pending: false } held || _status is UnitStatus.OnScene || !UnitStatusMachine.HoldsAssignment(_status))
        {
            return;
        }

        var distanceMeters = GreatCircle.DistanceMeters(position, new GeoPoint(held.IncidentLatitude, held.IncidentLongitude));
        if (distanceMeters > held.ArrivalRadiusMeters)
        {
            return;
        }

        // GPS arrival implies the steps the officer skipped (acknowledge, en route).
        var detail = $"position inside arrival radius ({distanceMeters:F0} m of {held.ArrivalRadiusMeters:F0} m)";
        var reported = await ReportToIncidentAsync(held, new UnitReport(UnitId, held.AssignmentNumber, UnitReportKind.OnScene, at, Actors.Unit(UnitId), detail));
        if (reported.Ok && _assignment == held)
        {
            _status = UnitStatus.OnScene;
            await ChangedAsync(zonesMayChange: false);
        }
    }

    /// <summary>A claim the incident never confirmed is checked against the record, and given up unless the record holds it.</summary>
    private void ArmPendingCheck()
    {
        _pendingCheck?.Dispose();
        var self = GrainFactory.GetGrain<IPatrolUnitGrain>(UnitId);
        var held = _assignment!;
        _pendingCheck = clock.CreateTimer(
            _ => self.ConfirmFromRecordAsync(held.IncidentId, held.AssignmentNumber).Ignore(), null, _options.ClaimConfirmTimeout, Timeout.InfiniteTimeSpan);
    }

    private async Task PublishAsync()
    {
        var view = View();
        metrics.UnitChanged(view);
        try
        {
            await events.UnitChangedAsync(view);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogPublishFailed(logger, exception, UnitId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unit {UnitId}: publishing a change for live views failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string unitId);

    private UnitView View() => new(
        UnitId, _callSign, _kind, _homeStationId, _status, _position, _positionAt,
        _assignment is { Pending: false } held ? ToContract(held) : null,
        _status == UnitStatus.OutOfService ? S.OutOfServiceReason : null);

    private static UnitAssignment ToContract(HeldAssignment held) => new(
        held.IncidentId, held.TierName, new GeoPoint(held.IncidentLatitude, held.IncidentLongitude),
        held.AssignedAt, held.AckDeadline, held.AssignmentNumber);

    private CommandResult UnknownUnit() => CommandResult.Refused($"unknown unit '{UnitId}'");
}
