using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Domain.Geo;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace Dispatch.LoadTests;

// What the driver reads of the terminal hub's messages (JSON, camelCase, enums as strings); other fields are ignored.

/// <summary>A unit's assignment as its terminal receives it.</summary>
public sealed record TerminalAssignment(string IncidentId, long AssignmentNumber, DateTimeOffset AssignedAt);

/// <summary>A unit as its terminal receives it.</summary>
public sealed record TerminalUnit(string UnitId, string Status, TerminalAssignment? Assignment);

/// <summary>A delta on the terminal hub: the host's sequence number and the unit.</summary>
public sealed record TerminalUnitDelta(long Seq, TerminalUnit Item);

/// <summary>The sign-in answer, as far as the driver needs it.</summary>
public sealed record TerminalSignIn(long Seq, TerminalUnit Unit);

/// <summary>How long an officer takes: to acknowledge, from then to reach the scene, and on scene before clearing.</summary>
public sealed record OfficerTimings(TimeSpan Acknowledge, TimeSpan OnScene, TimeSpan Clear)
{
    public static OfficerTimings Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(500));

    /// <summary>From assignment to available again.</summary>
    public TimeSpan Busy => Acknowledge + OnScene + Clear;
}

/// <summary>
/// One patrol terminal per unit on /hubs/terminal (WebSockets, signed in as its unit). A terminal that receives a
/// new assignment tells the <see cref="AlertTracker"/> at once, then acts like an officer: acknowledges, arrives
/// (on scene), clears and reports available, each a button press over the hub. Given a cluster's hosts, terminals
/// are spread over them and one whose host is lost signs in on another.
/// </summary>
public sealed class TerminalFleet : IAsyncDisposable
{
    private const int ConnectParallelism = 32;
    private static readonly TimeSpan RoundPause = TimeSpan.FromMilliseconds(500);

    private readonly HubConnection[] _connections;
    private readonly long[] _lastAssignment;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _responses = [];
    private readonly ConcurrentBag<Task> _reconnecting = [];
    private readonly ConcurrentQueue<Reconnection> _reconnections = new();
    private readonly OfficerTimings _timings;
    private readonly IReadOnlyList<Uri> _hubs;
    private readonly int[] _host;
    private readonly IReadOnlyList<SimUnit> _units;
    private readonly string _accessToken;
    private readonly bool _failover;
    private long _assignments;
    private long _actionsRefused;
    private long _disconnects;
    private int _out;
    private GeoPoint[]? _positions;

    private TerminalFleet(IReadOnlyList<Uri> hubs, IReadOnlyList<SimUnit> units, string accessToken, OfficerTimings timings, bool failover)
    {
        _hubs = hubs;
        _units = units;
        _accessToken = accessToken;
        _connections = new HubConnection[units.Count];
        _lastAssignment = new long[units.Count];
        _host = new int[units.Count];
        _timings = timings;
        _failover = failover;
    }

    public AlertTracker? Tracker { get; set; }

    public int Count => _connections.Length;

    /// <summary>Assignments the terminals received.</summary>
    public long Assignments => Interlocked.Read(ref _assignments);

    /// <summary>Button presses the host refused (e.g. the assignment was already withdrawn).</summary>
    public long ActionsRefused => Interlocked.Read(ref _actionsRefused);

    /// <summary>From the unit grain's assignment stamp (host clock, the same machine's) to the terminal receiving it: the live push hop.</summary>
    public LatencyRecorder PushLatency { get; private set; } = new();

    /// <summary>Every fix the terminals sent, for the map watcher to time.</summary>
    public SentPositions Sent { get; } = new();

    /// <summary>Terminal connections the host closed during the run.</summary>
    public long Disconnects => Interlocked.Read(ref _disconnects);

    /// <summary>Every connection a terminal lost and when (and to which host) it was signed in again (failover only).</summary>
    public IReadOnlyCollection<Reconnection> Reconnections => _reconnections;

    /// <summary>Terminals without a connection right now (failover only).</summary>
    public int Disconnected => Volatile.Read(ref _out);

