using System.Globalization;
using System.Text;

namespace Dispatch.LoadTests.Cluster;

/// <summary>A cluster fault run written up for people: what ran, what happened when, what the record kept, how fast it came back.</summary>
public static class FaultReport
{
    public static string Render(FaultResult result, string commandLine)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"# Dispatch cluster run: fault {ClusterOptions.Name(o.Fault)}, {o.Silos} silo{(o.Silos == 1 ? "" : "s")}").AppendLine();
        text.AppendLine(inv, $"Command: `{commandLine}`").AppendLine();
        text.AppendLine(inv, $"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC. Load average (1/5/15 min) is quoted beside each figure, taken at its moment.").AppendLine();
        text.AppendLine("| setting | value |").AppendLine("|---|---|");
        text.AppendLine(inv, $"| cluster | {o.Silos} host processes (Redis membership, grain state and the incident record on one durable PostgreSQL), ready in {result.ReadySeconds:F1} s; gateways and terminals connected in {result.ConnectSeconds:F1} s |");
        text.AppendLine(inv, $"| load | {result.LoadSeconds:F1} s of alerts at {o.Load.AlertRate}/s asked, drain up to {o.Load.DrainSeconds} s |");
        text.AppendLine(inv, $"| units | {result.Units} SignalR terminals spread over the hosts, reporting at {o.Load.PositionHz} Hz ({result.PositionReports} reports taken) |");
        text.AppendLine(inv, $"| cameras | {result.Cameras} on {result.Gateways} gRPC gateway streams spread over the hosts, each failing over across all of them |");
        text.AppendLine(inv, $"| fault | {Describe(o)} |");
        text.AppendLine();

        text.AppendLine("## What happened when").AppendLine().AppendLine("```");
        foreach (var line in result.Timeline)
        {
            text.AppendLine(line);
        }

        text.AppendLine("```").AppendLine();

        var r = result.Record;
        text.AppendLine("## What was kept").AppendLine();
        text.AppendLine("| alerts sent | acked with an incident | assigned on a terminal | lost | acked alerts lost | incidents lost | units assigned twice | still unacked | refused for good | incidents in the record | assignments in the record | load avg |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        text.AppendLine(inv, $"| {result.Alerts} | {r.AckedAlerts} | {result.Assigned} | {result.Lost} | {r.AckedAlertsLost} | {r.IncidentsLost} | {r.UnitsAssignedTwice} | {result.Unacked} | {result.Rejected} | {r.Incidents} | {r.Assignments} | {result.RecordLoadAverage} |");
        text.AppendLine();
        text.AppendLine("Lost: alerts that never reached a terminal as an assignment (never acked, refused for good, or accepted and not assigned by the drain's end). Acked alerts lost: acknowledged to a gateway with an incident, but the record's alert ledger has no row for the alert (or names another incident). Incidents lost: the incident an acked alert was given is not in the record. Units assigned twice: a unit with two assignments in the record that overlap in time (one began before the other ended). All read from PostgreSQL after the drain.");
        foreach (var example in r.Examples)
        {
            text.AppendLine(inv, $"- {example}");
        }

        text.AppendLine();
        if (result.Recoveries.Count > 0)
        {
            text.AppendLine("## Coming back").AppendLine();
            text.AppendLine("| fault event | at s | first new alert dispatched s | terminals lost | all back s | never back | gateways lost | all back s | never back | load avg |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var c in result.Recoveries)
            {
                text.AppendLine(inv, $"| {c.Event} | {c.AtSeconds:F1} | {FaultResult.Seconds(c.DispatchedAgainSeconds)} | {c.TerminalsLost} | {FaultResult.Seconds(c.TerminalsBackSeconds)} | {c.TerminalsNotBack} | {c.GatewaysLost} | {FaultResult.Seconds(c.GatewaysBackSeconds)} | {c.GatewaysNotBack} | {c.LoadAverage} |");
            }

            text.AppendLine();
            text.AppendLine("Times count from the fault event. First new alert dispatched: the first alert sent after the event whose assignment reached a terminal. Terminals and gateways lost: clients whose connection closed after this event and before the next; all back: when the last of them was signed in (terminals) or welcomed (gateways) on a host again.");
            text.AppendLine();
        }

        var f = result.Refusals;
        text.AppendLine("## Refusals").AppendLine();
        text.AppendLine(inv, $"{f.Refusals} refusals of {f.RefusedAlerts} alerts in all (every attempt counts): {f.Retryable} retryable with a retry_after, {f.NotRetryable} not. By reason: {(f.ByReason.Count == 0 ? "none" : string.Join(", ", f.ByReason.OrderByDescending(b => b.Value).Select(b => string.Create(inv, $"{b.Key} {b.Value}"))))}.");
        text.AppendLine();
        text.AppendLine(inv, $"Gateway streams lost: {(result.GatewayStreamsLost.Count == 0 ? "none" : string.Join(", ", result.GatewayStreamsLost.OrderByDescending(b => b.Value).Select(b => string.Create(inv, $"{b.Value} {b.Key}"))))}; terminals and gateways still without a host at the end: {result.TerminalsStillOut} and {result.GatewaysStillOut}.");
        if (o.Fault == FaultKind.Postgres)
        {
            text.AppendLine();
            text.AppendLine(inv, $"While PostgreSQL was down (and up to 10 s after it was back): {f.InOutage} refusals of {f.AlertsInOutage} alerts, {f.RetryableInOutage} retryable with a retry_after (UNAVAILABLE or OVERLOADED on the stream; the gateway sends the same alert id again), {f.NotRetryableInOutage} not.");
        }

        text.AppendLine();
        text.AppendLine("## Throughput and alert to terminal, by when the alert was sent").AppendLine();
        text.AppendLine("| phase | from s | to s | alerts sent | assigned | sent/s | assigned/s | p50 ms | p99 ms | max ms | load avg |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in result.Phases)
        {
            text.AppendLine(inv, $"| {p.Name} | {p.StartSeconds:F1} | {p.EndSeconds:F1} | {p.Sent} | {p.Assigned} | {p.SentPerSecond:F1} | {p.AssignedPerSecond:F1} | {p.P50Ms:F1} | {p.P99Ms:F1} | {p.MaxMs:F1} | {p.LoadAverage} |");
        }

        text.AppendLine();
        text.AppendLine("The alert's clock runs from the gateway taking it (before any wait for its window, a failover or a retry) to the unit's terminal receiving the assignment, wherever either is connected; an alert whose host was lost counts its time across the move.");
        text.AppendLine();
        foreach (var note in result.Notes)
        {
            text.AppendLine(inv, $"- {note}");
        }

        text.AppendLine().AppendLine("```").AppendLine(result.SummaryLine()).AppendLine("```");
        return text.ToString();
    }

    private static string Describe(ClusterOptions o) => o.Fault switch
    {
        FaultKind.Kill9 => string.Create(CultureInfo.InvariantCulture, $"SIGKILL of host {o.Victim + 1} {o.FaultAt:F0} s into the load, started again {o.RestartAfterSeconds:F0} s later"),
        FaultKind.Rolling => string.Create(CultureInfo.InvariantCulture, $"rolling restart from {o.FaultAt:F0} s into the load: SIGTERM each host in turn (killed if not gone within {o.StopWithinSeconds:F0} s), start it again, wait until ready, {o.RollingPauseSeconds:F0} s before the next"),
        FaultKind.Postgres => string.Create(CultureInfo.InvariantCulture, $"PostgreSQL stopped (immediate) {o.FaultAt:F0} s into the load for {o.PostgresDownSeconds:F0} s, then started again"),
        _ => "none",
    };
}
