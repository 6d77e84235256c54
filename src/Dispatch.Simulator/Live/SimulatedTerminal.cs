using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Simulator.Live;

/// <summary>
/// One patrol unit's terminal, connected to the running host like the terminal page: signs in on
/// /hubs/terminal, drives its beat along the roads sending GPS fixes, and when an assignment is pushed it
/// acknowledges after a short human delay, goes en route, drives there (arriving by GPS inside the arrival
/// radius, or by the button), stays on scene, clears and becomes available. Buttons carry client ids and are
/// resent with the same id after a dropped connection, so none is applied twice; after a reconnect it signs
/// in again and picks up from the unit's current status.
/// </summary>
public sealed class SimulatedTerminal(
    PatrolUnitSpec unit,
    HostLink link,
    RoadRouter router,
    LiveSimulationOptions options,
    LiveCounters counters,
    int seed,
    int firstHost = 0)
{
    private readonly Random _random = new(seed);
    private readonly HashSet<long> _handled = [];
    private readonly Lock _lock = new();
    private TerminalUnit? _latest;
    private long _seq;
    private TaskCompletionSource _changed = NewSignal();
    private GeoPoint _position = unit.Start;
    private long _actions;
    private HubConnection? _hub;
    private int _connected;
    private GeoPoint? _unsentFix;

    public string UnitId => unit.Id;

    /// <summary>The unit as last pushed or returned by the host (null before sign-in).</summary>
    public TerminalUnit? Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var account = SimulatorAccounts.OfficerFor(link.Accounts, unit) ?? throw new InvalidOperationException($"no officer account may sign onto unit '{unit.Id}'");
        // Several hosts: this terminal starts on its own host of the list and moves to the next when that one is lost.
        await using var hub = link.Connection(HostLink.TerminalHubPath, account, firstHost, _ => counters.OnHostChanged());
        _hub = hub;
        hub.On<HubDelta<TerminalUnit>>("UnitChanged", d => Offer(d.Item, d.Seq, snapshot: false));
        hub.Reconnecting += _ =>
        {
            Connected(false);
            return Task.CompletedTask;
        };
        hub.Reconnected += async _ =>
        {
            Connected(true);
            await SignInAsync(cancellationToken);
            await ResendFixAsync();
        };
        hub.Closed += async error =>
        {
            Connected(false);
            // Closed for good (a host that stops may refuse a reconnect): connect afresh, to the next host if there are several.
            if (!cancellationToken.IsCancellationRequested && await link.StartAsync(hub, _ => counters.OnConnectFailed(), cancellationToken))
            {
                Connected(true);
                await SignInAsync(cancellationToken);
                await ResendFixAsync();
            }
        };

        if (!await link.StartAsync(hub, _ => counters.OnConnectFailed(), cancellationToken))
        {
            return;
        }

        Connected(true);
        try
        {
            while (!cancellationToken.IsCancellationRequested && Latest is null)
            {
                if (!await SignInAsync(cancellationToken) && !await HostLink.SleepAsync(link.Backoff.Delay(2), cancellationToken))
                {
                    return;
                }
            }

            if (Latest is { Latitude: { } lat, Longitude: { } lon })
            {
                _position = new GeoPoint(lat, lon);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                await StepAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
        finally
        {
            Connected(false);
        }
    }

    /// <summary>Counts this terminal in or out of the connected ones, once per change.</summary>
    private void Connected(bool now)
    {
        if (Interlocked.Exchange(ref _connected, now ? 1 : 0) == (now ? 0 : 1))
        {
            if (now)
            {
                counters.OnConnected();
            }
            else
            {
                counters.OnDisconnected();
            }
        }
    }

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        var now = Latest!;
        if (now.Assignment is { } assignment && now.Status is >= UnitStatus.Dispatched and <= UnitStatus.OnScene && _handled.Add(assignment.AssignmentNumber))
        {
            await RespondAsync(assignment, cancellationToken);
            return;
        }

        switch (now.Status)
        {
            case UnitStatus.Available:
                await PatrolLegAsync(cancellationToken);
                break;
            case UnitStatus.Clearing:
                // Released or cleared while on scene: finish up and report back.
                await DelayAsync(LiveSimulationOptions.Between(_random, options.ClearingMin, options.ClearingMax), cancellationToken);
                await PerformAsync("Available", cancellationToken);
                break;
            default:
                // Out of service, or a response already under way elsewhere: wait for the next change, and read the
                // unit afresh now and then in case a push was missed.
                var before = Latest;
                await WaitForChangeAsync(TimeSpan.FromSeconds(10), cancellationToken);
                if (ReferenceEquals(before, Latest))
                {
                    await SignInAsync(cancellationToken);
                }

                break;
        }
    }

    /// <summary>Carries an assignment through from the unit's current status to available again.</summary>
    private async Task RespondAsync(TerminalAssignment assignment, CancellationToken cancellationToken)
    {
        var status = Latest!.Status;
        if (status == UnitStatus.Dispatched)
        {
            await DelayAsync(LiveSimulationOptions.Between(_random, options.AckDelayMin, options.AckDelayMax), cancellationToken);
            if (!Holds(assignment) || !await PerformAsync("Acknowledge", cancellationToken))
            {
                return;
            }

            counters.OnAcknowledged();
        }

        if (status <= UnitStatus.Acknowledged)
        {
            await DelayAsync(LiveSimulationOptions.Between(_random, TimeSpan.Zero, options.EnRouteDelayMax), cancellationToken);
            if (!Holds(assignment) || !await PerformAsync("EnRoute", cancellationToken))
            {
                return;
            }
        }

        if (status <= UnitStatus.EnRoute)
        {
            var scene = new GeoPoint(assignment.Latitude, assignment.Longitude);
            var route = router.Plan(_position, scene, unit.Kind);
            if (!await DriveAsync(route, () => !Holds(assignment), cancellationToken) || !await ArriveAsync(assignment, scene, cancellationToken))
            {
                return;
            }
        }

        await DelayAsync(LiveSimulationOptions.Between(_random, options.OnSceneMin, options.OnSceneMax), cancellationToken);
        if (!Holds(assignment) || !await PerformAsync("Clear", cancellationToken))
        {
            return;
        }

        counters.OnCleared();
        await DelayAsync(LiveSimulationOptions.Between(_random, options.ClearingMin, options.ClearingMax), cancellationToken);
        if (Latest?.Status == UnitStatus.Clearing)
        {
            await PerformAsync("Available", cancellationToken);
        }
    }

    /// <summary>At the scene: the last fix inside the arrival radius puts the unit on scene; if it did not, the officer presses the button.</summary>
    private async Task<bool> ArriveAsync(TerminalAssignment assignment, GeoPoint scene, CancellationToken cancellationToken)
    {
        await ReportPositionAsync(scene);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (Holds(assignment) && Latest!.Status != UnitStatus.OnScene && DateTime.UtcNow < deadline)
        {
            await WaitForChangeAsync(deadline - DateTime.UtcNow, cancellationToken);
        }

        if (!Holds(assignment))
        {
            return false;
        }

        if (Latest!.Status != UnitStatus.OnScene && !await PerformAsync("OnScene", cancellationToken))
        {
            return false;
        }

        counters.OnArrived();
        return true;
    }

    /// <summary>One leg of the beat: drive to a point near the shift start, park a while; cut short by any change of status.</summary>
    private async Task PatrolLegAsync(CancellationToken cancellationToken)
    {
        var bearing = _random.NextDouble() * 2 * Math.PI;
        var meters = options.BeatRadiusMeters * Math.Sqrt(_random.NextDouble());
        var destination = GreatCircle.Offset(unit.Start, meters * Math.Cos(bearing), meters * Math.Sin(bearing));
        var route = router.Plan(_position, destination, unit.Kind);
        if (await DriveAsync(route, () => Latest!.Status != UnitStatus.Available, cancellationToken))
        {
            await WaitForChangeAsync(LiveSimulationOptions.Between(_random, options.ParkMin, options.ParkMax), cancellationToken);
        }
    }

    /// <summary>Drives <paramref name="route"/> in real time (times the speed factor), one fix per interval; false when stopped early.</summary>
    private async Task<bool> DriveAsync(DriveRoute route, Func<bool> stop, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var elapsedSeconds = (DateTime.UtcNow - started).TotalSeconds * options.SpeedFactor;
            var left = TimeSpan.FromSeconds(Math.Max(0, route.TotalSeconds - elapsedSeconds) / options.SpeedFactor);
            await WaitForChangeAsync(left < options.PositionEvery ? left : options.PositionEvery, cancellationToken);
            if (stop())
            {
                return false;
            }

            elapsedSeconds = (DateTime.UtcNow - started).TotalSeconds * options.SpeedFactor;
            _position = route.PositionAt(elapsedSeconds);
            await ReportPositionAsync(_position);
            if (elapsedSeconds >= route.TotalSeconds)
            {
                return true;
            }
        }
    }

    private bool Holds(TerminalAssignment assignment) => Latest?.Assignment?.AssignmentNumber == assignment.AssignmentNumber;

    private async Task<bool> SignInAsync(CancellationToken cancellationToken)
    {
        try
        {
            var signedIn = await _hub!.InvokeAsync<TerminalSignedIn>("SignIn", unit.Id, cancellationToken);
            Offer(signedIn.Unit, signedIn.Seq, snapshot: true);
            return true;
        }
        catch (Exception e) when (e is HubException || HostLink.IsConnectionLoss(e))
        {
            counters.OnRefused();
            return false;
        }
    }

    /// <summary>A button, retried with the same client id across reconnects; false when the host refused it.</summary>
    private async Task<bool> PerformAsync(string action, CancellationToken cancellationToken)
    {
        var clientActionId = $"sim-{unit.Id}-{Environment.ProcessId}-{Interlocked.Increment(ref _actions)}";
        while (await HostLink.WaitConnectedAsync(_hub!, cancellationToken))
        {
            try
            {
                var performed = await _hub!.InvokeAsync<TerminalPerformed>("Perform", clientActionId, action, cancellationToken);
                Offer(performed.Unit, seq: null, snapshot: false);
                return true;
            }
            catch (HubException)
            {
                // The engine refused it (released meanwhile, incident closed): read the unit afresh and go on from there.
                counters.OnRefused();
                await SignInAsync(cancellationToken);
                return false;
            }
            catch (Exception e) when (HostLink.IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
            {
                await HostLink.SleepAsync(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>
    /// GPS is soft state: a fix that cannot be sent is not queued behind the ones after it, but the newest fix the host
    /// did not take is kept and sent once the terminal is connected again (to this host or the next), so the map does
    /// not wait for the next leg of the drive.
    /// </summary>
    private async Task ReportPositionAsync(GeoPoint position)
    {
        if (_hub!.State != HubConnectionState.Connected)
        {
            KeepUnsent(position);
            return;
        }

        try
        {
            await _hub.InvokeAsync("ReportPosition", position.Latitude, position.Longitude);
            lock (_lock)
            {
                // The host has a fix as new as any kept back (fixes are sent in the order they are taken).
                _unsentFix = null;
            }

            counters.OnPosition();
        }
        catch (HubException)
        {
            counters.OnRefused();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Lost with the connection (or the connection is being shut down): sent after the reconnect.
            KeepUnsent(position);
        }
    }

    private void KeepUnsent(GeoPoint position)
    {
        lock (_lock)
        {
            _unsentFix = position;
        }
    }

    private async Task ResendFixAsync()
    {
        GeoPoint? fix;
        lock (_lock)
        {
            fix = _unsentFix;
        }

        if (fix is { } unsent)
        {
            await ReportPositionAsync(unsent);
        }
    }

    /// <summary>
    /// Keeps the newest state: pushed deltas in sequence order, a sign-in snapshot as the new base, and a button's
    /// answer (no sequence number) only when it moves the status on from what the pushes said.
    /// </summary>
    private void Offer(TerminalUnit unitState, long? seq, bool snapshot)
    {
        lock (_lock)
        {
            if (snapshot || _latest is null)
            {
                _seq = seq ?? _seq;
            }
            else if (seq is { } s)
            {
                if (s <= _seq)
                {
                    return;
                }

                _seq = s;
            }
            else if (unitState.Status == _latest.Status && unitState.Assignment?.AssignmentNumber == _latest.Assignment?.AssignmentNumber)
            {
                return;
            }

            _latest = unitState;
            _changed.TrySetResult();
            _changed = NewSignal();
        }
    }

    private async Task WaitForChangeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_lock)
        {
            changed = _changed.Task;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        await Task.WhenAny(changed, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, cancellationToken);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
