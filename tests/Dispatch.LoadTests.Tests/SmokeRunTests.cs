using System.Text.RegularExpressions;

namespace Dispatch.LoadTests.Tests;

/// <summary>
/// A short run of the whole driver on loopback: the built host as a child process, gateways over gRPC, terminals over
/// SignalR, after a short untimed warm-up, then the decision phase in this process, Redis GEO and PostGIS. Figures are not asserted, losses are.
/// Sized so units never run out: at most 2 units per incident, 60 incidents at most, 300 units.
/// </summary>
[Collection(LoadRuns.Name)]
public sealed partial class SmokeRunTests
{
    [Fact]
    public async Task Short_run_through_the_real_host_loses_no_alert_and_ends_with_one_summary_line()
    {
        var options = LoadOptions.Parse(["--duration", "4", "--units", "300", "--cameras", "100", "--gateways", "3", "--alert-rate", "8",
            "--decision-alerts", "30", "--decision-concurrency", "4", "--drain", "15", "--warmup", "2"]);
        using var log = new StringWriter();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(100));

        var result = await LoadRun.RunAsync(options, log, bound.Token);
        var report = MarkdownReport.Render(result, "smoke");

        Assert.True(result.Alerts > 0, log.ToString());
        var warm = WarmUpLine().Match(log.ToString());
        Assert.True(warm.Success && int.Parse(warm.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 10, log.ToString());
        Assert.InRange(result.Alerts, 1, 32); // the warm-up's alerts are not counted
        Assert.Equal(3, result.Gateways);
        Assert.Equal(0, result.Lost);
        Assert.Equal(result.Alerts, result.Assigned);
        Assert.True(result.Host.PeakRssMb > 0, "host memory comes from its /metrics");
        Assert.Equal(["Dispatch (grains)", "Redis GEO", "PostGIS"], result.Decisions.Select(d => d.System));
        Assert.All(result.Decisions, d => Assert.Equal((d.System, d.Decisions, 0, 0), (d.System, d.Answered, d.NoUnitFree, d.Unanswered)));
        Assert.Matches(SummaryLine(), result.SummaryLine());
        Assert.Contains(result.SummaryLine(), report, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"warm-up \(untimed, [\d.]+ alerts/s\): (\d+) alerts, \1 acked, \1 assigned")]
    private static partial Regex WarmUpLine();

    [GeneratedRegex(@"^alerts=\d+ assigned=\d+ lost=0 e2e_p50_ms=[\d.]+ e2e_p99_ms=[\d.]+ alerts_per_s=[\d.]+ rss_mb=\d+$")]
    private static partial Regex SummaryLine();
}
