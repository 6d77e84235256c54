using System.Collections.Concurrent;
using System.Threading.Channels;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;
using Dispatch.Grains.Hosting;
using Dispatch.Domain.City;
using Dispatch.Server.Alerts;
using Dispatch.Abstractions.Records;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Live;

public sealed class LiveOptions
{
    public const string SectionName = "Dispatch:Live";

    /// <summary>How often a page gets unit positions, however many units move (250 ms: four a second).</summary>
    public int PositionIntervalMilliseconds { get; set; } = 250;
}

/// <summary>
/// Which operator connections want which districts. Connections with the same district set share one
/// SignalR group, so each change is sent once per set, and each page gets one position batch per tick.
/// </summary>
public sealed class OperationsAudience
{
    public const string AllDistricts = "ops:all";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (IReadOnlySet<string>? Districts, int Connections)> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _groupOfConnection = new(StringComparer.Ordinal);

    public static string GroupName(IReadOnlySet<string>? districts) =>
        districts is null ? AllDistricts : "ops:" + string.Join(',', districts.Order(StringComparer.Ordinal));

    /// <summary>Records the connection in its group; returns the group it was in before, if any other.</summary>
    public string? Join(string connectionId, IReadOnlySet<string>? districts)
    {
        var group = GroupName(districts);
        lock (_lock)
        {
            var previous = LeaveLocked(connectionId);
            _groupOfConnection[connectionId] = group;
            _groups[group] = (districts, (_groups.TryGetValue(group, out var g) ? g.Connections : 0) + 1);
            return previous == group ? null : previous;
        }
    }

    public void Leave(string connectionId)
    {
        lock (_lock)
        {
            LeaveLocked(connectionId);
        }
    }

    /// <summary>The groups that want something in <paramref name="gridId"/> (null: a thing outside every grid, only the whole-city group).</summary>
    public List<string> GroupsFor(string? gridId)
    {
        lock (_lock)
        {
            return [.. _groups.Where(g => g.Value.Districts is null || (gridId is not null && g.Value.Districts.Contains(gridId))).Select(g => g.Key)];
        }
    }

    public List<(string Group, IReadOnlySet<string>? Districts)> Groups()
    {
        lock (_lock)
        {
            return [.. _groups.Select(g => (g.Key, g.Value.Districts))];
        }
    }

    private string? LeaveLocked(string connectionId)
    {
        if (!_groupOfConnection.Remove(connectionId, out var group))
        {
            return null;
        }

        var (districts, connections) = _groups[group];
        if (connections <= 1)
        {
            _groups.Remove(group);
        }
        else
        {
            _groups[group] = (districts, connections - 1);
        }

        return group;
    }
}

