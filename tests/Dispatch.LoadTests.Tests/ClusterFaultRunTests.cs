using System.Text.RegularExpressions;
using Dispatch.LoadTests.Cluster;

namespace Dispatch.LoadTests.Tests;

/// <summary>
/// The cluster fault run, tiny: PostgreSQL and Redis from Debian's packages, two real hosts in one cluster, gateways
/// failing over and terminals signing in again, the first host SIGKILLed under alerts and started again. Figures are
/// not asserted beyond being reported; losses are.
/// </summary>
[Collection(LoadRuns.Name)]
public sealed partial class ClusterFaultRunTests
{
    [Fact]
    public async Task A_silo_killed_under_alerts_loses_nothing_and_every_figure_is_reported()
    {
        var options = ClusterOptions.Parse(["--silos", "2", "--units", "100", "--cameras", "100", "--gateways", "2", "--alert-rate", "5",
            "--duration", "28", "--fault", "kill9", "--fault-at", "7", "--restart-after", "4", "--drain", "20", "--position-hz", "0.2"]);
        using var log = new StringWriter();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(150));

        var result = await FaultRun.RunAsync(options, log, bound.Token);
        var report = FaultReport.Render(result, "smoke");
        var context = $"{log}{Environment.NewLine}{report}";

        Assert.True(result.Alerts >= 100, context);
        Assert.True((0L, 0, 0, 0) == (result.Lost, result.Record.AckedAlertsLost, result.Record.IncidentsLost, result.Record.UnitsAssignedTwice), context);
        Assert.Equal(result.Alerts, result.Record.AckedAlerts);
        Assert.True(result.Record.Incidents >= result.Alerts, context);

        // Host 1 had half the terminals and the first gateway: each lost it and signed in on host 2.
        var recovery = Assert.Single(result.Recoveries);
        Assert.StartsWith("kill -9 host 1", recovery.Event, StringComparison.Ordinal);
        Assert.True((50, 0, 1, 0) == (recovery.TerminalsLost, recovery.TerminalsNotBack, recovery.GatewaysLost, recovery.GatewaysNotBack), context);
        Assert.NotNull(recovery.DispatchedAgainSeconds);
        Assert.NotNull(recovery.ReconnectedSeconds);
        Assert.Equal(["before", "during", "after"], result.Phases.Select(p => p.Name));
        Assert.All(result.Phases, p => Assert.True(p.Assigned == p.Sent, context));

        // On a busy machine the restarted host may be ready only as the load ends, leaving "after" empty.
        Assert.True(result.Phases[0].Sent > 0 && result.Phases[1].Sent > 0, context);
        Assert.Contains("host 1 ready again", log.ToString(), StringComparison.Ordinal);
        Assert.Matches(SummaryLine(), result.SummaryLine());
        Assert.Contains(result.SummaryLine(), report, StringComparison.Ordinal);
        Assert.Matches(LoadAverage(), report);
    }

    [GeneratedRegex(@"^fault=kill9 silos=2 alerts=\d+ assigned=\d+ lost=0 acked_alerts_lost=0 incidents_lost=0 units_assigned_twice=0 dispatched_again_s=[\d.]+ reconnected_s=[\d.]+ refused=\d+ refused_not_retryable=0 e2e_p50_before_ms=\d+ .* load_avg=[\d.]+/[\d.]+/[\d.]+$")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"\| kill -9 host 1 \(pid \d+\) \| [\d.]+ \| [\d.]+ \| 50 \| [\d.]+ \| 0 \| 1 \| [\d.]+ \| 0 \| [\d.]+/[\d.]+/[\d.]+ \|")]
    private static partial Regex LoadAverage();
}
