using System.Text.RegularExpressions;
using Dispatch.Contracts.V1;
using Dispatch.Testing;
using Dispatch.Vision.Snapshots;
using Dispatch.Vision.Synthetic;

namespace Dispatch.Gateway.Tests;

public sealed partial class GatewayHostTests
{
    [GeneratedRegex(@"^cameras=\d+ cameras_working=\d+ frames=\d+ fps_per_camera=\d+\.\d alerts_sent=\d+ alerts_acked=\d+ spooled=\d+$")]
    private static partial Regex SummaryLine();

    private static GatewayOptions Options(int port, string spool, params string[] extra) =>
        GatewayOptions.Parse(
        [
            "--server", $"http://127.0.0.1:{port}", "--gateway-id", "gw-host", "--credential", "secret",
            "--spool", spool, "--report", "1", .. extra,
        ]) with { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(300) };

    [Fact]
    public async Task Synthetic_cameras_deliver_intrusion_and_directed_crossing_alerts_with_snapshot_boxes_and_heartbeats()
    {
        using var dir = new TempDirectory("gateway-host");
        var port = RecordingServer.ReservePort();
        await using var server = await RecordingServer.StartAsync(port);
        var output = new StringWriter();

        var summary = await GatewayHost.RunAsync(
            Options(port, dir.Path, "--cameras", "2", "--fps", "100", "--frames", "240", "--duration", "40"),
            TextWriter.Synchronized(output),
            TestContext.Current.CancellationToken);

        Assert.Matches(SummaryLine(), summary.ToString());
        Assert.Equal(2, summary.Cameras);
        Assert.True(summary.AlertsAcked > 0, output.ToString());
        Assert.Equal(summary.AlertsAcked, server.Gateway.DistinctAccepted.Count);
        Assert.Equal(0, summary.Spooled);

        var received = server.Gateway.Received.ToList();
        var crossing = received.First(a => a.Kind == AlertKind.LineCrossing);
        var kinds = string.Join(", ", received.Select(a => $"{a.Kind}/{a.CameraId}"));
        Assert.True(received.Any(a => a.Kind == AlertKind.Intrusion && a.Attributes["zone"] == "yard"), kinds);
        Assert.True(received.Any(a => a.Kind == AlertKind.LineCrossing && a.Attributes["direction"] == "left_to_right"), kinds);
        Assert.True(received.Any(a => a.Kind == AlertKind.LineCrossing && a.Attributes["direction"] == "right_to_left"), kinds);
        Assert.Equal(["gw-host-cam-01", "gw-host-cam-02"], received.Select(a => a.CameraId).Distinct().Order());
        var snapshot = Snapshot.Validate(crossing.SnapshotJpeg.Span);
        Assert.True(snapshot.Accepted, snapshot.Message);
        Assert.Equal((640, 360), (snapshot.Width, snapshot.Height));
        var box = Assert.Single(crossing.Boxes);
        Assert.True(box.X >= 0 && box.Y >= 0 && box.X + box.Width <= 1 && box.Y + box.Height <= 1, box.ToString());
        Assert.InRange(crossing.Confidence, 0.3f, 1f);
        var line = Assert.Single(crossing.RuleShapes);
        Assert.Equal(("gate", false), (line.Name, line.Closed));
        Assert.Equal([(0.5f, 0.4f), (0.5f, 1f)], line.Points.Select(p => (p.X, p.Y)));
        var intrusion = received.First(a => a.Kind == AlertKind.Intrusion);
        Assert.Equal(("yard", true, 4), (intrusion.RuleShapes[0].Name, intrusion.RuleShapes[0].Closed, intrusion.RuleShapes[0].Points.Count));

        Assert.Equal(2, server.Gateway.Hellos.First().Cameras.Count);
        var beat = server.Gateway.Heartbeats.Last();
        Assert.Equal(2, beat.Cameras.Count);
        Assert.True(server.Gateway.Heartbeats.Any(b => b.Cameras.Any(c => c.Status == CameraStatus.Online && c.Fps > 0)), beat.ToString());
        Assert.Contains("camera gw-host-cam-01 fps=", output.ToString());
        Assert.Equal(2, summary.CamerasWorking);

        // Stopping at the end of the run is said as such, not as a lost connection followed by a reconnect.
        Assert.Contains("every camera has analysed its --frames; stopping", output.ToString());
        Assert.Contains("delivery stopped; 0 alerts left in the spool", output.ToString());
        Assert.DoesNotContain("lost or refused", output.ToString());
        Assert.DoesNotContain("reconnecting", output.ToString());
    }