/// <summary>
/// The one observer this host registers with the notifier: applies each change to the board and pushes it
/// to this host's pages. Unit movements are coalesced and sent by <see cref="FlushPositionsAsync"/> on a tick.
/// </summary>
public sealed class LiveHostObserver(
    LiveBoard board,
    OperationsAudience audience,
    IHubContext<OperationsHub> operations,
    IHubContext<TerminalHub> terminals,
    DispatchMetrics metrics,
    LiveRelay relay,
    ILogger<LiveHostObserver> logger) : ILiveHostObserver
{
    // One sender, in sequence order: a page must never get a unit's older status after its newer one.
    private readonly Channel<List<BoardChange>> _outbox = Channel.CreateUnbounded<List<BoardChange>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _applying = new();
    private ConcurrentDictionary<string, byte> _moved = new(StringComparer.Ordinal);

    // Units whose dispatch reached this host before their incident did (two notifier batches): the alert-to-terminal
    // latency is recorded when the incident's push follows. Touched by the one sender only.
    private readonly Dictionary<string, LiveUnit> _awaitingIncident = new(StringComparer.Ordinal);
    private Task? _sender;

    public static string UnitGroup(string unitId) => "unit:" + unitId;

    public Task ReceiveAsync(IReadOnlyList<LiveMessage> batch)
    {
        lock (_applying)
        {
            _sender ??= Task.Run(DrainAsync);
            foreach (var moves in batch.OfType<UnitsMoved>())
            {
                foreach (var unitId in board.ApplyPositions(moves.Positions))
                {
                    _moved[unitId] = 0;
                }
            }

            relay.Deliver(batch.OfType<RelayedMessage>());
            var changes = batch.Where(m => m is not (UnitsMoved or RelayedMessage)).Select(board.Apply).OfType<BoardChange>().ToList();
            if (changes.Count > 0)
            {
                _outbox.Writer.TryWrite(changes);
            }
        }

        return Task.CompletedTask;
    }

    private async Task DrainAsync()
    {
        await foreach (var changes in _outbox.Reader.ReadAllAsync())
        {
            await SendAsync(changes);
        }
    }

    public async Task FlushPositionsAsync()
    {
        if (_moved.IsEmpty)
        {
            return;
        }

        var moved = Interlocked.Exchange(ref _moved, new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
        var (seq, units) = board.Positions(moved.Keys);
        foreach (var (group, districts) in audience.Groups())
        {
            var positions = units
                .Where(u => u.Latitude is not null && (districts is null || (u.GridId is not null && districts.Contains(u.GridId))))
                .Select(u => new UnitPosition(u.UnitId, u.Latitude!.Value, u.Longitude!.Value))
                .ToList();
            if (positions.Count > 0)
            {
                await operations.Clients.Group(group).SendAsync(OperationsEvents.UnitsMoved, new UnitPositionBatch(seq, positions));
            }
        }
    }

    private async Task SendAsync(List<BoardChange> changes)
    {
        foreach (var change in changes)
        {
            try
            {
                await SendAsync(change);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not push live change {Seq}", change.Seq);
            }
        }
    }

    private async Task SendAsync(BoardChange change)
    {
        switch (change.Message)
        {
            case UnitUpdate { Unit: var unit } when change.PositionOnly:
                _moved[unit.UnitId] = 0;
                break;
            case UnitUpdate { Unit: var unit }:
                var unitDelta = new LiveDelta<LiveUnit>(change.Seq, unit);
                await operations.Clients.Groups(audience.GroupsFor(unit.GridId)).SendAsync(OperationsEvents.UnitChanged, unitDelta);
                await terminals.Clients.Group(UnitGroup(unit.UnitId)).SendAsync(TerminalEvents.UnitChanged, unitDelta);
                _awaitingIncident.Remove(unit.UnitId);
                if (unit.Assignment is { } held && board.FindIncident(held.IncidentId) is { } assigned)
                {
                    RecordAlertDelivery(unit, assigned);
                    await terminals.Clients.Group(UnitGroup(unit.UnitId))
                        .SendAsync(TerminalEvents.IncidentChanged, new LiveDelta<LiveIncident>(change.Seq, assigned));
                }
                else if (unit.Assignment is not null && unit.Status == UnitStatus.Dispatched)
                {
                    _awaitingIncident[unit.UnitId] = unit;
                }

                break;
            case IncidentUpdate { Incident: var incident }:
                foreach (var assignment in incident.Assignments)
                {
                    if (_awaitingIncident.TryGetValue(assignment.UnitId, out var dispatched) && dispatched.Assignment?.IncidentId == incident.IncidentId)
                    {
                        _awaitingIncident.Remove(assignment.UnitId);
                        RecordAlertDelivery(dispatched, incident);
                    }
                }

                var incidentDelta = new LiveDelta<LiveIncident>(change.Seq, incident);
                await operations.Clients.Groups(audience.GroupsFor(incident.GridId)).SendAsync(OperationsEvents.IncidentChanged, incidentDelta);
                await terminals.Clients.Groups([.. incident.Assignments.Select(a => UnitGroup(a.UnitId))])
                    .SendAsync(TerminalEvents.IncidentChanged, incidentDelta);
                break;
            case AlertUpdate { Alert: var alert }:
                await operations.Clients.Groups(audience.GroupsFor(alert.GridId))
                    .SendAsync(OperationsEvents.AlertChanged, new LiveDelta<LiveAlert>(change.Seq, alert));
                break;
            case CameraUpdate { Camera: var camera }:
                await operations.Clients.Groups(audience.GroupsFor(camera.GridId))
                    .SendAsync(OperationsEvents.CameraChanged, new LiveDelta<LiveCamera>(change.Seq, camera));
                break;
            case DirectiveIssued { Directive: var directive }:
                await terminals.Clients.Groups([.. directive.UnitIds.Select(UnitGroup)])
                    .SendAsync(TerminalEvents.DirectiveReceived, new LiveDelta<LiveDirective>(change.Seq, directive));
                await operations.Clients.Group(OperationsAudience.AllDistricts)
                    .SendAsync(OperationsEvents.DirectiveIssued, new LiveDelta<LiveDirective>(change.Seq, directive));
                break;
        }
    }

    /// <summary>
    /// Alert-to-terminal latency: when a camera-born incident's dispatch is pushed to the unit's terminals. The
    /// incident is opened as its alert is accepted, so its creation time stands for the alert's arrival.
    /// </summary>
    private void RecordAlertDelivery(LiveUnit unit, LiveIncident incident)
    {
        if (unit.Status == UnitStatus.Dispatched && incident.Source == IncidentSource.Camera)
        {
            metrics.RecordAlertDelivered(DateTimeOffset.UtcNow - incident.CreatedAt);
        }
    }
}

/// <summary>
/// Registers this host's observer with the notifier (and again every <see cref="RegistrationInterval"/>),
/// loads the current state into the board, and runs the position tick.
/// </summary>
public sealed class LiveHostService(
    IGrainFactory grains,
    LiveHostObserver observer,
    LiveBoard board,
    CityModel city,
    Dispatch.Grains.City.CityDirectory directory,
    Abstractions.Records.IIncidentStore store,
    AlertArchive archive,
    IOptions<LiveOptions> options,
    TimeProvider clock,
    IClusterMembershipService membership,
    ILogger<LiveHostService> logger) : BackgroundService
{
    internal static readonly TimeSpan RegistrationInterval = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ILiveHostObserver? _reference;

    /// <summary>This host in the registry: unique per process and start.</summary>
    public string HostId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Completes once the observer is registered and the board holds the current state.</summary>
    public Task Ready => _ready.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<ILiveHostObserver>(observer);
        await grains.GetGrain<ILiveHostRegistryGrain>(0).RegisterAsync(HostId, _reference);

        // Notifiers cache the host list for up to HostListAge: wait that out before loading the board, so every
        // change made after the load is sure to reach this host (one made before it is in the load).
        await Task.Delay(LiveNotifierGrain.HostListAge + TimeSpan.FromMilliseconds(100), cancellationToken);
        await LoadBoardAsync(cancellationToken);
        _ready.TrySetResult();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<ILiveHostRegistryGrain>(0).UnregisterAsync(HostId).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Live host {HostId} could not unregister; it expires instead", HostId);
        }

        // The observer reference goes with the silo's runtime; deleting it here would race the silo's own stop.
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = Task.Run(() => RefreshWhenSilosDieAsync(stoppingToken), CancellationToken.None);
        var interval = TimeSpan.FromMilliseconds(Math.Max(50, options.Value.PositionIntervalMilliseconds));
        using var tick = new PeriodicTimer(interval, clock);
        var nextRegistration = clock.GetUtcNow() + RegistrationInterval;
        while (await tick.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await observer.FlushPositionsAsync();
                if (clock.GetUtcNow() >= nextRegistration)
                {
                    nextRegistration = clock.GetUtcNow() + RegistrationInterval;
                    await grains.GetGrain<ILiveHostRegistryGrain>(0).RegisterAsync(HostId, _reference!);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Live tick failed");
            }
        }
    }

    /// <summary>
    /// A silo that dies takes with it the changes its notifier had not sent yet, and the grains that made them come
    /// back on a survivor without publishing again: so when a silo is declared dead this host registers again (the
    /// registry may have moved) and reads units and open incidents afresh, pushed to its pages like any change.
    /// </summary>
    private async Task RefreshWhenSilosDieAsync(CancellationToken stoppingToken)
    {
        var known = membership.CurrentSnapshot;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var died = snapshot.Members.Values.Any(m => m.Status == SiloStatus.Dead
                    && known.Members.TryGetValue(m.SiloAddress, out var before) && before.Status != SiloStatus.Dead);
                known = snapshot;
                if (!died)
                {
                    continue;
                }

                try
                {
                    await grains.GetGrain<ILiveHostRegistryGrain>(0).RegisterAsync(HostId, _reference!);
                    await Task.Delay(LiveNotifierGrain.HostListAge + TimeSpan.FromMilliseconds(100), stoppingToken);
                    await RefreshBoardAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Live board refresh after a silo died failed; entries catch up with their next change");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Reads units and open incidents from their grains and applies them as changes stamped with the time before the
    /// read: a change published after the read is newer and wins, one published before it and delivered late loses.
    /// </summary>
    private async Task RefreshBoardAsync(CancellationToken cancellationToken)
    {
        var version = clock.GetUtcNow().UtcTicks;
        var messages = new System.Collections.Concurrent.ConcurrentBag<LiveMessage>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(city.Units, parallel, async (spec, _) =>
        {
            if (await grains.GetGrain<IPatrolUnitGrain>(spec.Id).GetAsync() is { } unit)
            {
                messages.Add(new UnitUpdate(version, unit.ToLive(city)));
            }
        });

        var open = await store.FindAsync(new IncidentFilter { Status = IncidentStatus.Open, Limit = 10_000 }, cancellationToken);
        await Parallel.ForEachAsync(open, parallel, async (summary, _) =>
        {
            if (await grains.GetGrain<IIncidentGrain>(summary.IncidentId).GetAsync() is { } incident)
            {
                messages.Add(new IncidentUpdate(version, incident.ToLive(city)));
            }
        });

        foreach (var batch in messages.Chunk(LiveNotifierGrain.MaxBatch))
        {
            await observer.ReceiveAsync(batch);
        }

        logger.LogInformation("Live board refreshed after a silo died: {Units} units, {Incidents} open incidents", city.Units.Count, open.Count);
    }

    /// <summary>
    /// Reads every unit (from its grain), the open incidents and today's (from the incident table) and the recent alerts
    /// (from the archive); camera health comes from the gateways' heartbeats. Loaded state gets version 1, older than
    /// any published change, so a change that raced the load wins.
    /// </summary>
    private async Task LoadBoardAsync(CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(city.Units, parallel, async (spec, _) =>
        {
            if (await grains.GetGrain<IPatrolUnitGrain>(spec.Id).GetAsync() is { } unit)
            {
                board.Apply(new UnitUpdate(1, unit.ToLive(city)));
            }
        });

        var startOfDay = new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        var open = await store.FindAsync(new IncidentFilter { Status = IncidentStatus.Open, Limit = 10_000 }, cancellationToken);
        var today = await store.FindAsync(new IncidentFilter { CreatedFrom = startOfDay, Limit = 10_000 }, cancellationToken);
        var incidentIds = open.Concat(today).Select(i => i.IncidentId).Distinct(StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(incidentIds, parallel, async (id, _) =>
        {
            if (await grains.GetGrain<IIncidentGrain>(id).GetAsync() is { } incident)
            {
                board.Apply(new IncidentUpdate(1, incident.ToLive(city)));
            }
        });

        var alerts = await archive.RecentAsync(LiveBoard.AlertCapacity, cancellationToken);
        foreach (var (archived, decision) in alerts)
        {
            var (record, state, incidentId) = AlertGrain.FromArchive(archived, decision, directory);
            board.Apply(new AlertUpdate(1, AlertGrain.ToLive(record, state, incidentId)));
        }

        logger.LogInformation("Live board loaded: {Units} units, {Incidents} incidents, {Alerts} alerts", city.Units.Count, incidentIds.Count, alerts.Count);
    }
}
