using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Dispatch.Contracts;

namespace Dispatch.LoadTests.Cluster;

/// <summary>Alerts of one stretch of the load phase, by the time they were sent: how many went out and reached a terminal, and how fast.</summary>
public sealed record PhaseFigures(
    string Name, double StartSeconds, double EndSeconds, long Sent, long Assigned, double SentPerSecond, double AssignedPerSecond,
    double P50Ms, double P99Ms, double MaxMs, string LoadAverage);

/// <summary>
/// After one fault event (a kill, a stop, the database gone): the first alert sent after it that reached a terminal,
/// and the clients that lost their host in its wake (until the next event) and how long until the last of them was
/// connected again, counted from the event. Null: nothing of that kind happened (or nobody came back).
/// </summary>
public sealed record RecoveryFigures(
    string Event, double AtSeconds, double? DispatchedAgainSeconds, int TerminalsLost, int TerminalsNotBack, double? TerminalsBackSeconds,
    int GatewaysLost, int GatewaysNotBack, double? GatewaysBackSeconds, string LoadAverage)
{
    /// <summary>Every client that lost its host is back: the time of the slowest; null if none was lost; infinity if one never came back.</summary>
    public double? ReconnectedSeconds => TerminalsLost + GatewaysLost == 0
        ? null
        : TerminalsNotBack + GatewaysNotBack > 0 ? double.PositiveInfinity : Math.Max(TerminalsBackSeconds ?? 0, GatewaysBackSeconds ?? 0);
}

/// <summary>Refusals of alerts (every attempt of a re-sent alert counts), and those inside the outage window (postgres).</summary>
public sealed record RefusalFigures(
    long Refusals, long RefusedAlerts, long Retryable, long NotRetryable, IReadOnlyDictionary<string, long> ByReason,
    long InOutage, long AlertsInOutage, long RetryableInOutage, long NotRetryableInOutage);

