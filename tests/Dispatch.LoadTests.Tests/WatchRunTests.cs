using System.Text.RegularExpressions;

namespace Dispatch.LoadTests.Tests;

/// <summary>
/// A tiny run with live video watched: the built host as a child process, the driver's gateways answering its live
/// views with frames, two operator viewers on one camera's WebSocket while alerts flow. Figures are not asserted beyond
/// "the picture moved" and "no alert was lost".
/// </summary>
[Collection(LoadRuns.Name)]
public sealed partial class WatchRunTests
{
    [Fact]
    public async Task Watched_camera_reaches_both_viewers_while_every_alert_is_assigned()
    {
        var options = LoadOptions.Parse(["--duration", "5", "--units", "60", "--cameras", "20", "--gateways", "2", "--alert-rate", "4",
            "--no-baselines", "--decision-alerts", "10", "--drain", "15", "--warmup", "1",
            "--watch-cameras", "1", "--watch-viewers", "2", "--watch-fps", "5"]);
        using var log = new StringWriter();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(90));

        var result = await LoadRun.RunAsync(options, log, bound.Token);
        var report = MarkdownReport.Render(result, "watch");

        var watch = Assert.IsType<WatchFigures>(result.Watch);
        Assert.Equal((1, 2), (watch.Cameras, watch.Viewers));
        Assert.True(watch.FpsMin > 2, $"the slower viewer saw {watch.FpsMin:F1} fps\n{log}");
        Assert.True(watch.LatencyP95Ms >= 0 && watch.LatencyP50Ms <= watch.LatencyP95Ms, log.ToString());
        Assert.Empty(watch.Refusals);
        Assert.False(double.IsNaN(watch.HostDropped), "the host's dropped-frames counter comes from its /metrics");
        Assert.InRange(watch.FrameKb, 20, 80);
        Assert.True(result.Alerts > 0, log.ToString());
        Assert.Equal(0, result.Lost);
        Assert.Equal(result.Alerts, result.Assigned);
        Assert.Matches(SummaryLine(), result.SummaryLine());
        Assert.Contains("## Live video watched during the timed phase", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Live_picture_weighs_what_a_street_scene_does()
    {
        var jpeg = LivePicture.Encode(640, 360);

        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        Assert.InRange(jpeg.Length, 30 * 1024, 60 * 1024);
    }

    [GeneratedRegex(@"^alerts=\d+ assigned=\d+ lost=0 .* rss_mb=\d+ watch_cameras=1 watch_viewers=2 watch_fps_min=[\d.]+ watch_fps_median=[\d.]+ frame_latency_p50_ms=\d+ frame_latency_p95_ms=\d+ frames_dropped=\d+$")]
    private static partial Regex SummaryLine();
}
