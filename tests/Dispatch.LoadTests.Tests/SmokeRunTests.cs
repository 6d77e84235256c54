using System.Text.RegularExpressions;

namespace Dispatch.LoadTests.Tests;

/// <summary>A short run of the whole driver (engine, Redis GEO, PostGIS) on loopback: figures are not asserted, losses are.</summary>
public sealed partial class SmokeRunTests
{
    [Fact]
    public async Task Short_run_loses_no_alert_and_ends_with_one_summary_line()
    {
        var options = LoadOptions.Parse(["--duration", "6", "--units", "1000", "--cameras", "100", "--alert-rate", "10",
            "--decision-alerts", "100", "--drain", "10"]);
        using var log = new StringWriter();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(90));

        var result = await LoadRun.RunAsync(options, log, bound.Token);
        var report = MarkdownReport.Render(result, "smoke");

        Assert.True(result.Alerts > 0, log.ToString());
        Assert.Equal(0, result.Lost);
        Assert.Equal(result.Alerts, result.Assigned);
        Assert.Equal(["Dispatch (grains)", "Redis GEO", "PostGIS"], result.Decisions.Select(d => d.System));
        Assert.All(result.Decisions, d => Assert.Equal(0, d.Unanswered));
        Assert.Matches(SummaryLine(), result.SummaryLine());
        Assert.Contains(result.SummaryLine(), report, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^alerts=\d+ assigned=\d+ lost=0 e2e_p50_ms=[\d.]+ e2e_p99_ms=[\d.]+ alerts_per_s=[\d.]+ rss_mb=\d+$")]
    private static partial Regex SummaryLine();
}
