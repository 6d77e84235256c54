using System.Globalization;
using System.Threading.Channels;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Simulator.Live;

/// <summary>
/// The desk side of the demo, on /hubs/operations like the operator page: reports an incident now and then
/// (a 110 call, at random intervals around <see cref="LiveSimulationOptions.IncidentEvery"/>, on a street near one of the
/// simulated units' beats) through the host's intake, and closes incidents once every unit that went has
/// cleared, so the map shows work coming in and going away. It also plays the stations' desks: when an incident
/// commits a station's responders, the station reports them on scene (<c>ReportStationOnScene</c>) once they could
/// have run there: <see cref="LiveSimulationOptions.StationMuster"/> to leave, then the straight-line distance at
/// <see cref="LiveSimulationOptions.StationRunMetersPerSecond"/>.
/// </summary>
public sealed class SimulatedCallTaker(
    HostLink link,
    RoadRouter router,
    IReadOnlyList<GeoPoint> beats,
    LiveSimulationOptions options,
    LiveCounters counters,
    TextWriter log,
    int seed,
    IReadOnlyDictionary<string, GeoPoint>? stations = null)
{
    // Weighted like a day's calls: mostly ordinary, now and then urgent.
    private static readonly (string Type, int Priority, string Description, int Weight)[] Calls =
    [
        ("theft", 3, "caller reports a bicycle theft", 5),
        ("disturbance", 4, "noise and an argument in the street", 5),
        ("traffic-accident", 2, "two cars collided, one driver hurt", 3),
        ("assault", 2, "a fight outside a restaurant", 2),
        ("person-down", 2, "a person collapsed on the pavement", 2),
        ("fire", 1, "smoke from a shop front", 1),
    ];

    private readonly Random _random = new(seed);
    private readonly Channel<IncidentSummary> _finished = Channel.CreateUnbounded<IncidentSummary>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(string IncidentId, DateTimeOffset Due)> _stationCalls = Channel.CreateUnbounded<(string IncidentId, DateTimeOffset Due)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> _stationScheduled = new(StringComparer.Ordinal);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var account = SimulatorAccounts.CallTaker(link.Accounts) ?? throw new InvalidOperationException("no operator account for the call-taker");
        await using var hub = link.Connection(HostLink.OperationsHubPath, account, moved: _ => counters.OnHostChanged());

        // Handlers only queue: calling the hub from inside one would stall the connection's receive loop.
        hub.On<HubDelta<IncidentSummary>>("IncidentChanged", d => Consider(d.Item));
        hub.On<object>("UnitsMoved", _ => { });
        hub.Reconnected += async _ => await SubscribeAsync(hub, cancellationToken);
        if (!await link.StartAsync(hub, _ => counters.OnConnectFailed(), cancellationToken))
        {
            return;
        }

        await SubscribeAsync(hub, cancellationToken);
        var closing = CloseFinishedAsync(hub, cancellationToken);
        var stationDesks = ReportStationsAsync(hub, cancellationToken);
        try
        {
            while (options.IncidentEvery is { } every && !cancellationToken.IsCancellationRequested)
            {
                // Exponential gaps: calls arrive independently of each other.
                var gap = TimeSpan.FromSeconds(-Math.Log(1 - _random.NextDouble()) * every.TotalSeconds);
                if (!await HostLink.SleepAsync(gap, cancellationToken))
                {
                    break;
                }

                await ReportAsync(hub, cancellationToken);
            }

            await closing;
            await stationDesks;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task ReportAsync(HubConnection hub, CancellationToken cancellationToken)
    {
        var call = Pick();
        var at = Where();
        try
        {
            var incidentId = await hub.InvokeAsync<string>("ReportIncident", call.Type, call.Priority, at.Latitude, at.Longitude, call.Description, cancellationToken);
            counters.OnIncidentReported();
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"live: reported {call.Type} (priority {call.Priority}) at {at.Latitude:F5},{at.Longitude:F5}: {incidentId}"));
        }
        catch (HubException e)
        {
            await log.WriteLineAsync($"live: the host refused an incident report: {e.Message}");
        }
        catch (Exception e) when (HostLink.IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
        {
            // The host is away; the next call comes at the next gap.
        }
    }

    private async Task CloseFinishedAsync(HubConnection hub, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var incident in _finished.Reader.ReadAllAsync(cancellationToken))
            {
                if (!await HostLink.WaitConnectedAsync(hub, cancellationToken))
                {
                    return;
                }

                try
                {
                    await hub.InvokeAsync("Close", incident.IncidentId, "resolved", cancellationToken);
                    counters.OnIncidentClosed();
                }
                catch (HubException)
                {
                    // Closed by someone else meanwhile.
                }
                catch (Exception e) when (HostLink.IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
                {
                    // Still finished after the reconnect: the snapshot offers it again.
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task SubscribeAsync(HubConnection hub, CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await hub.InvokeAsync<OperationsSubscribed>("Subscribe", (string[]?)null, cancellationToken);
            foreach (var incident in snapshot.Incidents)
            {
                Consider(incident);
            }
        }
        catch (Exception e) when (e is HubException || (HostLink.IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested))
        {
            counters.OnRefused();
        }
    }

    private void Consider(IncidentSummary incident)
    {
        if (incident.Finished)
        {
            _finished.Writer.TryWrite(incident);
        }

        if (stations is not null && incident.StationTierWaiting is { StationId: { } stationId } && stations.TryGetValue(stationId, out var station))
        {
            lock (_stationScheduled)
            {
                if (!_stationScheduled.Add(incident.IncidentId))
                {
                    return;
                }
            }

            var meters = GreatCircle.DistanceMeters(station, new GeoPoint(incident.Latitude, incident.Longitude));
            _stationCalls.Writer.TryWrite((incident.IncidentId, DateTimeOffset.UtcNow + options.StationMuster + TimeSpan.FromSeconds(meters / options.StationRunMetersPerSecond)));
        }
    }

    /// <summary>Reports each committed station's responders on scene when they are due (in the order they become due).</summary>
    private async Task ReportStationsAsync(HubConnection hub, CancellationToken cancellationToken)
    {
        var pending = new List<Task>();
        try
        {
            await foreach (var (incidentId, due) in _stationCalls.Reader.ReadAllAsync(cancellationToken))
            {
                pending.RemoveAll(t => t.IsCompleted);
                pending.Add(ReportWhenDueAsync(hub, incidentId, due, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }

        await Task.WhenAll(pending);
    }

    private async Task ReportWhenDueAsync(HubConnection hub, string incidentId, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var wait = due - DateTimeOffset.UtcNow;
        if (!await HostLink.SleepAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken) || !await HostLink.WaitConnectedAsync(hub, cancellationToken))
        {
            return;
        }

        try
        {
            await hub.InvokeAsync("ReportStationOnScene", incidentId, cancellationToken);
            counters.OnStationOnScene();
        }
        catch (HubException)
        {
            // Closed meanwhile, or reported by someone else.
        }
        catch (Exception e) when (HostLink.IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
        {
            // The host is away; this report is lost with it, as a radio call would be.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private (string Type, int Priority, string Description, int Weight) Pick()
    {
        var ticket = _random.Next(Calls.Sum(c => c.Weight));
        foreach (var call in Calls)
        {
            ticket -= call.Weight;
            if (ticket < 0)
            {
                return call;
            }
        }

        return Calls[^1];
    }

    /// <summary>A street point 200 m to 1.2 km from a random unit's shift start (on the road network when there is one).</summary>
    private GeoPoint Where()
    {
        var beat = beats[_random.Next(beats.Count)];
        var bearing = _random.NextDouble() * 2 * Math.PI;
        var meters = 200 + (1000 * _random.NextDouble());
        var point = GreatCircle.Offset(beat, meters * Math.Cos(bearing), meters * Math.Sin(bearing));
        return router.NearestRoadPoint(point, UnitKind.Car) ?? point;
    }
}
