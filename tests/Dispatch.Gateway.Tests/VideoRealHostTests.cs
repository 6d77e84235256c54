using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Server.Tests.Video;
using Dispatch.Testing;
using OpenCvSharp;

namespace Dispatch.Gateway.Tests;

/// <summary>The reference gateway's video side against the real host: event clips, live views, picture faults.</summary>
public sealed partial class VideoRealHostTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"-> ([0-9a-f]{32})")]
    private static partial Regex AlertIdInLog();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The gateway run in the background until the test stops it; its log as it goes.</summary>
    private sealed class RunningGateway : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly StringWriter _log = new();
        private readonly TextWriter _synchronized;
        private readonly Task<GatewaySummary> _run;

        public RunningGateway(int grpcPort, string spool, params string[] extra)
        {
            _synchronized = TextWriter.Synchronized(_log);
            var options = GatewayOptions.Parse(
            [
                "--server", $"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}", "--gateway-id", DispatchHost.GatewayId,
                "--credential", DispatchHost.Credential, "--lat", "36.661", "--lon", "117.0", "--spool", spool, "--report", "2", "--drain", "1", .. extra,
            ]) with { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(500) };
            _run = Task.Run(() => GatewayHost.RunAsync(options, _synchronized, _stop.Token));
        }

        public string Log
        {
            get
            {
                lock (_synchronized)
                {
                    return _log.ToString();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run;
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task An_alert_of_the_real_gateway_comes_with_a_clip_of_the_seconds_around_it_that_plays_from_the_archive()
    {
        using var dir = new TempDirectory("video-clip-real");
        var port = TestPorts.GetFreeTcpPort();
        await using var host = DispatchHost.Start(dir, port, new Dictionary<string, string?>
        {
            ["Dispatch:Video:ClipPreSeconds"] = "2",
            ["Dispatch:Video:ClipPostSeconds"] = "2",
        });
        await using var gateway = new RunningGateway(port, dir.File("spool"), "--cameras", "1", "--fps", "10");
        using var http = host.Http();

        JsonElement? clip = null;
        string? alertId = null;
        await Eventually.True(() =>
        {
            foreach (var id in AlertIdInLog().Matches(gateway.Log).Select(m => m.Groups[1].Value).Distinct())
            {
                using var response = http.GetAsync($"/api/video/alerts/{id}/clip", Cancel).GetAwaiter().GetResult();
                var status = response.IsSuccessStatusCode ? response.Content.ReadFromJsonAsync<JsonElement>(Cancel).GetAwaiter().GetResult() : default;
                if (status.ValueKind == JsonValueKind.Object && status.GetProperty("available").GetBoolean())
                {
                    clip = status.GetProperty("clip");
                    alertId = id;
                    return true;
                }
            }

            return false;
        }, Patience, () => $"no alert of the gateway got its clip; its log:\n{gateway.Log}");
        using var started = await http.PostAsync($"/api/video/alerts/{alertId}/clip/playbacks", null, Cancel);
        var url = (await started.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("url").GetString();
        var webm = await http.GetByteArrayAsync(url, Cancel);

        var info = clip!.Value;
        Assert.Equal("video/webm", info.GetProperty("mediaType").GetString());
        Assert.Equal((640, 360), (info.GetProperty("widthPx").GetInt32(), info.GetProperty("heightPx").GetInt32()));
        // 2 s before and 2 s after; longer when alerts of the camera came close together and share the clip.
        var duration = info.GetProperty("durationSeconds").GetDouble();
        Assert.InRange(duration, 3.4, 12);
        Assert.InRange(info.GetProperty("frameCount").GetInt32(), (duration * 5) - 2, (duration * 5) + 3); // at 5 fps
        Assert.InRange(ClipEncoderTests.ProbeDurationSeconds(webm), duration - 0.5, duration + 0.7);
        Assert.Equal([0x1A, 0x45, 0xDF, 0xA3], webm[..4]);
        Assert.Contains("event clips: 2 s before and 2 s after each alert, as the service asks", gateway.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180_000)]
    public async Task A_live_view_of_the_real_gateway_reaches_a_viewer_and_the_gateway_stops_streaming_when_the_viewer_leaves()
    {
        using var dir = new TempDirectory("video-live-real");
        var port = TestPorts.GetFreeTcpPort();
        await using var host = DispatchHost.Start(dir, port, new Dictionary<string, string?> { ["Dispatch:Video:StopAfterSeconds"] = "0.5" });
        await using var gateway = new RunningGateway(port, dir.File("spool"), "--cameras", "2", "--fps", "10", "--clips", "off");
        await Eventually.True(() => gateway.Log.Contains("connected to", StringComparison.Ordinal), Patience, () => gateway.Log);

        await using var viewer = await LiveViewerClient.ConnectAsync(host.WebPort, "gw-t-cam-02", "fps=5&width=320&height=180");
        await Eventually.True(() => viewer.Frames.Count >= 10, Patience, () => $"{viewer.Frames.Count} frames; {string.Join(" | ", viewer.Statuses)}\n{gateway.Log}");
        var frames = viewer.Frames.ToList();
        var seconds = (frames[^1].ArrivedAt - frames[0].ArrivedAt).TotalSeconds;
        await viewer.CloseAsync();
        await Eventually.True(() => gateway.Log.Contains("live view", StringComparison.Ordinal) && gateway.Log.Contains("stopped: nobody watches", StringComparison.Ordinal)
            || gateway.Log.Contains("ended by the service", StringComparison.Ordinal), Patience, () => gateway.Log);

        Assert.Contains("of gw-t-cam-02 started: 5 fps, at most 320x180 px, quality 70", gateway.Log, StringComparison.Ordinal);
        Assert.All(frames, f => Assert.Equal((320, 180), (f.WidthPx, f.HeightPx)));
        Assert.InRange((frames.Count - 1) / seconds, 3.5, 6.5);
        Assert.All(frames, f => Assert.InRange(f.ArrivedAt.ToUnixTimeMilliseconds() - f.CapturedAtMs, 0, 1500));
        Assert.DoesNotContain("gw-t-cam-01 started", gateway.Log, StringComparison.Ordinal);
    }

    [Theory(Timeout = 180_000)]
    [InlineData("frozen", "--frozen-after", "picture frozen for ")]
    [InlineData("dark", "--dark-after", "picture dark or covered (mean brightness ")]
    public async Task A_camera_whose_picture_is_frozen_or_dark_is_reported_so_and_the_host_no_longer_counts_it_online(string fault, string option, string detail)
    {
        using var dir = new TempDirectory("video-picture-fault");
        var video = dir.File($"{fault}.avi");
        WriteStillVideo(video, dark: fault == "dark");
        var port = TestPorts.GetFreeTcpPort();
        await using var host = DispatchHost.Start(dir, port, new Dictionary<string, string?>
        {
            ["Dispatch:Cameras:HeartbeatIntervalSeconds"] = "1",
            ["Dispatch:Cameras:OfflineAfterSeconds"] = "2",
        });
        await using var gateway = new RunningGateway(port, dir.File("spool"), "--source", video, "--clips", "off", option, "2");
        using var http = host.Http();

        JsonElement offline = default;
        await Eventually.True(() =>
        {
            var health = http.GetFromJsonAsync<JsonElement>("/api/cameras/health", Cancel).GetAwaiter().GetResult();
            var found = health.GetProperty("offline").EnumerateArray().Where(c => c.GetProperty("cameraId").GetString() == "gw-t-cam-01").ToList();
            offline = found.FirstOrDefault();
            return found.Count == 1 && offline.GetProperty("lastStatus").GetString() == fault;
        }, Patience, () => gateway.Log);

        Assert.Equal(fault, offline.GetProperty("lastStatus").GetString());
        Assert.StartsWith(detail, offline.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"gw-t-cam-01: {detail}", gateway.Log, StringComparison.Ordinal);
    }

    /// <summary>A 3-second MJPEG AVI (what OpenCV's runtime writes) of one unchanging picture: a still street, or black.</summary>
    private static void WriteStillVideo(string path, bool dark)
    {
        using var frame = new Mat(360, 640, MatType.CV_8UC3, dark ? Scalar.All(2) : new Scalar(90, 110, 120));
        if (!dark)
        {
            Cv2.Rectangle(frame, new Rect(200, 100, 240, 160), new Scalar(200, 190, 180), -1);
        }

        using var writer = new VideoWriter(path, FourCC.MJPG, 10, new Size(640, 360));
        Assert.True(writer.IsOpened(), "OpenCV cannot write MJPEG AVI here");
        for (var i = 0; i < 30; i++)
        {
            writer.Write(frame);
        }
    }
}
