using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Plans;
using Dispatch.LoadTests.Peers;

namespace Dispatch.LoadTests;

/// <summary>
/// Figures of one system in the decision phase: the same alerts, the same units, the same concurrency. An alert
/// is answered when a unit was claimed for it; "no unit free" when the system found every unit near enough busy
/// (not a failure: the run asked for more units than were free); unanswered otherwise.
/// </summary>
public sealed record DecisionFigures(
    string System, int Decisions, int Answered, int NoUnitFree, int Unanswered, double DecisionsPerSecond, double P50Ms, double P99Ms, double MaxMs);

/// <summary>Where the host ran and what it cost.</summary>
public sealed record HostFigures(
    string Mode, double StartSeconds, double ConnectSeconds, double PeakRssMb, double CpuCores, double DecisionP50Ms, double DecisionP99Ms,
    int FailedScrapes, double DriverPeakRssMb, double DriverCpuCores);

/// <summary>
/// Where an alert's time goes, hop by hop: gateway send to ack (camera grain, correlation, incident opened), the
/// host's own dispatch decision, the unit's assignment stamp to the terminal (live fan-out and SignalR), and how
/// busy the host's grains were.
/// </summary>
public sealed record PathFigures(double AckP50Ms, double AckP99Ms, double PushP50Ms, double PushP99Ms, double GrainCallsPerSecond, double GrainCallMeanMs);

/// <summary>Everything a run measured.</summary>
public sealed record LoadResult(
    LoadOptions Options,
    int Units,
    int Cameras,
    int Gateways,
    long Alerts,
    long Accepted,
    long Assigned,
    long Unacked,
    long Rejected,
    long NoIncident,
    long Retried,
    double E2eP50Ms,
    double E2eP95Ms,
    double E2eP99Ms,
    double E2eMaxMs,
    double AlertsPerSecond,
    double AssignedPerSecond,
    long PositionReports,
    double PositionsPerSecond,
    long TerminalDisconnects,
    HostFigures Host,
    PathFigures Path,
    IReadOnlyList<DecisionFigures> Decisions,
    IReadOnlyList<string> Notes)
{
    /// <summary>Durable writes during the load phase by kind, counted from the child host's files (empty with --target).</summary>
    public IReadOnlyDictionary<string, long> Writes { get; init; } = new Dictionary<string, long>();

    /// <summary>What the host committed during the load phase by its own /metrics: transactions and units of work by kind.</summary>
    public IReadOnlyDictionary<string, double> Storage { get; init; } = new Dictionary<string, double>();

    /// <summary>What the live viewers saw during the timed phase (null: no camera watched, --watch-cameras 0).</summary>
    public WatchFigures? Watch { get; init; }

    /// <summary>Terminal fix sent to operator page receipt, p50 and p99 in ms (NaN without positions).</summary>
    public (double P50Ms, double P99Ms, long Samples) MapBehind { get; init; } = (double.NaN, double.NaN, 0);

    /// <summary>Durable commits per alert by the old count: grain state writes, incident commits and archived alerts.</summary>
    public double CommitsPerAlert => Alerts == 0 ? double.NaN : Writes.Where(w => WriteCounter.IsCommit(w.Key)).Sum(w => w.Value) / (double)Alerts;

    /// <summary>Database transactions (fsyncs on SQLite) per alert, by the host's own count.</summary>
    public double TransactionsPerAlert => Alerts == 0 || !Storage.TryGetValue("transactions", out var t) ? double.NaN : t / Alerts;

    /// <summary>Alerts that never reached a terminal as an assignment: never acked, refused, or accepted and not assigned within the drain.</summary>
    public long Lost => Alerts - Assigned;

    public double PeakRssMb => Host.PeakRssMb;

    /// <summary>The one line a run ends with; with cameras watched, what the viewers saw at its end.</summary>
    public string SummaryLine() => string.Create(CultureInfo.InvariantCulture,
        $"alerts={Alerts} assigned={Assigned} lost={Lost} e2e_p50_ms={E2eP50Ms:F2} e2e_p99_ms={E2eP99Ms:F2} alerts_per_s={AlertsPerSecond:F1} rss_mb={PeakRssMb:F0}") + (Watch is null ? "" : " " + Watch.Line());

    /// <summary>The second line: positions, map delay, commits, readiness and the machine's load.</summary>
    public string CostLine() => string.Create(CultureInfo.InvariantCulture,
        $"positions_per_s={PositionsPerSecond:F0} map_behind_p50_ms={MapBehind.P50Ms:F0} map_behind_p99_ms={MapBehind.P99Ms:F0} commits_per_alert={CommitsPerAlert:F2} transactions_per_alert={TransactionsPerAlert:F2} ready_s={Host.StartSeconds:F1} load_avg={MarkdownReport.LoadAverage()}");
}

