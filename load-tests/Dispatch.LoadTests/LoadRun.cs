using System.Diagnostics;
using System.Globalization;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.LoadTests.Peers;

namespace Dispatch.LoadTests;

/// <summary>Figures of one system in the decision phase: the same alerts, the same units, the same concurrency.</summary>
public sealed record DecisionFigures(string System, int Decisions, int Unanswered, double DecisionsPerSecond, double P50Ms, double P99Ms, double MaxMs);

/// <summary>Everything a run measured.</summary>
public sealed record LoadResult(
    LoadOptions Options,
    long Alerts,
    long Assigned,
    long Lost,
    double E2eP50Ms,
    double E2eP95Ms,
    double E2eP99Ms,
    double E2eMaxMs,
    double AlertsPerSecond,
    long PositionReports,
    double PositionsPerSecond,
    double PeakRssMb,
    double CpuCores,
    double SeedSeconds,
    double EngineDecisionP50Ms,
    double EngineDecisionP99Ms,
    IReadOnlyList<DecisionFigures> Decisions,
    IReadOnlyList<string> Notes)
{
    /// <summary>The one line a run ends with.</summary>
    public string SummaryLine() => string.Create(CultureInfo.InvariantCulture,
        $"alerts={Alerts} assigned={Assigned} lost={Lost} e2e_p50_ms={E2eP50Ms:F2} e2e_p99_ms={E2eP99Ms:F2} alerts_per_s={AlertsPerSecond:F1} rss_mb={PeakRssMb:F0}");
}

/// <summary>
/// One bounded load run: seed the engine with the world, then for the duration send alerts at the configured rate
/// while every unit reports positions, wait (bounded) for assignments still in flight, then replay the same alerts
/// against our engine and each peer baseline at fixed concurrency.
/// </summary>
public static class LoadRun
{
    public static async Task<LoadResult> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        if (options.Target is not null)
        {
            throw new NotSupportedException(
                "--target needs the gateway gRPC service and terminal SignalR hub in the host; this driver drives the engine in-process until they are merged");
        }

