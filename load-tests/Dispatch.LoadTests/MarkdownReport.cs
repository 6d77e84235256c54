using System.Globalization;
using System.Text;

namespace Dispatch.LoadTests;

/// <summary>The run written up for people: configuration, end-to-end figures, and our ratio against each peer.</summary>
public static class MarkdownReport
{
    public static string Render(LoadResult result, string commandLine)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("# Dispatch load run").AppendLine();
        text.AppendLine(inv, $"Command: `{commandLine}`").AppendLine();
        text.AppendLine(inv, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        text.AppendLine("| setting | value |").AppendLine("|---|---|");
        text.AppendLine(inv, $"| duration | {o.DurationSeconds} s |");
        text.AppendLine(inv, $"| units | {o.Units} at {o.PositionHz} Hz |");
        text.AppendLine(inv, $"| cameras | {o.Cameras} |");
        text.AppendLine(inv, $"| alert rate | {o.AlertRate}/s |");
        text.AppendLine(inv, $"| seed | {o.Seed} |");
        text.AppendLine();
        text.AppendLine("## Alert to terminal").AppendLine();
        text.AppendLine("| alerts | assigned | lost | p50 ms | p95 ms | p99 ms | max ms | alerts/s | positions/s | peak RSS MB | CPU cores | seed s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        text.AppendLine(inv, $"| {result.Alerts} | {result.Assigned} | {result.Lost} | {result.E2eP50Ms:F2} | {result.E2eP95Ms:F2} | {result.E2eP99Ms:F2} | {result.E2eMaxMs:F2} | {result.AlertsPerSecond:F1} | {result.PositionsPerSecond:F0} | {result.PeakRssMb:F0} | {result.CpuCores:F2} | {result.SeedSeconds:F1} |");
        text.AppendLine();
        text.AppendLine(inv, $"The incident's whole dispatch decision (every tier planned and filled, `dispatch_decision_duration_seconds`): p50 {result.EngineDecisionP50Ms:F2} ms, p99 {result.EngineDecisionP99Ms:F2} ms. The end-to-end figure stops at the first assignment, so it can be shorter than the whole decision.");
        text.AppendLine();
        if (result.Decisions.Count > 0)
        {
            text.AppendLine(inv, $"## Nearest-available decisions ({result.Decisions[0].Decisions} alerts, {o.DecisionConcurrency} in flight)").AppendLine();
            text.AppendLine("| system | decisions/s | p50 ms | p99 ms | max ms | unanswered | ours/peer decisions/s | peer/ours p99 |");
            text.AppendLine("|---|---|---|---|---|---|---|---|");
            var ours = result.Decisions[0];
            foreach (var d in result.Decisions)
            {
                var rate = d == ours ? "" : (ours.DecisionsPerSecond / d.DecisionsPerSecond).ToString("F2", inv);
                var p99 = d == ours ? "" : (d.P99Ms / ours.P99Ms).ToString("F2", inv);
                text.AppendLine(inv, $"| {d.System} | {d.DecisionsPerSecond:F0} | {d.P50Ms:F2} | {d.P99Ms:F2} | {d.MaxMs:F2} | {d.Unanswered} | {rate} | {p99} |");
            }

            text.AppendLine();
            text.AppendLine("Ours is the whole decision (incident opened and persisted, tiers planned, zone dispatchers asked, candidates ranked by ETA, unit claimed through its grain, assignment published); a peer's is one nearest-available query that claims the unit.");
            text.AppendLine();
        }

        foreach (var note in result.Notes)
        {
            text.AppendLine(inv, $"- {note}");
        }

        text.AppendLine().AppendLine("```").AppendLine(result.SummaryLine()).AppendLine("```");
        return text.ToString();
    }
}
