using System.Globalization;
using System.Text;

namespace Dispatch.LoadTests;

/// <summary>The run written up for people: configuration, end-to-end figures, host cost, and our ratio against each peer.</summary>
public static class MarkdownReport
{
    public static string Render(LoadResult result, string commandLine)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var h = result.Host;
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Dispatch load run").AppendLine();
        text.AppendLine(inv, $"Command: `{commandLine}`").AppendLine();
        text.AppendLine(inv, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average at the end {LoadAverage()}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        text.AppendLine("| setting | value |").AppendLine("|---|---|");
        text.AppendLine(inv, $"| host | {h.Mode}, ready in {h.StartSeconds:F1} s (city seeded), gateways and terminals connected in {h.ConnectSeconds:F1} s |");
        text.AppendLine(inv, $"| duration | {o.DurationSeconds} s, drain up to {o.DrainSeconds} s{(o.WarmupSeconds > 0 ? $", after {o.WarmupSeconds} s of untimed warm-up load at {o.EffectiveWarmupRate:0.#} alerts/s" : "")} |");
        text.AppendLine(inv, $"| units | {result.Units} SignalR terminals reporting at {o.PositionHz} Hz |");
        text.AppendLine(inv, $"| cameras | {result.Cameras} registered, on {result.Gateways} gRPC gateway streams |");
        text.AppendLine(inv, $"| alert rate | {o.AlertRate}/s asked |");
        text.AppendLine(inv, $"| seed | {o.Seed} |");
        text.AppendLine();
        text.AppendLine("## Alert (gateway) to assignment (terminal)").AppendLine();
        text.AppendLine("| alerts | accepted | assigned | lost | unacked | refused | p50 ms | p95 ms | p99 ms | max ms | alerts/s | assigned/s | positions/s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        text.AppendLine(inv, $"| {result.Alerts} | {result.Accepted} | {result.Assigned} | {result.Lost} | {result.Unacked} | {result.Rejected} | {result.E2eP50Ms:F2} | {result.E2eP95Ms:F2} | {result.E2eP99Ms:F2} | {result.E2eMaxMs:F2} | {result.AlertsPerSecond:F1} | {result.AssignedPerSecond:F1} | {result.PositionsPerSecond:F0} |");
        text.AppendLine();
        if (result.Watch is { } w)
        {
            text.AppendLine("## Live video watched during the timed phase").AppendLine();
            text.AppendLine("| cameras | viewers | asked | frames received | viewer fps min | viewer fps median | frame latency p50 ms | p95 ms | dropped by the host | mean frame KB |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            text.AppendLine(inv, $"| {w.Cameras} | {w.Viewers} | {w.AskedFps:0.#} fps, {w.WidthPx}x{w.HeightPx} px | {w.Frames} | {w.FpsMin:F1} | {w.FpsMedian:F1} | {w.LatencyP50Ms:F0} | {w.LatencyP95Ms:F0} | {w.HostDropped:F0} | {w.FrameKb:F0} |");
            text.AppendLine();
            text.AppendLine("Operator viewers on the live-view WebSocket, spread over the watched cameras in turn; the driver's gateways answer the host's LiveViewStart with a pre-encoded JPEG of the asked size at the asked rate on CameraVideo.SendFrames. Frame latency: the gateway's captured_at to the viewer's receipt (same machine clock). Dropped: the host's `dispatch_video_frames_dropped_total` over the load phase and its drain, as its other /metrics figures (frames it dropped for a viewer slower than its camera).");
            foreach (var refusal in w.Refusals)
            {
                text.AppendLine(inv, $"- {refusal}");
            }

            text.AppendLine();
        }

        text.AppendLine("| host peak RSS MB | host CPU cores | host decision p50 ms | host decision p99 ms | driver peak RSS MB | driver CPU cores | terminal disconnects | retried sends |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        text.AppendLine(inv, $"| {h.PeakRssMb:F0} | {h.CpuCores:F2} | {h.DecisionP50Ms:F1} | {h.DecisionP99Ms:F1} | {h.DriverPeakRssMb:F0} | {h.DriverCpuCores:F2} | {result.TerminalDisconnects} | {result.Retried} |");
        text.AppendLine();
        text.AppendLine("Host figures come from its /metrics (working set, CPU seconds over wall seconds; 1.0 = one core). The host's decision time is its `dispatch_decision_duration_seconds` histogram over the load phase (every tier planned and filled), read as bucket upper bounds, so coarse (buckets double). Lost = alerts never acked + refused + accepted but not assigned within the drain." + (h.FailedScrapes > 0 ? string.Create(inv, $" {h.FailedScrapes} scrapes timed out.") : ""));
        text.AppendLine();
        var path = result.Path;
        text.AppendLine("Where an alert's time goes, hop by hop:").AppendLine();
        text.AppendLine("| send to ack p50 ms | p99 ms | host decision p50 ms | p99 ms | assignment to terminal p50 ms | p99 ms | host grain calls/s | mean grain call ms |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        text.AppendLine(inv, $"| {path.AckP50Ms:F1} | {path.AckP99Ms:F1} | {h.DecisionP50Ms:F1} | {h.DecisionP99Ms:F1} | {path.PushP50Ms:F1} | {path.PushP99Ms:F1} | {path.GrainCallsPerSecond:F0} | {path.GrainCallMeanMs:F1} |");
        text.AppendLine();
        text.AppendLine("Send to ack: the gateway stream, the camera grain (de-duplication, cooldown), the zone's correlation grain, the incident opened and persisted. Assignment to terminal: from the unit grain's assignment stamp to the terminal's receipt (notifier batching, the host's live board, SignalR). Grain calls: `orleans_app_requests_latency_seconds` over the load phase, queueing included.");
        text.AppendLine();
        if (result.Decisions.Count > 0)
        {
            text.AppendLine(inv, $"## Nearest-available decisions ({result.Decisions[0].Decisions} alerts, {o.DecisionConcurrency} in flight)").AppendLine();
            text.AppendLine("| system | decisions/s | p50 ms | p99 ms | max ms | answered | no unit free | unanswered | ours/peer decisions/s | peer/ours p50 | peer/ours p99 |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            var ours = result.Decisions[0];
            foreach (var d in result.Decisions)
            {
                var rate = d == ours ? "" : (ours.DecisionsPerSecond / d.DecisionsPerSecond).ToString("F2", inv);
                var p50 = d == ours ? "" : (d.P50Ms / ours.P50Ms).ToString("F2", inv);
                var p99 = d == ours ? "" : (d.P99Ms / ours.P99Ms).ToString("F2", inv);
                text.AppendLine(inv, $"| {d.System} | {d.DecisionsPerSecond:F0} | {d.P50Ms:F2} | {d.P99Ms:F2} | {d.MaxMs:F2} | {d.Answered} | {d.NoUnitFree} | {d.Unanswered} | {rate} | {p50} | {p99} |");
            }

            text.AppendLine();
            text.AppendLine("All three run after the load phase (a host this run started is stopped by then; a --target host keeps running), on the same units and the same alerts, each claimed unit busy for the officer's time. Ours is the engine in this process (grains, in-memory storage, no wire): incident opened, tiers planned, zone dispatchers asked, candidates ranked by ETA, units claimed through their grains, assignment published; a peer's is one nearest-available query over loopback that claims one unit. \"No unit free\": the system found no free unit in reach (ours: a recorded shortfall and nobody assigned), counted apart from unanswered.");
            text.AppendLine();
        }

        foreach (var note in result.Notes)
        {
            text.AppendLine(inv, $"- {note}");
        }

        if (result.Writes.Count > 0 || result.Storage.Count > 0)
        {
            text.AppendLine("## Durable writes in the load phase").AppendLine();
            text.AppendLine("| kind | count | per alert |").AppendLine("|---|---|---|");
            foreach (var (kind, count) in result.Writes.Where(w => w.Value != 0).OrderByDescending(w => w.Value))
            {
                text.AppendLine(inv, $"| {kind} (file) | {count} | {(result.Alerts == 0 ? double.NaN : count / (double)result.Alerts):F2} |");
            }

            foreach (var (kind, count) in result.Storage.Where(w => w.Value != 0).OrderByDescending(w => w.Value))
            {
                text.AppendLine(inv, $"| {kind} (host metrics) | {count:F0} | {(result.Alerts == 0 ? double.NaN : count / result.Alerts):F2} |");
            }

            text.AppendLine();
            text.AppendLine("From the files: every grain state write bumps its row's version, every incident commit the incident row's version (commits); journal and alert ledger rows are written inside incident commits; archived alerts are rows of the archive. From the host: transactions are durable commits (an fsync each on SQLite); units of work share transactions under group commit.");
            text.AppendLine();
        }

        text.AppendLine().AppendLine("```").AppendLine(result.SummaryLine()).AppendLine(result.CostLine()).AppendLine("```");
        return text.ToString();
    }

    /// <summary>The 1, 5 and 15 minute load averages, joined by slashes ("0.42/0.30/0.25").</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join('/', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
