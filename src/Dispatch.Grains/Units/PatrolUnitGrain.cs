using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Units;

/// <summary>
/// A patrol unit. All claims go through <see cref="TryAssignAsync"/> on this single-threaded grain, which is
/// what guarantees a unit never holds two assignments. It tells its zone dispatcher only when its
/// availability, zone or sub-cell changes, and tells its incident (one-way) what the officer did.
/// </summary>
public sealed partial class PatrolUnitGrain(
    [PersistentState("patrol-unit", DispatchStorage.ProviderName)] IPersistentState<PatrolUnitState> state,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<DispatchGrainOptions> options,
    IDispatchEventSink events,
    DispatchMetrics metrics,
    ILogger<PatrolUnitGrain> logger) : Grain, IPatrolUnitGrain
{
    /// <summary>How many of the latest assignments the unit keeps in its own state.</summary>
    public const int HistoryKept = 256;

    private readonly DispatchGrainOptions _options = options.Value;

    // Soft state: what the zone dispatcher was last told.
    private string? _announcedZone;
    private (int Row, int Column)? _announcedCell;

    // The position time of the last saved state: positions are saved at most every PositionPersistInterval.
    private DateTimeOffset? _positionSavedAt;

    private PatrolUnitState S => state.State;

    private string UnitId => this.GetPrimaryKeyString();

    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        _positionSavedAt = S.PositionAt;
    }

    private GeoPoint? Position => S.Latitude is { } lat && S.Longitude is { } lon ? new GeoPoint(lat, lon) : null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _positionSavedAt = S.PositionAt;

        // Re-announce after a restart or idle deactivation: the dispatcher index is derived from units.
        if (S.Registered)
        {
            await AnnounceAsync(force: true);
        }
    }

    public async Task RegisterAsync(UnitRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        S.Registered = true;
        S.CallSign = registration.CallSign;
        S.Kind = registration.Kind;
        S.HomeStationId = registration.HomeStationId;
        if (Position is null)
        {
            S.Latitude = registration.Start.Latitude;
            S.Longitude = registration.Start.Longitude;
            S.PositionAt = clock.GetUtcNow();
        }

        await SaveAsync();
        await AnnounceAsync(force: true);
        await PublishAsync();
    }

    public Task<UnitView?> GetAsync() => Task.FromResult(S.Registered ? View() : null);

    public Task<IReadOnlyList<UnitAssignmentRecord>> GetHistoryAsync() =>
        Task.FromResult<IReadOnlyList<UnitAssignmentRecord>>([.. S.History]);

    public async Task<CommandResult> ReportPositionAsync(GeoPoint position)
    {
        if (!S.Registered)
        {
            return UnknownUnit();
        }

        var now = clock.GetUtcNow();
        S.Latitude = position.Latitude;
        S.Longitude = position.Longitude;
        S.PositionAt = now;

        var arrival = await ArriveIfInsideRadiusAsync(position, now);
        if (!arrival && (_positionSavedAt is null || now - _positionSavedAt >= _options.PositionPersistInterval))
        {
            await SaveAsync();
        }

        await AnnounceAsync(force: false);
        await PublishAsync();
        return CommandResult.Success;
    }

    public async Task<AssignmentDecision> TryAssignAsync(AssignmentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!S.Registered)
        {
            return AssignmentDecision.Refused($"unknown unit '{UnitId}'");
        }

        if (S.Assignment is { } held)
        {
            // A retried claim by the same incident gets the assignment it already holds.
            return held.IncidentId == request.IncidentId
                ? new AssignmentDecision(true, null, ToContract(held))
                : AssignmentDecision.Refused($"unit '{UnitId}' is {S.Status} on incident '{held.IncidentId}'");
        }

        var next = UnitStatusMachine.Apply(S.Status, UnitAction.Dispatch);
        if (!next.IsOk)
        {
            return AssignmentDecision.Refused($"unit '{UnitId}' cannot be dispatched: {next.Error}");
        }

        var now = clock.GetUtcNow();
        // State saved before the counter existed numbered by the history's length.
        var number = Math.Max(S.AssignmentsMade, S.History.Count) + 1;
        S.AssignmentsMade = number;
        var assignment = new HeldAssignment
        {
            IncidentId = request.IncidentId,
            TierName = request.TierName,
            IncidentLatitude = request.IncidentLocation.Latitude,
            IncidentLongitude = request.IncidentLocation.Longitude,
            ArrivalRadiusMeters = request.ArrivalRadiusMeters,
            AssignedAt = now,
            AckDeadline = now + request.AckWithin,
            AssignmentNumber = number,
        };
        S.Status = next.Value;
        S.Assignment = assignment;
        S.History.Add(new UnitAssignmentRecord(number, request.IncidentId, request.TierName, now, ++S.EventSequence, null, null, null));
        if (S.History.Count > HistoryKept)
        {
            // The unit's state is written on every status change: keep it small. Incident timelines and the
            // journal hold the full record.
            S.History.RemoveRange(0, S.History.Count - HistoryKept);
        }

        await SaveAsync();
        await AnnounceAsync(force: false);
        await PublishAsync();
        return new AssignmentDecision(true, null, ToContract(assignment));
    }

    public async Task<CommandResult> PerformAsync(TerminalAction action, string actor)
    {
        if (!S.Registered)
        {
            return UnknownUnit();
        }

        if (string.IsNullOrWhiteSpace(actor))
        {
            return CommandResult.Refused("actor must not be blank");
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
            return CommandResult.Refused($"unknown terminal action {(int)action}");
        }

        var next = UnitStatusMachine.Apply(S.Status, unitAction.Value);
        if (!next.IsOk)
        {
            return CommandResult.Refused(next.Error!);
        }

        var now = clock.GetUtcNow();
        var held = S.Assignment;
        S.Status = next.Value;
        UnitReport? report = null;
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
            report = new UnitReport(UnitId, held.AssignmentNumber, kind, now, actor, detail);
            if (!UnitStatusMachine.HoldsAssignment(S.Status))
            {
                EndAssignment(now, kind == UnitReportKind.Cleared ? "cleared" : $"{action} by {actor}");
            }
        }

        await SaveAsync();
        if (report is not null && held is not null)
        {
            GrainFactory.GetGrain<IIncidentGrain>(held.IncidentId).OnUnitReportAsync(report).Ignore();
        }

        await AnnounceAsync(force: false);
        await PublishAsync();
        return CommandResult.Success;
    }

    public async Task<CommandResult> ReleaseAsync(string incidentId, string reason, string actor, bool onlyIfUnacknowledged)
    {
        if (!S.Registered)
        {
            return UnknownUnit();
        }

        if (S.Assignment is not { } held || held.IncidentId != incidentId)
        {
            return CommandResult.Refused($"unit '{UnitId}' does not hold incident '{incidentId}'");
        }

        if (onlyIfUnacknowledged && S.Status != UnitStatus.Dispatched)
        {
            return CommandResult.Refused($"unit '{UnitId}' already acknowledged ({S.Status})");
        }

        // Before arrival the assignment is simply taken away; on scene the unit clears and is free again.
        var path = UnitStatusMachine.Apply(S.Status, UnitAction.Release).IsOk
            ? new[] { UnitAction.Release }
            : [UnitAction.Clear, UnitAction.Complete];
        var status = S.Status;
        foreach (var step in path)
        {
            var next = UnitStatusMachine.Apply(status, step);
            if (!next.IsOk)
            {
                return CommandResult.Refused($"unit '{UnitId}' cannot be released: {next.Error}");
            }

            status = next.Value;
        }

        S.Status = status;
        EndAssignment(clock.GetUtcNow(), $"{reason} ({actor})");
        await SaveAsync();
        await AnnounceAsync(force: false);
        await PublishAsync();
        return CommandResult.Success;
    }

    private async Task<bool> ArriveIfInsideRadiusAsync(GeoPoint position, DateTimeOffset now)
    {
        if (S.Assignment is not { } held || S.Status is UnitStatus.OnScene || !UnitStatusMachine.HoldsAssignment(S.Status))
        {
            return false;
        }

        var incident = new GeoPoint(held.IncidentLatitude, held.IncidentLongitude);
        var distanceMeters = GreatCircle.DistanceMeters(position, incident);
        if (distanceMeters > held.ArrivalRadiusMeters)
        {
            return false;
        }

        // GPS arrival implies the steps the officer skipped (acknowledge, en route).
        var status = S.Status;
        foreach (var step in new[] { UnitAction.Acknowledge, UnitAction.EnRoute, UnitAction.OnScene })
        {
            var next = UnitStatusMachine.Apply(status, step);
            if (next.IsOk)
            {
                status = next.Value;
            }

            if (status == UnitStatus.OnScene)
            {
                break;
            }
        }

        if (status != UnitStatus.OnScene)
        {
            logger.LogWarning("Unit {UnitId} inside arrival radius but cannot go on scene from {Status}", UnitId, S.Status);
            return false;
        }

        S.Status = status;
        await SaveAsync();
        var detail = $"position inside arrival radius ({distanceMeters:F0} m of {held.ArrivalRadiusMeters:F0} m)";
        GrainFactory.GetGrain<IIncidentGrain>(held.IncidentId)
            .OnUnitReportAsync(new UnitReport(UnitId, held.AssignmentNumber, UnitReportKind.OnScene, now, Actors.Unit(UnitId), detail))
            .Ignore();
        return true;
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

    private void EndAssignment(DateTimeOffset now, string reason)
    {
        var held = S.Assignment!;
        var index = S.History.FindLastIndex(r => r.AssignmentNumber == held.AssignmentNumber);
        if (index >= 0)
        {
            S.History[index] = S.History[index] with { EndedAt = now, EndSequence = ++S.EventSequence, EndReason = reason };
        }

        S.Assignment = null;
    }

    /// <summary>Tells the zone dispatchers what changed: joined, left, or moved to another sub-cell or zone.</summary>
    private async Task AnnounceAsync(bool force)
    {
        var position = Position;
        var available = S.Registered && position is not null && UnitStatusMachine.IsAvailableForDispatch(S.Status);
        string? zone = null;
        (int, int)? cell = null;
        if (available)
        {
            zone = DispatchZone.Of(position!.Value).Key;
            cell = DispatchZone.SubCellOf(position.Value);
        }

        if (!force && zone == _announcedZone && cell == _announcedCell)
        {
            return;
        }

        if (_announcedZone is not null && _announcedZone != zone)
        {
            await GrainFactory.GetGrain<IDispatcherGrain>(_announcedZone).RemoveAsync(UnitId);
        }

        if (zone is not null)
        {
            await GrainFactory.GetGrain<IDispatcherGrain>(zone)
                .UpsertAsync(new AvailableUnit(UnitId, S.Kind, position!.Value, S.HomeStationId));
        }
        else if (force && position is not null)
        {
            // After a restart the old index may still list a unit that is no longer available.
            await GrainFactory.GetGrain<IDispatcherGrain>(DispatchZone.Of(position.Value).Key).RemoveAsync(UnitId);
        }

        _announcedZone = zone;
        _announcedCell = cell;
    }

    private UnitView View() => new(
        UnitId, S.CallSign, S.Kind, S.HomeStationId, S.Status, Position, S.PositionAt,
        S.Assignment is { } held ? ToContract(held) : null);

    private static UnitAssignment ToContract(HeldAssignment held) => new(
        held.IncidentId, held.TierName, new GeoPoint(held.IncidentLatitude, held.IncidentLongitude),
        held.AssignedAt, held.AckDeadline, held.AssignmentNumber);

    private CommandResult UnknownUnit() => CommandResult.Refused($"unknown unit '{UnitId}'");
}