/// <summary>Everything a cluster fault run measured.</summary>
public sealed record FaultResult(
    ClusterOptions Options, int Units, int Cameras, int Gateways, double ReadySeconds, double ConnectSeconds, double LoadSeconds,
    long Alerts, long Accepted, long Assigned, long Unacked, long Rejected, long Retried, long PositionReports,
    RecordFigures Record, string RecordLoadAverage, IReadOnlyList<PhaseFigures> Phases, IReadOnlyList<RecoveryFigures> Recoveries,
    RefusalFigures Refusals, IReadOnlyList<string> Timeline, IReadOnlyList<string> Notes, int TerminalsStillOut, int GatewaysStillOut)
{
    /// <summary>Gateway streams lost during the run, by how they ended (the gRPC status, or completed by the host).</summary>
    public IReadOnlyDictionary<string, long> GatewayStreamsLost { get; init; } = new Dictionary<string, long>();

    /// <summary>Alerts that never reached a terminal as an assignment: never acked, refused, or accepted and not assigned within the drain.</summary>
    public long Lost => Alerts - Assigned;

    /// <summary>The run kept everything: no alert lost, nothing acked forgotten by the record, no unit on two incidents at once.</summary>
    public bool Passed => Lost == 0 && Record.AckedAlertsLost == 0 && Record.IncidentsLost == 0 && Record.UnitsAssignedTwice == 0;

    /// <summary>The slowest "dispatched again" over the fault events (null without one).</summary>
    public double? DispatchedAgainSeconds => Recoveries.Count == 0 ? null
        : Recoveries.Any(r => r.DispatchedAgainSeconds is null) ? double.PositiveInfinity : Recoveries.Max(r => r.DispatchedAgainSeconds);

    /// <summary>The slowest "every client reconnected" over the fault events (null when no client lost its host).</summary>
    public double? ReconnectedSeconds => Recoveries.Select(r => r.ReconnectedSeconds).Where(s => s is not null).DefaultIfEmpty(null).Max();

    /// <summary>The one line a run ends with.</summary>
    public string SummaryLine()
    {
        var inv = CultureInfo.InvariantCulture;
        var phases = string.Join(' ', Phases.Select(p => string.Create(inv, $"e2e_p50_{p.Name}_ms={p.P50Ms:F0} e2e_p99_{p.Name}_ms={p.P99Ms:F0} assigned_per_s_{p.Name}={p.AssignedPerSecond:F1}")));
        return string.Create(inv,
            $"fault={ClusterOptions.Name(Options.Fault)} silos={Options.Silos} alerts={Alerts} assigned={Assigned} lost={Lost} acked_alerts_lost={Record.AckedAlertsLost} incidents_lost={Record.IncidentsLost} units_assigned_twice={Record.UnitsAssignedTwice} dispatched_again_s={Seconds(DispatchedAgainSeconds)} reconnected_s={Seconds(ReconnectedSeconds)} refused={Refusals.Refusals} refused_not_retryable={Refusals.NotRetryable} {phases} load_avg={RecordLoadAverage}");
    }

    /// <summary>Seconds with one decimal, "-" for none, "never" for a client or a dispatch that did not come back.</summary>
    public static string Seconds(double? seconds) => seconds switch
    {
        null => "-",
        double.PositiveInfinity => "never",
        { } s => s.ToString("F1", CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// A bounded fault run on a local cluster: start PostgreSQL, Redis and the hosts; connect gateways (each on a host,
/// failing over across all of them) and one terminal per unit (spread over the hosts, signing in on another when
/// theirs is lost); send alerts at the rate for the duration while terminals report positions and officers work
/// their assignments; inject the fault at its time; drain; then read the record to see what it kept.
/// </summary>
public static class FaultRun
{
    /// <summary>Refusals this long after the outage ended still count as the outage's (pools reconnecting).</summary>
    private static readonly TimeSpan OutageTail = TimeSpan.FromSeconds(10);

    public static async Task<FaultResult> RunAsync(ClusterOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        log = TextWriter.Synchronized(log);
        var load = options.Load;
        var officers = OfficerTimings.Default;
        var world = new World(load);
        var started = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.StartAsync(world, load, options.Silos, log, cancellationToken);
        try
        {
            return await DriveAsync(cluster, world, options, officers, started.Elapsed.TotalSeconds, log, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"{ex.Message}{Environment.NewLine}{cluster.Output()}", ex);
        }
    }

    private static async Task<FaultResult> DriveAsync(
        LocalCluster cluster, World world, ClusterOptions options, OfficerTimings officers, double readySeconds, TextWriter log, CancellationToken cancellationToken)
    {
        var load = options.Load;
        var endpoints = cluster.Endpoints;
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{options.Silos} hosts ready in {readySeconds:F1} s ({string.Join(", ", endpoints.Select((e, i) => $"{e.Web} gRPC {e.Grpc.Port} pid {cluster.ProcessId(i)}"))}): {world.Units.Count} units, {world.City.Cameras.Count} cameras on {world.Gateways.Count} gateways"));

        var connecting = Stopwatch.StartNew();
        var token = await endpoints[0].TokenAsync(cancellationToken);
        var e2e = new LatencyRecorder();
        var tracker = new AlertTracker(e2e);
        var measured = new ConcurrentQueue<(long SentAt, long AssignedAt)>();
        tracker.Measured = (sentAt, assignedAt) => measured.Enqueue((sentAt, assignedAt));
        await using var terminals = await TerminalFleet.ConnectAsync([.. endpoints.Select(e => e.Web)], token, world.Units, officers, failover: true, cancellationToken);
        await using var gateways = await GatewayFleet.ConnectAsync(endpoints, world.Gateways, tracker, failover: true, cancellationToken);
        terminals.Tracker = tracker;
        var connectSeconds = connecting.Elapsed.TotalSeconds;
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{world.Gateways.Count} gateway streams and {terminals.Count} terminals connected over {options.Silos} hosts in {connectSeconds:F1} s"));

        var timeline = new Timeline(Stopwatch.GetTimestamp(), log);
        using var loadAverages = new LoadAverageSampler();
        var sentAt = new List<long>();
        using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        phase.CancelAfter(TimeSpan.FromSeconds(load.DurationSeconds));
        var positionTask = load.PositionHz > 0 && world.Units.Count > 0
            ? terminals.ReportPositionsAsync(world.Units, load.PositionHz, load.Seed, phase.Token)
            : Task.FromResult(0L);
        using var stopFault = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var faultTask = InjectAsync(cluster, options, timeline, stopFault.Token);
        long loadEnd;
        long positions;
        long faultStart;
        long faultEnd;
        try
        {
            await SendAlertsAsync(gateways, world, load, sentAt, phase.Token);
            loadEnd = Stopwatch.GetTimestamp();
            positions = await positionTask;

            // The fault's own sequence (a restart, a rolling round) may outlast the load; the drain starts once it is over.
            (faultStart, faultEnd) = await faultTask;
        }
        finally
        {
            // A run that fails half-way must not leave a host starting behind the cluster's back.
            await stopFault.CancelAsync();
            await faultTask.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var drained = await gateways.DrainAsync(TimeSpan.FromSeconds(load.DrainSeconds), cancellationToken);
        tracker.Close();
        timeline.Mark(drained ? "drained: every alert acked and every accepted one assigned" : "drain window over with alerts outstanding");
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"load phase: {gateways.Sent} alerts in {Stopwatch.GetElapsedTime(timeline.Start, loadEnd).TotalSeconds:F1} s, {gateways.Acked} acked, {tracker.AssignedCount} assigned, {positions} position reports"));
        await terminals.SettleAsync(officers.Busy + TimeSpan.FromSeconds(1));

        var record = await RecordCheck.CheckAsync(cluster.DatabaseConnectionString, gateways.Acks, cancellationToken);
        var recordLoad = MarkdownReport.LoadAverage();
        var notes = new List<string>();
        if (gateways.FirstRejection.Length > 0)
        {
            notes.Add($"First refusal for good: {gateways.FirstRejection}");
        }

        var phases = Phases(options, timeline.Start, faultStart, faultEnd, loadEnd, sentAt, [.. measured], loadAverages, notes);
        var recoveries = Recoveries(timeline, [.. measured], terminals.Reconnections, gateways.Reconnections, loadAverages);
        var refusals = Refusals(gateways.Refusals, options.Fault == FaultKind.Postgres ? (faultStart, faultEnd + (long)(OutageTail.TotalSeconds * Stopwatch.Frequency)) : null);
        return new FaultResult(
            options, world.Units.Count, world.City.Cameras.Count, world.Gateways.Count, readySeconds, connectSeconds,
            Stopwatch.GetElapsedTime(timeline.Start, loadEnd).TotalSeconds,
            gateways.Sent, gateways.Accepted, tracker.AssignedCount, gateways.Sent - gateways.Acked, gateways.Rejected, gateways.Retried, positions,
            record, recordLoad, phases, recoveries, refusals, timeline.Lines, notes, terminals.Disconnected, gateways.Disconnected)
        {
            GatewayStreamsLost = gateways.Reconnections.GroupBy(r => r.Reason.Length == 0 ? "unknown" : r.Reason)
                .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal),
        };
    }

    /// <summary>Waits for the fault's time, then does it; returns when it started and when it was over (Stopwatch timestamps; both the load's start without a fault).</summary>
    private static async Task<(long Start, long End)> InjectAsync(LocalCluster cluster, ClusterOptions options, Timeline timeline, CancellationToken cancellationToken)
    {
        if (options.Fault == FaultKind.None)
        {
            return (timeline.Start, timeline.Start);
        }

        var due = TimeSpan.FromSeconds(options.FaultAt) - Stopwatch.GetElapsedTime(timeline.Start);
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken);
        }

        var start = Stopwatch.GetTimestamp();
        switch (options.Fault)
        {
            case FaultKind.Kill9:
            {
                var victim = options.Victim;
                timeline.Fault($"kill -9 host {victim + 1} (pid {cluster.ProcessId(victim)})");
                await cluster.KillAsync(victim);
                await Task.Delay(TimeSpan.FromSeconds(options.RestartAfterSeconds), cancellationToken);
                timeline.Mark($"host {victim + 1} starting again");
                await cluster.StartMemberAsync(victim, cancellationToken);
                timeline.Mark($"host {victim + 1} ready again (pid {cluster.ProcessId(victim)})");
                break;
            }

            case FaultKind.Rolling:
                for (var i = 0; i < cluster.Count; i++)
                {
                    timeline.Fault($"SIGTERM host {i + 1} (pid {cluster.ProcessId(i)})");
                    var stopWithin = TimeSpan.FromSeconds(options.StopWithinSeconds);
                    var clean = await cluster.TerminateAsync(i, stopWithin);
                    timeline.Mark(clean
                        ? $"host {i + 1} exited"
                        : string.Create(CultureInfo.InvariantCulture, $"host {i + 1} had not exited {stopWithin.TotalSeconds:F0} s after SIGTERM: killed"));
                    await cluster.StartMemberAsync(i, cancellationToken);
                    timeline.Mark($"host {i + 1} ready again (pid {cluster.ProcessId(i)})");
                    if (i < cluster.Count - 1)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(options.RollingPauseSeconds), cancellationToken);
                    }
                }

                break;
            case FaultKind.Postgres:
                timeline.Fault("PostgreSQL stopped (immediate)");
                await cluster.StopPostgresAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(options.PostgresDownSeconds), cancellationToken);
                await cluster.StartPostgresAsync(cancellationToken);
                timeline.Mark("PostgreSQL started again");
                break;
        }

        return (start, Stopwatch.GetTimestamp());
    }

    /// <summary>Alerts at the configured rate until the phase ends, each handed to its camera's gateway; the time each was handed over is kept.</summary>
    private static async Task SendAlertsAsync(GatewayFleet gateways, World world, LoadOptions options, List<long> sentAt, CancellationToken cancellationToken)
    {
        if (world.City.Cameras.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var sent = 0;
        var maxAlerts = (int)Math.Ceiling(options.AlertRate * options.DurationSeconds);
        while (!cancellationToken.IsCancellationRequested && sent < maxAlerts)
        {
            var due = Math.Min(maxAlerts, (int)(Stopwatch.GetElapsedTime(started).TotalSeconds * options.AlertRate));
            for (; sent < due; sent++)
            {
                sentAt.Add(Stopwatch.GetTimestamp());
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

    private static List<PhaseFigures> Phases(
        ClusterOptions options, long loadStart, long faultStart, long faultEnd, long loadEnd, List<long> sentAt, (long SentAt, long AssignedAt)[] measured,
        LoadAverageSampler loadAverages, List<string> notes)
    {
        var stretches = options.Fault == FaultKind.None
            ? new List<(string Name, long From, long To)> { ("all", loadStart, loadEnd) }
            : [("before", loadStart, faultStart), ("during", faultStart, faultEnd), ("after", faultEnd, loadEnd)];
        if (options.Fault != FaultKind.None && faultEnd >= loadEnd)
        {
            notes.Add("The fault's sequence outlasted the load phase, so no alert was sent after it: lengthen --duration for an 'after' figure.");
        }

        var phases = new List<PhaseFigures>();
        foreach (var (name, from, to) in stretches)
        {
            var seconds = Math.Max(0, Stopwatch.GetElapsedTime(from, to).TotalSeconds);
            var latency = new LatencyRecorder();
            foreach (var (sent, assigned) in measured.Where(m => m.SentAt >= from && m.SentAt < to))
            {
                latency.Record(Stopwatch.GetElapsedTime(sent, assigned));
            }

            var count = sentAt.Count(s => s >= from && s < to);
            phases.Add(new PhaseFigures(
                name, Stopwatch.GetElapsedTime(loadStart, from).TotalSeconds, Stopwatch.GetElapsedTime(loadStart, Math.Max(from, to)).TotalSeconds,
                count, latency.Count, seconds > 0 ? count / seconds : 0, seconds > 0 ? latency.Count / seconds : 0,
                latency.PercentileMs(50), latency.PercentileMs(99), latency.MaxMs, loadAverages.At(to)));
        }

        return phases;
    }

    private static List<RecoveryFigures> Recoveries(
        Timeline timeline, (long SentAt, long AssignedAt)[] measured, IEnumerable<Reconnection> terminals, IEnumerable<Reconnection> gateways, LoadAverageSampler loadAverages)
    {
        var events = timeline.Faults;
        var terminalList = terminals.ToList();
        var gatewayList = gateways.ToList();
        var recoveries = new List<RecoveryFigures>();
        for (var k = 0; k < events.Count; k++)
        {
            var (what, at) = events[k];
            var until = k + 1 < events.Count ? events[k + 1].At : long.MaxValue;
            var firstAssigned = measured.Where(m => m.SentAt >= at).Select(m => m.AssignedAt).DefaultIfEmpty(0).Min();
            double? again = firstAssigned == 0 ? null : Stopwatch.GetElapsedTime(at, firstAssigned).TotalSeconds;
            var (terminalsLost, terminalsNotBack, terminalsBack) = Back(terminalList, at, until);
            var (gatewaysLost, gatewaysNotBack, gatewaysBack) = Back(gatewayList, at, until);
            var settledAt = at + (long)(Math.Max(terminalsBack ?? 0, gatewaysBack ?? 0) * Stopwatch.Frequency);
            recoveries.Add(new RecoveryFigures(what, Stopwatch.GetElapsedTime(timeline.Start, at).TotalSeconds, again,
                terminalsLost, terminalsNotBack, terminalsBack, gatewaysLost, gatewaysNotBack, gatewaysBack, loadAverages.At(settledAt)));
        }

        return recoveries;
    }

    /// <summary>Clients that lost their host in [at, until): how many, how many never came back, and the slowest one back counted from <paramref name="at"/>.</summary>
    private static (int Lost, int NotBack, double? BackSeconds) Back(List<Reconnection> reconnections, long at, long until)
    {
        var lost = reconnections.Where(r => r.LostAt >= at && r.LostAt < until).ToList();
        var back = lost.Where(r => r.BackAt != 0).Select(r => Stopwatch.GetElapsedTime(at, r.BackAt).TotalSeconds).ToList();
        return (lost.Count, lost.Count - back.Count, back.Count == 0 ? null : back.Max());
    }

    private static RefusalFigures Refusals(IEnumerable<AlertRefusal> refusals, (long From, long To)? outage)
    {
        var all = refusals.ToList();
        static bool Good(AlertRefusal r) => AlertValidation.IsRetryable(r.Reason) && r.HasRetryAfter;
        var inOutage = outage is { } window ? all.Where(r => r.At >= window.From && r.At < window.To).ToList() : [];
        return new RefusalFigures(
            all.Count, all.Select(r => r.AlertId).Distinct(StringComparer.Ordinal).Count(), all.Count(Good), all.Count(r => !Good(r)),
            all.GroupBy(r => r.Reason.ToString()).ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal),
            inOutage.Count, inOutage.Select(r => r.AlertId).Distinct(StringComparer.Ordinal).Count(), inOutage.Count(Good), inOutage.Count(r => !Good(r)));
    }

    /// <summary>What happened when, in seconds from the load phase's start, with the load average at that moment; fault events apart.</summary>
    private sealed class Timeline(long start, TextWriter log)
    {
        private readonly List<string> _lines = [];
        private readonly List<(string What, long At)> _faults = [];

        public long Start { get; } = start;

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IReadOnlyList<(string What, long At)> Faults
        {
            get
            {
                lock (_lines)
                {
                    return [.. _faults];
                }
            }
        }

        /// <summary>A fault event: recoveries are counted from it.</summary>
        public void Fault(string what)
        {
            var at = Stopwatch.GetTimestamp();
            lock (_lines)
            {
                _faults.Add((what, at));
            }

            Mark(what, at);
        }

        public void Mark(string what) => Mark(what, Stopwatch.GetTimestamp());

        private void Mark(string what, long at)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{Stopwatch.GetElapsedTime(Start, at).TotalSeconds,7:F1} s  {what}  (load average {MarkdownReport.LoadAverage()})");
            lock (_lines)
            {
                _lines.Add(line);
            }

            log.WriteLine(line);
        }
    }

    /// <summary>The machine's load average once a second, to quote beside each figure the one of its moment.</summary>
    private sealed class LoadAverageSampler : IDisposable
    {
        private readonly List<(long At, string Value)> _samples = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public LoadAverageSampler()
        {
            _loop = LoopAsync(_stop.Token);
        }

        /// <summary>The last sample at or before <paramref name="at"/> (the first one if none; the newest for a time still to come).</summary>
        public string At(long at)
        {
            lock (_samples)
            {
                if (_samples.Count == 0 || at > Stopwatch.GetTimestamp())
                {
                    return MarkdownReport.LoadAverage();
                }

                var best = _samples[0].Value;
                foreach (var (when, value) in _samples)
                {
                    if (when > at)
                    {
                        break;
                    }

                    best = value;
                }

                return best;
            }
        }

        private async Task LoopAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    var sample = (Stopwatch.GetTimestamp(), MarkdownReport.LoadAverage());
                    lock (_samples)
                    {
                        _samples.Add(sample);
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(2));
            _stop.Dispose();
        }
    }
}