/// <summary>
/// One bounded load run: start the host (or take a running one), open the gateways' gRPC streams and one SignalR
/// terminal per unit, then for the duration send alerts at the configured rate while every terminal reports
/// positions and officers work their assignments; wait (bounded) for acks and assignments still in flight; stop the
/// host; then replay alerts against our engine in this process and each peer baseline at fixed concurrency.
/// </summary>
public static class LoadRun
{
    private static readonly TimeSpan DecisionTimeout = TimeSpan.FromSeconds(10);

    public static async Task<LoadResult> RunAsync(LoadOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var notes = new List<string>();
        var officers = OfficerTimings.Default;
        World world;
        HostProcess? child = null;
        HostEndpoints endpoints;
        var started = Stopwatch.StartNew();
        if (options.Target is null)
        {
            world = new World(options);
            child = await HostProcess.StartAsync(world, options, cancellationToken);
            endpoints = child.Endpoints;
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"host started (pid {child.ProcessId}, {endpoints.Web}, gRPC {endpoints.Grpc}): {world.Units.Count} units, {world.City.Cameras.Count} cameras on {world.Gateways.Count} gateways seeded and ready in {started.Elapsed.TotalSeconds:F1} s"));
        }
        else
        {
            var grpcPort = options.GrpcPort ?? options.Target.Port + 1;
            endpoints = new HostEndpoints(options.Target, new Uri($"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}"), options.GatewayCredential,
                options.Account, options.Password, options.ScrapeToken);
            await HostProcess.WaitReadyAsync(endpoints.Web, TimeSpan.FromSeconds(30), () => false, () => "", cancellationToken);
            world = new World(await FetchCityAsync(endpoints, cancellationToken));
            notes.Add("The host was already running (--target): its own configuration applies (correlation and cooldown may attach alerts to open incidents, which then count as not assigned); RSS and CPU come from its /metrics.");
            await log.WriteLineAsync($"driving {endpoints.Web} (gRPC {endpoints.Grpc}): {world.Units.Count} units, {world.City.Cameras.Count} cameras on {world.Gateways.Count} gateways");
        }

        var startSeconds = started.Elapsed.TotalSeconds;
        var e2e = new LatencyRecorder();
        var tracker = new AlertTracker(e2e);
        LoadPhase load;
        try
        {
            load = await RunLoadPhaseAsync(world, endpoints, options, officers, tracker, child, log, cancellationToken);
        }
        finally
        {
            if (child is not null)
            {
                await child.DisposeAsync();
            }
        }

        if (world.City.Cameras.Count == 0)
        {
            notes.Add("The city has no cameras, so no alert could be sent.");
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Alert clock: from the moment the gateway takes the alert (before any wait for its flow-control window) to the moment the unit's terminal receives the assignment over SignalR. Officers acknowledge after {officers.Acknowledge.TotalSeconds:F1} s, arrive {officers.OnScene.TotalSeconds:F1} s later, clear {officers.Clear.TotalSeconds:F1} s after that and report available, all over the terminal hub."));
        if (load.Gateways.FirstRejection.Length > 0)
        {
            notes.Add($"First refusal: {load.Gateways.FirstRejection}");
        }

        var alerts = load.Gateways.Sent;
        var decisions = await RunDecisionPhaseAsync(world, options, officers, (int)alerts, log, cancellationToken);
        var host = new HostFigures(
            child is null ? "target" : "child process", startSeconds, load.ConnectSeconds, load.HostPeakRssMb, load.HostCpuCores,
            load.HostDecisionP50Ms, load.HostDecisionP99Ms, load.FailedScrapes, load.DriverPeakRssMb, load.DriverCpuCores);
        return new LoadResult(
            options, world.Units.Count, world.City.Cameras.Count, world.Gateways.Count,
            alerts, load.Gateways.Accepted, tracker.AssignedCount, alerts - load.Gateways.Acked, load.Gateways.Rejected, load.Gateways.NoIncident, load.Gateways.Retried,
            e2e.PercentileMs(50), e2e.PercentileMs(95), e2e.PercentileMs(99), e2e.MaxMs,
            load.Seconds > 0 ? alerts / load.Seconds : 0,
            load.Seconds > 0 ? tracker.AssignedCount / load.Seconds : 0,
            load.Positions, load.Seconds > 0 ? load.Positions / load.Seconds : 0,
            load.TerminalDisconnects, host, load.Path, decisions, notes)
        {
            Writes = load.Writes,
            Storage = load.Storage,
            MapBehind = load.MapBehind,
            Watch = load.Watch,
        };
    }

    private sealed record LoadPhase(
        GatewayFleet Gateways, double Seconds, long Positions, double ConnectSeconds, double HostPeakRssMb, double HostCpuCores,
        double HostDecisionP50Ms, double HostDecisionP99Ms, int FailedScrapes, double DriverPeakRssMb, double DriverCpuCores, long TerminalDisconnects,
        PathFigures Path)
    {
        public IReadOnlyDictionary<string, long> Writes { get; init; } = new Dictionary<string, long>();

        public IReadOnlyDictionary<string, double> Storage { get; init; } = new Dictionary<string, double>();

        public (double P50Ms, double P99Ms, long Samples) MapBehind { get; init; } = (double.NaN, double.NaN, 0);

        public WatchFigures? Watch { get; init; }
    }

    private static async Task<LoadPhase> RunLoadPhaseAsync(
        World world, HostEndpoints endpoints, LoadOptions options, OfficerTimings officers, AlertTracker tracker, HostProcess? child, TextWriter log, CancellationToken cancellationToken)
    {
        var connecting = Stopwatch.StartNew();
        var token = await endpoints.TokenAsync(cancellationToken);
        await using var terminals = await TerminalFleet.ConnectAsync(endpoints.Web, token, world.Units, officers, cancellationToken);
        var connectSeconds = connecting.Elapsed.TotalSeconds;
        if (options.WarmupSeconds > 0)
        {
            await WarmUpAsync(world, endpoints, options, officers, terminals, log, cancellationToken);
        }

        connecting.Restart();
        await using var video = options.WatchCameras > 0 ? new LiveFeeds() : null;
        await using var gateways = await GatewayFleet.ConnectAsync(endpoints, world.Gateways, tracker, cancellationToken, video);
        terminals.Tracker = tracker;
        connectSeconds += connecting.Elapsed.TotalSeconds;
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{world.Gateways.Count} gateway streams and {terminals.Count} terminals connected in {connectSeconds:F1} s"));

        await using var map = options.PositionHz > 0 ? await MapWatcher.ConnectAsync(endpoints.Web, terminals.Sent, token, cancellationToken) : null;
        await using var watchers = video is null ? null : await WatchAsync(world, endpoints, token, options, log, cancellationToken);
        var writesBefore = child is null ? null : await WriteCounter.CountAsync(child.DatabasePath, child.ArchivePath, cancellationToken);
        var hostSampler = await HostSampler.StartAsync(endpoints.Web, endpoints.ScrapeToken, cancellationToken);
        var driverSampler = new ProcessSampler();
        double seconds;
        long positions;
        try
        {
            using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            phase.CancelAfter(TimeSpan.FromSeconds(options.DurationSeconds));
            var phaseStarted = Stopwatch.GetTimestamp();
            watchers?.BeginPhase();
            var positionTask = options.PositionHz > 0 && world.Units.Count > 0
                ? terminals.ReportPositionsAsync(world.Units, options.PositionHz, options.Seed, phase.Token)
                : Task.FromResult(0L);
            if (world.City.Cameras.Count > 0)
            {
                await SendAlertsAsync(gateways, world, options, phase.Token);
            }

            seconds = Stopwatch.GetElapsedTime(phaseStarted).TotalSeconds;
            positions = await positionTask;
            watchers?.EndPhase();

            // Bounded wait for acks and assignments still in flight; what has not arrived by then is lost.
            var drained = await gateways.DrainAsync(TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken);
            tracker.Close();
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"load phase: {gateways.Sent} alerts in {seconds:F1} s, {gateways.Acked} acked, {tracker.AssignedCount} assigned{(drained ? "" : " (drain window ended with some outstanding)")}, {positions} position reports"));
        }
        finally
        {
            await hostSampler.DisposeAsync();
            await driverSampler.DisposeAsync();
        }

        // Let officers finish what they started before the connections close; their buttons count toward the writes.
        await terminals.SettleAsync(officers.Busy + TimeSpan.FromSeconds(1));
        var writes = writesBefore is null || child is null
            ? new Dictionary<string, long>()
            : WriteCounter.Difference(writesBefore, await WriteCounter.CountAsync(child.DatabasePath, child.ArchivePath, cancellationToken));
        if (writes.Count > 0)
        {
            await log.WriteLineAsync("durable writes in the load phase: " + string.Join(", ", writes.Where(w => w.Value != 0).OrderByDescending(w => w.Value).Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Key} {w.Value}"))));
        }

        return new LoadPhase(gateways, seconds, positions, connectSeconds, hostSampler.PeakRssMb, hostSampler.CpuCores,
            hostSampler.DecisionPercentileMs(50), hostSampler.DecisionPercentileMs(99), hostSampler.FailedScrapes,
            driverSampler.PeakRssMb, driverSampler.CpuCores, terminals.Disconnects,
            new PathFigures(
                gateways.AckLatency.PercentileMs(50), gateways.AckLatency.PercentileMs(99),
                terminals.PushLatency.PercentileMs(50), terminals.PushLatency.PercentileMs(99),
                seconds > 0 ? hostSampler.GrainCalls / seconds : 0, hostSampler.GrainCallMeanMs))
        {
            Writes = writes,
            Storage = hostSampler.Storage,
            MapBehind = map is null || map.Behind.Count == 0 ? (double.NaN, double.NaN, 0) : (map.Behind.PercentileMs(50), map.Behind.PercentileMs(99), map.Behind.Count),
            Watch = watchers is null || video is null ? null : WatchFiguresOf(options, watchers, video, hostSampler.Video),
        };
    }

    /// <summary>
    /// The watched cameras (the first of each gateway in turn, so the views spread over the gateways as an operator's
    /// wall would) and their viewers, connected after the warm-up and running before the timed phase opens.
    /// </summary>
    private static async Task<LiveWatchers> WatchAsync(World world, HostEndpoints endpoints, string token, LoadOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var byGateway = world.City.Cameras.GroupBy(c => c.GatewayId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Select(c => c.Id).ToList()).ToList();
        var cameras = new List<string>();
        for (var round = 0; cameras.Count < options.WatchCameras && byGateway.Any(g => g.Count > round); round++)
        {
            cameras.AddRange(byGateway.Where(g => g.Count > round).Select(g => g[round]).Take(options.WatchCameras - cameras.Count));
        }

        if (cameras.Count < options.WatchCameras)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"--watch-cameras {options.WatchCameras}: the city has only {cameras.Count} cameras"));
        }

        var watchers = await LiveWatchers.ConnectAsync(endpoints.Web, token, cameras, options.EffectiveWatchViewers, options.WatchFps, options.WatchWidthPx, options.WatchHeightPx, cancellationToken);
        var live = await watchers.WaitForPicturesAsync(TimeSpan.FromSeconds(15), cancellationToken);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{watchers.Count} live viewers on {cameras.Count} cameras ({string.Join(", ", cameras)}) at {options.WatchFps:0.#} fps, {options.WatchWidthPx}x{options.WatchHeightPx} px: {(live ? "every viewer has a picture" : "not every viewer has a picture: " + string.Join("; ", watchers.Refusals.DefaultIfEmpty("no frame within 15 s")))}"));
        return watchers;
    }

    private static WatchFigures WatchFiguresOf(LoadOptions options, LiveWatchers watchers, LiveFeeds video, IReadOnlyDictionary<string, double> hostVideo)
    {
        var fps = watchers.FramesPerSecond.Order().ToList();
        var median = fps.Count == 0 ? double.NaN : fps.Count % 2 == 1 ? fps[fps.Count / 2] : (fps[(fps.Count / 2) - 1] + fps[fps.Count / 2]) / 2;
        var refusals = watchers.Refusals.ToList();
        if (video.FirstLoss.Length > 0)
        {
            refusals.Add($"gateway side, {video.ViewsLost} views lost; first: {video.FirstLoss}");
        }

        return new WatchFigures(
            options.WatchCameras, watchers.Count, options.WatchFps, options.WatchWidthPx, options.WatchHeightPx, watchers.PhaseFrames,
            fps.Count == 0 ? double.NaN : fps[0], median, watchers.Latency.PercentileMs(50), watchers.Latency.PercentileMs(95),
            hostVideo.TryGetValue("frames-dropped", out var dropped) ? dropped : double.NaN, video.FramesSent, watchers.FrameKb, refusals);
    }

    /// <summary>
    /// Untimed load at the run's rates: alerts on gateway streams of their own (closed before the timed phase opens
    /// its own, so their alert ids and counts stay apart), positions from the same terminals; then the officers finish
    /// and the terminals forget what they measured.
    /// </summary>
    private static async Task WarmUpAsync(
        World world, HostEndpoints endpoints, LoadOptions options, OfficerTimings officers, TerminalFleet terminals, TextWriter log, CancellationToken cancellationToken)
    {
        var warmTracker = new AlertTracker(new LatencyRecorder());
        var started = Stopwatch.GetTimestamp();
        long positions;
        await using (var warm = await GatewayFleet.ConnectAsync(endpoints, world.Gateways, warmTracker, cancellationToken))
        {
            terminals.Tracker = warmTracker;
            using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            phase.CancelAfter(TimeSpan.FromSeconds(options.WarmupSeconds));
            var positionTask = options.PositionHz > 0 && world.Units.Count > 0
                ? terminals.ReportPositionsAsync(world.Units, options.PositionHz, options.Seed + 1, phase.Token)
                : Task.FromResult(0L);
            if (world.City.Cameras.Count > 0)
            {
                await SendAlertsAsync(warm, world, options with { DurationSeconds = options.WarmupSeconds, AlertRate = options.EffectiveWarmupRate }, phase.Token);
            }

            positions = await positionTask;
            await warm.DrainAsync(TimeSpan.FromSeconds(options.DrainSeconds), cancellationToken);
            warmTracker.Close();
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"warm-up (untimed, {options.EffectiveWarmupRate:0.#} alerts/s): {warm.Sent} alerts, {warm.Acked} acked, {warmTracker.AssignedCount} assigned, {positions} position reports in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s"));
        }

        terminals.Tracker = null;
        await terminals.SettleAsync(officers.Busy + TimeSpan.FromSeconds(1));
        terminals.ResetMeasurements();
    }

    private static async Task<CityModel> FetchCityAsync(HostEndpoints host, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await host.TokenAsync(cancellationToken));
        await using var stream = await http.GetStreamAsync(new Uri(host.Web, "/api/city"), cancellationToken);
        return CityGeoJson.Read(stream);
    }

    /// <summary>Alerts at the configured rate until the phase ends, each handed to its camera's gateway.</summary>
    private static async Task SendAlertsAsync(GatewayFleet gateways, World world, LoadOptions options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sent = 0;
        var maxAlerts = (int)Math.Ceiling(options.AlertRate * options.DurationSeconds);
        while (!cancellationToken.IsCancellationRequested && sent < maxAlerts)
        {
            var due = Math.Min(maxAlerts, (int)(Stopwatch.GetElapsedTime(started).TotalSeconds * options.AlertRate));
            for (; sent < due; sent++)
            {
                gateways.Send(world.Alert(sent + 1));
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
    }

    private static async Task<List<DecisionFigures>> RunDecisionPhaseAsync(
        World world, LoadOptions options, OfficerTimings officers, int alertsSent, TextWriter log, CancellationToken cancellationToken)
    {
        var decisions = new List<DecisionFigures>();
        var count = Math.Min(options.DecisionAlerts, Math.Max(alertsSent, 1) * 4);
        if (count <= 0 || world.Units.Count == 0)
        {
            return decisions;
        }

        // Every system first decides untimed on alerts of its own, then waits out the officers' time so every unit is free again.
        var warmup = options.DecisionWarmup;
        var firstTimed = alertsSent + warmup;
        await using (var engine = await InProcessEngine.StartAsync(world, officers, cancellationToken))
        {
            if (warmup > 0)
            {
                await DecideWithEngineAsync(engine, world, options, warmup, alertsSent, cancellationToken);
                await Task.Delay(officers.Busy + TimeSpan.FromSeconds(2), cancellationToken);
            }

            decisions.Add(await DecideWithEngineAsync(engine, world, options, count, firstTimed, cancellationToken));
        }

        await log.WriteLineAsync(Describe(decisions[^1]));
        if (!options.Baselines)
        {
            return decisions;
        }

        await using (var redis = await RedisGeoDecider.StartAsync(cancellationToken))
        {
            if (warmup > 0)
            {
                await DecideWithPeerAsync(redis, world, options, warmup, alertsSent, officers.Busy, cancellationToken);
            }

            decisions.Add(await DecideWithPeerAsync(redis, world, options, count, firstTimed, officers.Busy, cancellationToken));
        }

        await log.WriteLineAsync(Describe(decisions[^1]));
        await using (var postgis = await PostGisDecider.StartAsync(cancellationToken))
        {
            if (warmup > 0)
            {
                await DecideWithPeerAsync(postgis, world, options, warmup, alertsSent, officers.Busy, cancellationToken);
            }

            decisions.Add(await DecideWithPeerAsync(postgis, world, options, count, firstTimed, officers.Busy, cancellationToken));
        }

        await log.WriteLineAsync(Describe(decisions[^1]));
        return decisions;
    }

    private static string Describe(DecisionFigures d) => string.Create(CultureInfo.InvariantCulture,
        $"decisions {d.System}: {d.Decisions} at {d.DecisionsPerSecond:F0}/s, p50 {d.P50Ms:F2} ms, p99 {d.P99Ms:F2} ms, answered {d.Answered}, no unit free {d.NoUnitFree}, unanswered {d.Unanswered}");

    private static IncidentReport Report(SimAlert alert) => new(
        "camera-alert", IncidentPriority.High, alert.Location.Latitude, alert.Location.Longitude,
        $"load alert {alert.Number}", IncidentSource.Camera, "camera:" + alert.CameraId);

    /// <summary>Our engine on the decision phase: intake to first assignment, C alerts in flight.</summary>
    private static async Task<DecisionFigures> DecideWithEngineAsync(
        InProcessEngine engine, World world, LoadOptions options, int count, int firstNumber, CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder();
        var tracker = new AlertTracker(latency);
        engine.Tracker = tracker;
        var intake = engine.Grains.GetGrain<IIntakeGrain>(0);
        var noUnitFree = 0;
        var unanswered = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(firstNumber + 1, count),
            new ParallelOptions { MaxDegreeOfParallelism = options.DecisionConcurrency, CancellationToken = cancellationToken },
            async (number, _) =>
            {
                var alert = world.Alert(number);
                var sentAt = Stopwatch.GetTimestamp();
                var result = await intake.ReportAsync(Report(alert));
                if (result.IncidentId is null)
                {
                    Interlocked.Increment(ref unanswered);
                    return;
                }

                var done = tracker.SentAsync(result.IncidentId, sentAt);

                // The intake answers once the first dispatch step is recorded: nobody sent and every unit in reach busy is known now.
                if (!done.IsCompleted && engine.FoundNoFreeUnit(result.IncidentId))
                {
                    Interlocked.Increment(ref noUnitFree);
                    return;
                }

                if (await Task.WhenAny(done, Task.Delay(DecisionTimeout, cancellationToken)) != done)
                {
                    Interlocked.Increment(ref engine.FoundNoFreeUnit(result.IncidentId) ? ref noUnitFree : ref unanswered);
                }
            });
        var seconds = watch.Elapsed.TotalSeconds;
        engine.Tracker = null;
        return new DecisionFigures("Dispatch (grains)", count, (int)tracker.AssignedCount, noUnitFree, unanswered, count / seconds,
            latency.PercentileMs(50), latency.PercentileMs(99), latency.MaxMs);
    }

    /// <summary>A peer on the decision phase: claim the nearest available unit, release it after the officer's time on the job.</summary>
    private static async Task<DecisionFigures> DecideWithPeerAsync(
        INearestUnitDecider peer, World world, LoadOptions options, int count, int firstNumber, TimeSpan busy, CancellationToken cancellationToken)
    {
        await peer.LoadUnitsAsync(world.Units, cancellationToken);
        var byId = world.Units.ToDictionary(u => u.Id, StringComparer.Ordinal);
        var latency = new LatencyRecorder();
        var noUnitFree = 0;
        var releases = new ConcurrentBag<Task>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(firstNumber + 1, count),
            new ParallelOptions { MaxDegreeOfParallelism = options.DecisionConcurrency, CancellationToken = cancellationToken },
            async (number, _) =>
            {
                var sentAt = Stopwatch.GetTimestamp();
                var unitId = await peer.ClaimNearestAsync(world.Alert(number));
                if (unitId is null)
                {
                    // The peer found every unit in reach claimed: the same case as our engine's shortfall.
                    Interlocked.Increment(ref noUnitFree);
                    return;
                }

                latency.RecordSince(sentAt);
                releases.Add(ReleaseLaterAsync(peer, byId[unitId], busy, cancellationToken));
            });
        var seconds = watch.Elapsed.TotalSeconds;
        await Task.WhenAll(releases);
        return new DecisionFigures(peer.Name, count, (int)latency.Count, noUnitFree, 0, count / seconds,
            latency.PercentileMs(50), latency.PercentileMs(99), latency.MaxMs);
    }

    private static async Task ReleaseLaterAsync(INearestUnitDecider peer, SimUnit unit, TimeSpan busy, CancellationToken cancellationToken)
    {
        await Task.Delay(busy, cancellationToken);
        await peer.ReleaseAsync(unit);
    }
}