    /// <summary>Forgets what was measured so far (after the warm-up): pushes, assignments, refusals, disconnects.</summary>
    public void ResetMeasurements()
    {
        PushLatency = new LatencyRecorder();
        Interlocked.Exchange(ref _assignments, 0);
        Interlocked.Exchange(ref _actionsRefused, 0);
        Interlocked.Exchange(ref _disconnects, 0);
    }

    /// <summary>Connects one terminal per unit, each signed in with <paramref name="accessToken"/> (an officer who may act for every unit).</summary>
    public static Task<TerminalFleet> ConnectAsync(Uri web, string accessToken, IReadOnlyList<SimUnit> units, OfficerTimings timings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(web);
        return ConnectAsync([web], accessToken, units, timings, failover: false, cancellationToken);
    }

    /// <summary>
    /// Connects one terminal per unit, terminal i to host i mod N. With <paramref name="failover"/> a terminal whose
    /// connection closes signs in again on the next host of the list (a pause once per round of all hosts), as a
    /// terminal given the cluster's addresses would; the token must be valid on every host (one signing key).
    /// </summary>
    public static async Task<TerminalFleet> ConnectAsync(
        IReadOnlyList<Uri> webs, string accessToken, IReadOnlyList<SimUnit> units, OfficerTimings timings, bool failover, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webs);
        ArgumentNullException.ThrowIfNull(units);
        if (webs.Count == 0)
        {
            throw new ArgumentException("at least one host is needed", nameof(webs));
        }

