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
/// (on scene), clears and reports available, each a button press over the hub.
/// </summary>
public sealed class TerminalFleet : IAsyncDisposable
{
    private const int ConnectParallelism = 32;

    private readonly HubConnection[] _connections;
    private readonly long[] _lastAssignment;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _responses = [];
    private readonly OfficerTimings _timings;
    private long _assignments;
    private long _actionsRefused;
    private long _disconnects;

    private TerminalFleet(HubConnection[] connections, OfficerTimings timings)
    {
        _connections = connections;
        _lastAssignment = new long[connections.Length];
        _timings = timings;
    }

    public AlertTracker? Tracker { get; set; }

    public int Count => _connections.Length;

    /// <summary>Assignments the terminals received.</summary>
    public long Assignments => Interlocked.Read(ref _assignments);

    /// <summary>Button presses the host refused (e.g. the assignment was already withdrawn).</summary>
    public long ActionsRefused => Interlocked.Read(ref _actionsRefused);

    /// <summary>From the unit grain's assignment stamp (host clock, the same machine's) to the terminal receiving it: the live push hop.</summary>
    public LatencyRecorder PushLatency { get; } = new();

    /// <summary>Every fix the terminals sent, for the map watcher to time.</summary>
    public SentPositions Sent { get; } = new();

    /// <summary>Terminal connections the host closed during the run.</summary>
    public long Disconnects => Interlocked.Read(ref _disconnects);

    /// <summary>Connects one terminal per unit, each signed in with <paramref name="accessToken"/> (an officer who may act for every unit).</summary>
    public static async Task<TerminalFleet> ConnectAsync(Uri web, string accessToken, IReadOnlyList<SimUnit> units, OfficerTimings timings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(web);
        ArgumentNullException.ThrowIfNull(units);
        var hub = new Uri(new Uri(web.GetLeftPart(UriPartial.Authority)), "/hubs/terminal");
        var connections = new HubConnection[units.Count];
        var fleet = new TerminalFleet(connections, timings);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, units.Count),
                new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var connection = new HubConnectionBuilder()
                        .WithUrl(hub, o =>
                        {
                            o.Transports = HttpTransportType.WebSockets;
                            o.SkipNegotiation = true;
                            o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
                        })
                        .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Error))
                        .Build();

                    // A host starved by the load answers pings late; a real terminal would reconnect, here it would lose the unit.
                    connection.ServerTimeout = TimeSpan.FromSeconds(120);
                    connection.HandshakeTimeout = TimeSpan.FromSeconds(60);
                    connections[index] = connection;
                    connection.On<TerminalUnitDelta>("UnitChanged", delta => fleet.OnUnitChanged(index, delta.Item));
                    connection.On("IncidentChanged", (Action<object>)(_ => { }));
                    connection.On("DirectiveReceived", (Action<object>)(_ => { }));
                    connection.Closed += _ =>
                    {
                        if (!fleet._stop.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref fleet._disconnects);
                        }

                        return Task.CompletedTask;
                    };
                    await connection.StartAsync(token);
                    var snapshot = await connection.InvokeAsync<TerminalSignIn>("SignIn", units[index].Id, token);
                    fleet.OnUnitChanged(index, snapshot.Unit);
                });
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }

        return fleet;
    }

    /// <summary>Every unit reports a small step from its last position at <paramref name="hz"/>, spread evenly over each second; returns the reports the host took.</summary>
    public async Task<long> ReportPositionsAsync(IReadOnlyList<SimUnit> units, double hz, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(units);
        const int SlicesPerSecond = 20;
        var random = new Random(seed);
        var current = units.Select(u => u.Start).ToArray();
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
                    calls[i] = ReportAsync(_connections[index], current[index], cancellationToken);
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
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException)
        {
            // Refused, or the connection is gone: not taken.
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
        _responses.Add(RespondAsync(_connections[index]));
    }

    /// <summary>What an officer does with an assignment: acknowledge, arrive, clear, available again.</summary>
    private async Task RespondAsync(HubConnection connection)
    {
        var token = _stop.Token;
        try
        {
            await Task.Delay(_timings.Acknowledge, token);
            await PressAsync(connection, "Acknowledge", token);
            await Task.Delay(_timings.OnScene, token);
            await PressAsync(connection, "OnScene", token);
            await Task.Delay(_timings.Clear, token);
            await PressAsync(connection, "Clear", token);
            await PressAsync(connection, "Available", token);
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private async Task PressAsync(HubConnection connection, string action, CancellationToken cancellationToken)
    {
        try
        {
            await connection.InvokeAsync<object>("Perform", Guid.NewGuid().ToString("N"), action, cancellationToken);
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException)
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
