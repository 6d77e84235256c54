using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Live;
using Dispatch.Simulator.Live;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Simulator.Tests.Live;

/// <summary>The live simulator against the real host on loopback, over the same hubs the pages use.</summary>
public sealed class LiveSimulationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_simulated_unit_acknowledges_its_assignment_arrives_on_scene_clears_and_is_available_again()
    {
        using var cluster = new LiveCluster(grids: 2);
        await using var host = LiveTestHost.StartPrimary(cluster);
        var log = new StringWriter();
        var simulation = new LiveSimulation(QuickOptions(host) with { IncidentEvery = null }, TextWriter.Synchronized(log));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var running = simulation.RunAsync(stop.Token);
        await WaitUntilAsync(() => simulation.UnitIds.Count > 0 && simulation.Counters.Connected == simulation.UnitIds.Count && simulation.Counters.Positions > 0,
            () => log.ToString());

        // A call on a street some way from every unit, so the one dispatched drives there (a unit already at the
        // scene would arrive by GPS before it acknowledged).
        var at = AwayFromEveryUnit(host);
        var opened = await host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "theft", IncidentPriority.High, at.Latitude, at.Longitude, "simulator test", IncidentSource.Operator, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var incident = host.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!);
        IncidentView? seen = null;
        await WaitUntilAsync(() => (seen = incident.GetAsync().GetAwaiter().GetResult())!.Assignments.Any(a => a.State == AssignmentState.Cleared),
            () => $"{string.Join(" | ", seen?.Timeline.Select(t => t.Text) ?? [])}\n{log}");
        var cleared = seen!.Assignments.First(a => a.State == AssignmentState.Cleared);
        var unitTimeline = seen.Timeline.Where(t => t.UnitId == cleared.UnitId).Select(t => t.Kind).ToList();
        await WaitUntilAsync(() => host.Grains.GetGrain<IPatrolUnitGrain>(cleared.UnitId).GetAsync().GetAwaiter().GetResult()!.Status == UnitStatus.Available,
            () => log.ToString());
        await stop.CancelAsync();
        await running;

        Assert.Contains(cleared.UnitId, simulation.UnitIds);
        Assert.NotNull(cleared.ArrivedAt);
        Assert.Equal(
            [TimelineKinds.UnitAssigned, TimelineKinds.Acknowledged, TimelineKinds.EnRoute, TimelineKinds.OnScene, TimelineKinds.Cleared],
            unitTimeline.Where(k => k is TimelineKinds.UnitAssigned or TimelineKinds.Acknowledged or TimelineKinds.EnRoute or TimelineKinds.OnScene or TimelineKinds.Cleared));
        Assert.True(simulation.Counters.Acknowledged >= 1 && simulation.Counters.OnScene >= 1, simulation.Counters.Format(simulation.UnitIds.Count));
    }

    [Fact]
    public async Task Incidents_the_simulator_reports_are_opened_by_the_host_as_calls()
    {
        using var cluster = new LiveCluster(grids: 2);
        await using var host = LiveTestHost.StartPrimary(cluster);
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        string Logged()
        {
            // The simulation writes through the synchronized writer, which locks itself: read under the same lock.
            lock (synced)
            {
                return log.ToString();
            }
        }

        var simulation = new LiveSimulation(QuickOptions(host) with { IncidentEvery = TimeSpan.FromMilliseconds(300) }, synced);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var running = simulation.RunAsync(stop.Token);

        // The host opens the incident (and shows it) before its id travels back to the call-taker, which logs it then:
        // stopping at the first sight of it on the board could cancel that answer in flight.
        var board = host.Services.GetRequiredService<LiveBoard>();
        var health = host.Services.GetRequiredService<Dispatch.Server.Cameras.CameraHealthBoard>();
        string? reported = null;
        await WaitUntilAsync(
            () => (reported = board.Snapshot(null, health.Summarize()).Incidents
                .Where(i => i.Source == IncidentSource.Call)
                .Select(i => i.IncidentId)
                .FirstOrDefault(id => Logged().Contains(id, StringComparison.Ordinal))) is not null,
            Logged);
        await stop.CancelAsync();
        await running;

        Assert.Contains($": {reported}", Logged(), StringComparison.Ordinal);
        Assert.True(simulation.Counters.IncidentsReported >= 1);
    }

    [Fact]
    public async Task Station_desks_report_their_responders_on_scene_and_the_call_taker_closes_the_incident_once_its_units_cleared()
    {
        using var cluster = new LiveCluster(grids: 2);
        await using var host = LiveTestHost.StartPrimary(cluster);
        var log = new StringWriter();
        var simulation = new LiveSimulation(QuickOptions(host) with { IncidentEvery = null }, TextWriter.Synchronized(log));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var running = simulation.RunAsync(stop.Token);
        await WaitUntilAsync(() => simulation.UnitIds.Count > 0 && simulation.Counters.Connected == simulation.UnitIds.Count && simulation.Counters.Positions > 0,
            () => log.ToString());

        // High priority beside a station: the station tier commits that station's responders.
        var station = host.City.Stations[0];
        var at = GreatCircle.Offset(station.Location, 80, 60);
        var opened = await host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "assault", IncidentPriority.High, at.Latitude, at.Longitude, "simulator test", IncidentSource.Operator, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var incident = host.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!);
        IncidentView? seen = null;
        await WaitUntilAsync(() => (seen = incident.GetAsync().GetAwaiter().GetResult())!.Status == IncidentStatus.Closed,
            () => $"{string.Join(" | ", seen?.Timeline.Select(t => t.Text) ?? [])}\n{simulation.Counters.Format(simulation.UnitIds.Count)}\n{log}", TimeSpan.FromSeconds(60));

        // The incident is closed in the engine a moment before the call-taker's call returns and is counted.
        await WaitUntilAsync(() => simulation.Counters.IncidentsClosed >= 1 && simulation.Counters.StationsOnScene >= 1, () => simulation.Counters.Format(simulation.UnitIds.Count));
        await stop.CancelAsync();
        await running;

        var stationTier = seen!.Tiers.Single(t => t.Kind == TierKind.StationResponders);
        Assert.Equal(station.Id, stationTier.StationId);
        Assert.Equal(TierOutcome.Met, stationTier.Outcome);
        Assert.Contains(seen.Timeline, e => e.Kind == TimelineKinds.StationOnScene);
        Assert.Equal("resolved", seen.Disposition);
        Assert.Contains(seen.Assignments, a => a.State == AssignmentState.Cleared);
        Assert.All(seen.Assignments, a => Assert.True(a.State is AssignmentState.Cleared or AssignmentState.Released, $"{a.UnitId} {a.State}"));
        Assert.True(simulation.Counters.IncidentsClosed >= 1 && simulation.Counters.StationsOnScene >= 1, simulation.Counters.Format(simulation.UnitIds.Count));
    }

    [Fact]
    public async Task Against_a_host_that_is_down_it_retries_with_growing_waits_and_stops_at_the_duration()
    {
        var port = TestPorts.GetFreeTcpPort();
        var log = new StringWriter();
        var options = new LiveSimulationOptions { Host = new Uri($"http://127.0.0.1:{port}"), Accounts = TestOfficers, Duration = TimeSpan.FromSeconds(3), MaxRetryDelay = TimeSpan.FromSeconds(1) };
        var started = DateTime.UtcNow;

        var answered = await new LiveSimulation(options, TextWriter.Synchronized(log)).RunAsync(Cancel);

        var elapsedSeconds = (DateTime.UtcNow - started).TotalSeconds;
        var retries = log.ToString().Split('\n').Count(l => l.Contains("is not reachable", StringComparison.Ordinal) && l.Contains("retrying in", StringComparison.Ordinal));
        Assert.False(answered);
        Assert.InRange(retries, 3, 12);
        Assert.InRange(elapsedSeconds, 2.5, 8);
        Assert.Contains("never answered", log.ToString(), StringComparison.Ordinal);
    }

    internal static GeoPoint AwayFromEveryUnit(LiveTestHost host)
    {
        var units = host.Services.GetRequiredService<LiveBoard>().Snapshot(null, host.Services.GetRequiredService<Dispatch.Server.Cameras.CameraHealthBoard>().Summarize()).Units
            .Where(u => u.Latitude is not null).Select(u => new GeoPoint(u.Latitude!.Value, u.Longitude!.Value)).ToList();
        var origin = host.City.Stations[0].Location;
        var candidates =
            from north in Enumerable.Range(-8, 17)
            from east in Enumerable.Range(-8, 17)
            let point = GreatCircle.Offset(origin, north * 150, east * 150)
            select (Point: point, Nearest: units.Min(u => GreatCircle.DistanceMeters(u, point)));
        return candidates.Where(c => c.Nearest >= 600).OrderBy(c => c.Nearest).Select(c => c.Point).FirstOrDefault(origin);
    }

    /// <summary>The test host's operator (the call-taker) and its officer who may sign onto any unit.</summary>
    internal static readonly SimulatorAccount[] TestOfficers =
    [
        new(TestAccounts.Operator, TestAccounts.Password, ["operator"], []),
        new(TestAccounts.Officer, TestAccounts.Password, ["officer"], ["*"]),
    ];

    /// <summary>Officers who answer at once, stay briefly and drive twenty times faster than the roads allow.</summary>
    internal static LiveSimulationOptions QuickOptions(LiveTestHost host) => new()
    {
        Host = host.BaseAddress,
        Accounts = TestOfficers,
        PositionEvery = TimeSpan.FromMilliseconds(200),
        AckDelayMin = TimeSpan.FromMilliseconds(200),
        AckDelayMax = TimeSpan.FromMilliseconds(400),
        EnRouteDelayMax = TimeSpan.FromMilliseconds(200),
        OnSceneMin = TimeSpan.FromMilliseconds(500),
        OnSceneMax = TimeSpan.FromMilliseconds(800),
        ClearingMin = TimeSpan.FromMilliseconds(200),
        ClearingMax = TimeSpan.FromMilliseconds(300),
        ParkMin = TimeSpan.FromMilliseconds(200),
        ParkMax = TimeSpan.FromMilliseconds(500),
        SpeedFactor = 20,
        StartSpread = TimeSpan.FromMilliseconds(500),
        StationMuster = TimeSpan.FromMilliseconds(100),
        StationRunMetersPerSecond = 1000,
        ReportEvery = TimeSpan.FromHours(1),
        DemoRoadSize = 0.25,
        GridEventEvery = null,
    };

    internal static async Task WaitUntilAsync(Func<bool> condition, Func<string> context, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met in time; {context()}");
            }

            await Task.Delay(50, Cancel);
        }
    }
}