        var hubs = webs.Select(w => new Uri(new Uri(w.GetLeftPart(UriPartial.Authority)), "/hubs/terminal")).ToList();
        var fleet = new TerminalFleet(hubs, units, accessToken, timings, failover);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, units.Count),
                new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    fleet._host[index] = index % hubs.Count;
                    await fleet.SignInAsync(index, token);
                });
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }

        return fleet;
    }

    /// <summary>Opens terminal <paramref name="index"/>'s connection to its current host and signs it in as its unit.</summary>
    private async Task SignInAsync(int index, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(_hubs[_host[index]], o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(_accessToken);
            })
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
            .Build();

        // A host starved by the load answers pings late; a real terminal would reconnect, here it would lose the unit.
        connection.ServerTimeout = TimeSpan.FromSeconds(120);
        connection.HandshakeTimeout = TimeSpan.FromSeconds(60);
        connection.On<TerminalUnitDelta>("UnitChanged", delta => OnUnitChanged(index, delta.Item));
        connection.On("IncidentChanged", (Action<object>)(_ => { }));
        connection.On("DirectiveReceived", (Action<object>)(_ => { }));
        connection.Closed += _ =>
        {
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _disconnects);
                if (_failover && ReferenceEquals(Volatile.Read(ref _connections[index]), connection))
                {
                    _reconnecting.Add(ReconnectAsync(index, Stopwatch.GetTimestamp()));
                }
            }

            return Task.CompletedTask;
        };
        try
        {
            await connection.StartAsync(cancellationToken);
            var snapshot = await connection.InvokeAsync<TerminalSignIn>("SignIn", _units[index].Id, cancellationToken);
            var previous = Interlocked.Exchange(ref _connections[index], connection);
            if (previous is not null && !ReferenceEquals(previous, connection))
            {
                _ = previous.DisposeAsync().AsTask();
            }

            OnUnitChanged(index, snapshot.Unit);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A lost terminal signs in on the next host, and the next, until one takes it or the fleet stops.</summary>
    private async Task ReconnectAsync(int index, long lostAt)
    {
        Interlocked.Increment(ref _out);
        var token = _stop.Token;
        try
        {
            // Terminals lost together do not all knock at the same instant.
            await Task.Delay(Random.Shared.Next(0, 250), token);
            for (var attempt = 0; ; attempt++)
            {
                _host[index] = (_host[index] + 1) % _hubs.Count;
                if (attempt > 0 && attempt % _hubs.Count == 0)
                {
                    await Task.Delay(RoundPause, token);
                }

                try
                {
                    await SignInAsync(index, token);
                    _reconnections.Enqueue(new Reconnection(_units[index].Id, lostAt, Stopwatch.GetTimestamp(), _hubs[_host[index]]));
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // That host refused or is gone: the next one.
                }
            }
        }
        catch (OperationCanceledException)
        {
            _reconnections.Enqueue(new Reconnection(_units[index].Id, lostAt, 0, null));
        }
        finally
        {
            Interlocked.Decrement(ref _out);
        }
    }

    /// <summary>Every unit reports a small step from its last position at <paramref name="hz"/>, spread evenly over each second; returns the reports the host took.</summary>
    public async Task<long> ReportPositionsAsync(IReadOnlyList<SimUnit> units, double hz, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(units);
        const int SlicesPerSecond = 20;
        var random = new Random(seed);
        // Each unit carries on from where the previous phase left it (a jump back would be an implausible fix).
        var current = _positions ??= [.. units.Select(u => u.Start)];
        var perSlice = Math.Max(1, (int)Math.Ceiling(units.Count * hz / SlicesPerSecond));
        long reports = 0;
        var next = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / SlicesPerSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var calls = new Task<bool>[perSlice];
                for (var i = 0; i < perSlice; i++)
                {
                    var index = next;
                    next = (next + 1) % current.Length;
                    current[index] = World.Step(current[index], random);
                    Sent.Sent(units[index].Id, current[index].Latitude, current[index].Longitude);
                    calls[i] = ReportAsync(Volatile.Read(ref _connections[index]), current[index], cancellationToken);
                }

                await Task.WhenAll(calls);
                reports += calls.Count(c => c.Result);
            }
        }
        catch (OperationCanceledException)
        {
            // The phase is over.
        }

        return reports;
    }

    private static async Task<bool> ReportAsync(HubConnection connection, GeoPoint at, CancellationToken cancellationToken)
    {
        try
        {
            await connection.InvokeAsync("ReportPosition", at.Latitude, at.Longitude, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // Refused, or the connection is gone (its host may have died mid-call): not taken.
            return false;
        }
    }

    private void OnUnitChanged(int index, TerminalUnit unit)
    {
        if (unit.Assignment is not { } assignment || unit.Status != "Dispatched")
        {
            return;
        }

        // Deltas of one connection arrive in order; a repeat of the same assignment (a later change of the unit) is not new.
        if (assignment.AssignmentNumber <= Interlocked.Read(ref _lastAssignment[index]))
        {
            return;
        }

        Interlocked.Exchange(ref _lastAssignment[index], assignment.AssignmentNumber);
        Interlocked.Increment(ref _assignments);
        Tracker?.AssignedTo(assignment.IncidentId);
        PushLatency.Record(DateTimeOffset.UtcNow - assignment.AssignedAt);
        _responses.Add(RespondAsync(index));
    }

    /// <summary>What an officer does with an assignment: acknowledge, arrive, clear, available again.</summary>
    private async Task RespondAsync(int index)
    {
        var token = _stop.Token;
        try
        {
            // Each press goes over the terminal's connection of the moment (it may have moved to another host).
            await Task.Delay(_timings.Acknowledge, token);
            await PressAsync(index, "Acknowledge", token);
            await Task.Delay(_timings.OnScene, token);
            await PressAsync(index, "OnScene", token);
            await Task.Delay(_timings.Clear, token);
            await PressAsync(index, "Clear", token);
            await PressAsync(index, "Available", token);
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private async Task PressAsync(int index, string action, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _connections[index]).InvokeAsync<object>("Perform", Guid.NewGuid().ToString("N"), action, cancellationToken);
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // Refused (no longer assigned) or the connection is gone: the officer carries on with the next step.
            Interlocked.Increment(ref _actionsRefused);
        }
    }

    /// <summary>Waits (bounded) for officers still working an assignment.</summary>
    public async Task SettleAsync(TimeSpan within)
    {
        var all = Task.WhenAll(_responses);
        await Task.WhenAny(all, Task.Delay(within));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();

        // Terminals still looking for a host give up first, so no connection opens behind the ones being closed.
        await Task.WhenAll(_reconnecting).WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(_connections.Where(c => c is not null), new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism },
            async (connection, _) =>
            {
                if (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
                {
                    try
                    {
                        await connection.StopAsync().WaitAsync(TimeSpan.FromSeconds(5));
                    }
                    catch (Exception ex) when (ex is TimeoutException or IOException or InvalidOperationException)
                    {
                        // Dropped instead.
                    }
                }

                await connection.DisposeAsync();
            });
        _stop.Dispose();
    }
}