    [Fact]
    public async Task Video_file_camera_spools_alerts_while_the_server_is_down_and_the_next_run_delivers_them()
    {
        using var dir = new TempDirectory("gateway-file");
        var video = dir.File("walk.avi");
        using (var scene = new SyntheticScene(640, 360, seed: 5,
            [SceneFigure.Walking(new(0.1, 0.85), new(0.9, 0.85), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(7))]))
        {
            SyntheticVideo.Write(video, scene, TimeSpan.FromSeconds(8), 10);
        }

        var spool = Path.Combine(dir.Path, "spool");
        var port = RecordingServer.ReservePort();
        var first = await GatewayHost.RunAsync(
            Options(port, spool, "--source", video, "--detector", "motion-blob", "--fps", "0", "--frames", "80", "--duration", "40", "--drain", "0"),
            TextWriter.Null,
            TestContext.Current.CancellationToken);

        Assert.True(first.Spooled >= 2, first.ToString());
        Assert.Equal(0, first.AlertsAcked);

        await using var server = await RecordingServer.StartAsync(port);
        var second = await GatewayHost.RunAsync(
            Options(port, spool, "--source", video, "--detector", "motion-blob", "--fps", "0", "--frames", "10", "--duration", "40", "--drain", "20"),
            TextWriter.Null,
            TestContext.Current.CancellationToken);

        Assert.Equal(0, second.Spooled);
        Assert.True(second.AlertsAcked >= first.Spooled, $"{second} after {first}");
        Assert.True(
            server.Gateway.Received.Any(a => a.Kind == AlertKind.LineCrossing && a.Attributes["direction"] == "right_to_left"),
            string.Join(", ", server.Gateway.Received.Select(a => a.Kind)));
        Assert.Equal(0, server.Gateway.Duplicates);
    }

    [Theory]
    [InlineData("--cameras", "0", "--cameras")]
    [InlineData("--server", "ftp://x", "ftp://x")]
    [InlineData("--detector", "yolo", "yolo")]
    [InlineData("--frobnicate", "1", "--frobnicate")]
    public void Bad_option_is_refused_naming_it(string name, string value, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => GatewayOptions.Parse([name, value]));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Summary_line_has_the_documented_shape()
    {
        Assert.Equal(
            "cameras=3 cameras_working=2 frames=900 fps_per_camera=25.0 alerts_sent=7 alerts_acked=6 spooled=1",
            new GatewaySummary(3, 2, 900, 25.0, 7, 6, 1).ToString());
    }

    [Fact]
    public async Task The_normal_end_of_the_duration_is_logged_as_such_not_as_a_lost_connection()
    {
        using var dir = new TempDirectory("gateway-duration");
        var port = RecordingServer.ReservePort();
        await using var server = await RecordingServer.StartAsync(port);
        var output = new StringWriter();

        var summary = await GatewayHost.RunAsync(Options(port, dir.Path, "--duration", "2", "--drain", "1"), TextWriter.Synchronized(output), TestContext.Current.CancellationToken);

        var log = output.ToString();
        Assert.Equal(1, summary.CamerasWorking);
        Assert.Contains("connected to", log, StringComparison.Ordinal);
        Assert.Contains("--duration of 2 s reached; stopping", log, StringComparison.Ordinal);
        Assert.Contains("delivery stopped", log, StringComparison.Ordinal);
        Assert.DoesNotContain("lost or refused", log, StringComparison.Ordinal);
        Assert.DoesNotContain("reconnecting", log, StringComparison.Ordinal);
    }
}