        var notes = new List<string>
        {
            "e2e is measured in-process: alert into the intake grain -> the unit grain publishes the assignment to the terminal push sink (no gRPC or SignalR hop yet).",
        };
        var world = new World(options);
        var seedWatch = Stopwatch.StartNew();
        await using var engine = await InProcessEngine.StartAsync(world, cancellationToken);
        var seedSeconds = seedWatch.Elapsed.TotalSeconds;
        engine.ResetDecisionLatency();
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"seeded {world.Units.Count} units, {world.City.Cameras.Count} cameras, {world.City.Stations.Count} stations in {seedSeconds:F1} s"));

        var e2e = new LatencyRecorder();
        var tracker = new AlertTracker(e2e);
        engine.Tracker = tracker;
        long positions;
        int alertsSent;
        double loadSeconds;
        double peakRss;
        double cpu;
        await using (var sampler = new ProcessSampler())
        {
            using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            phase.CancelAfter(TimeSpan.FromSeconds(options.DurationSeconds));
            var started = Stopwatch.GetTimestamp();
            var positionTask = options.PositionHz > 0 ? ReportPositionsAsync(engine, world, options, phase.Token) : Task.FromResult(0L);
            var pending = new List<Task>();
            alertsSent = await SendAlertsAsync(engine, world, options, tracker, pending, phase.Token);
            loadSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            positions = await positionTask;

            // Bounded wait for assignments still in flight; what has not arrived by then is lost.
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken));
            await sampler.DisposeAsync();
            peakRss = sampler.PeakRssMb;
            cpu = sampler.CpuCores;
        }

        var engineDecisionP50 = engine.DecisionLatency.PercentileMs(50);
        var engineDecisionP99 = engine.DecisionLatency.PercentileMs(99);
        var alerts = tracker.SentCount + tracker.FailedCount;
        var assigned = tracker.AssignedCount;
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"load phase: {alerts} alerts in {loadSeconds:F1} s, {assigned} assigned, {positions} position reports"));

        var decisions = new List<DecisionFigures>();
        var decisionAlerts = Math.Min(options.DecisionAlerts, Math.Max(alertsSent, 1) * 4);
        if (decisionAlerts > 0)
        {
            engine.Tracker = null;
            decisions.Add(await DecideWithEngineAsync(engine, world, options, decisionAlerts, alertsSent, cancellationToken));
            await log.WriteLineAsync(Describe(decisions[^1]));
            if (options.Baselines)
            {
                await using (var redis = await RedisGeoDecider.StartAsync(cancellationToken))
                {
                    decisions.Add(await DecideWithPeerAsync(redis, world, options, decisionAlerts, alertsSent, engine.OnSceneDelay, cancellationToken));
                }

                await log.WriteLineAsync(Describe(decisions[^1]));
                await using (var postgis = await PostGisDecider.StartAsync(cancellationToken))
                {
                    decisions.Add(await DecideWithPeerAsync(postgis, world, options, decisionAlerts, alertsSent, engine.OnSceneDelay, cancellationToken));
                }

                await log.WriteLineAsync(Describe(decisions[^1]));
            }
        }

        return new LoadResult(
            options, alerts, assigned, alerts - assigned,
            e2e.PercentileMs(50), e2e.PercentileMs(95), e2e.PercentileMs(99), e2e.MaxMs,
            loadSeconds > 0 ? alerts / loadSeconds : 0,
            positions, loadSeconds > 0 ? positions / loadSeconds : 0,
            peakRss, cpu, seedSeconds, engineDecisionP50, engineDecisionP99, decisions, notes);
    }

    private static string Describe(DecisionFigures d) => string.Create(CultureInfo.InvariantCulture,
        $"decisions {d.System}: {d.Decisions} in flight {d.DecisionsPerSecond:F0}/s, p50 {d.P50Ms:F2} ms, p99 {d.P99Ms:F2} ms, unanswered {d.Unanswered}");

    private static IncidentReport Report(SimAlert alert) => new(
        "camera-alert", IncidentPriority.High, alert.Location.Latitude, alert.Location.Longitude,
        $"load alert {alert.Number}", IncidentSource.Camera, "camera:" + alert.CameraId);

    /// <summary>Alerts at the configured rate until the phase ends, each tracked until a terminal gets its assignment.</summary>
    private static async Task<int> SendAlertsAsync(
        InProcessEngine engine, World world, LoadOptions options, AlertTracker tracker, List<Task> pending, CancellationToken cancellationToken)
    {
        var intake = engine.Grains.GetGrain<IIntakeGrain>(0);
        var started = Stopwatch.GetTimestamp();
        var sent = 0;
        var maxAlerts = (int)Math.Ceiling(options.AlertRate * options.DurationSeconds);
        while (!cancellationToken.IsCancellationRequested && sent < maxAlerts)
        {
            var due = Math.Min(maxAlerts, (int)(Stopwatch.GetElapsedTime(started).TotalSeconds * options.AlertRate));
            for (; sent < due; sent++)
            {
                var alert = world.Alert(sent + 1);
                pending.Add(SendOneAsync(intake, alert, tracker));
            }

            try
            {
                await Task.Delay(5, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return sent;
    }

    private static async Task SendOneAsync(IIntakeGrain intake, SimAlert alert, AlertTracker tracker)
    {
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            var result = await intake.ReportAsync(Report(alert));
            if (result.IncidentId is null)
            {
                tracker.SendFailed();
                return;
            }

            await tracker.SentAsync(result.IncidentId, sentAt);
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            tracker.SendFailed();
        }
    }

    /// <summary>Units report a small step from their last position, spread evenly over each period.</summary>
    private static async Task<long> ReportPositionsAsync(InProcessEngine engine, World world, LoadOptions options, CancellationToken cancellationToken)
    {
        const int SlicesPerSecond = 20;
        var random = new Random(options.Seed);
        var current = world.Units.Select(u => u.Start).ToArray();
        var perSlice = Math.Max(1, (int)Math.Ceiling(world.Units.Count * options.PositionHz / SlicesPerSecond));
        long reports = 0;
        var next = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / SlicesPerSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var calls = new Task[perSlice];
                for (var i = 0; i < perSlice; i++)
                {
                    var index = next;
                    next = (next + 1) % current.Length;
                    current[index] = World.Step(current[index], random);
                    calls[i] = engine.Grains.GetGrain<IPatrolUnitGrain>(world.Units[index].Id).ReportPositionAsync(current[index]);
                }

                await Task.WhenAll(calls);
                reports += perSlice;
            }
        }
        catch (OperationCanceledException)
        {
            // The phase is over.
        }

        return reports;
    }

    /// <summary>Our engine on the decision phase: intake to first assignment, C alerts in flight.</summary>
    private static async Task<DecisionFigures> DecideWithEngineAsync(
        InProcessEngine engine, World world, LoadOptions options, int count, int firstNumber, CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder();
        var tracker = new AlertTracker(latency);
        engine.Tracker = tracker;
        var intake = engine.Grains.GetGrain<IIntakeGrain>(0);
        var unanswered = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(firstNumber + 1, count),
            new ParallelOptions { MaxDegreeOfParallelism = options.DecisionConcurrency, CancellationToken = cancellationToken },
            async (number, _) =>
            {
                var alert = world.Alert(number);
                var sentAt = Stopwatch.GetTimestamp();
                var result = await intake.ReportAsync(Report(alert));
                var done = result.IncidentId is null ? Task.CompletedTask : tracker.SentAsync(result.IncidentId, sentAt);
                if (result.IncidentId is null || await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken)) != done)
                {
                    Interlocked.Increment(ref unanswered);
                }
            });
        var seconds = watch.Elapsed.TotalSeconds;
        engine.Tracker = null;
        return new DecisionFigures("Dispatch (grains)", count, unanswered, count / seconds, latency.PercentileMs(50), latency.PercentileMs(99), latency.MaxMs);
    }

    /// <summary>A peer on the decision phase: claim the nearest available unit, release it after the officer's time on the job.</summary>
    private static async Task<DecisionFigures> DecideWithPeerAsync(
        INearestUnitDecider peer, World world, LoadOptions options, int count, int firstNumber, TimeSpan busy, CancellationToken cancellationToken)
    {
        await peer.LoadUnitsAsync(world.Units, cancellationToken);
        var byId = world.Units.ToDictionary(u => u.Id, StringComparer.Ordinal);
        var latency = new LatencyRecorder();
        var unanswered = 0;
        var releases = new System.Collections.Concurrent.ConcurrentBag<Task>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(firstNumber + 1, count),
            new ParallelOptions { MaxDegreeOfParallelism = options.DecisionConcurrency, CancellationToken = cancellationToken },
            async (number, _) =>
            {
                var sentAt = Stopwatch.GetTimestamp();
                var unitId = await peer.ClaimNearestAsync(world.Alert(number));
                latency.RecordSince(sentAt);
                if (unitId is null)
                {
                    Interlocked.Increment(ref unanswered);
                    return;
                }

                releases.Add(ReleaseLaterAsync(peer, byId[unitId], busy, cancellationToken));
            });
        var seconds = watch.Elapsed.TotalSeconds;
        await Task.WhenAll(releases);
        return new DecisionFigures(peer.Name, count, unanswered, count / seconds, latency.PercentileMs(50), latency.PercentileMs(99), latency.MaxMs);
    }

    private static async Task ReleaseLaterAsync(INearestUnitDecider peer, SimUnit unit, TimeSpan busy, CancellationToken cancellationToken)
    {
        await Task.Delay(busy, cancellationToken);
        await peer.ReleaseAsync(unit);
    }
}
