using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Testing;

namespace Dispatch.Gateway.Tests;

/// <summary>Cameras that cannot be reached, as they are met in the field: a dead RTSP address, a camera with a password.</summary>
public sealed partial class CameraFailureTests
{
    [GeneratedRegex(@"cam-01: cannot open rtsp://127\.0\.0\.1:\d+/stream1 \(attempt (\d+); next in (\d+\.\d) s\); reported offline")]
    private static partial Regex FailedAttempt();

    /// <summary>An RTSP address where nothing listens: a port that was free a moment ago.</summary>
    private static string DeadRtsp(string userInfo = "") => $"rtsp://{userInfo}127.0.0.1:{TestPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture)}/stream1";

    [Fact]
    public async Task An_unreachable_rtsp_camera_is_retried_with_growing_pauses_and_reported_offline_to_the_host_with_its_reason()
    {
        using var dir = new TempDirectory("gateway-dead-camera");
        var grpcPort = TestPorts.GetFreeTcpPort();
        await using var host = DispatchHost.Start(dir, grpcPort, new Dictionary<string, string?>
        {
            ["Dispatch:Cameras:HeartbeatIntervalSeconds"] = "1",
            ["Dispatch:Cameras:OfflineAfterSeconds"] = "1",
        });
        var output = new StringWriter();
        var options = GatewayOptions.Parse(
        [
            "--server", $"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}", "--gateway-id", DispatchHost.GatewayId,
            "--credential", DispatchHost.Credential, "--source", DeadRtsp(), "--lat", "36.66", "--lon", "117.0",
            "--spool", dir.File("spool"), "--duration", "6", "--report", "1", "--drain", "0",
        ]) with { CameraRetryInitial = TimeSpan.FromMilliseconds(400), CameraRetryMax = TimeSpan.FromSeconds(10) };

        var summary = await GatewayHost.RunAsync(options, TextWriter.Synchronized(output), TestContext.Current.CancellationToken);

        var log = output.ToString();
        var attempts = FailedAttempt().Matches(log).Select(m => (Attempt: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            Pause: double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.True(attempts.Count >= 3, log);
        Assert.Equal(Enumerable.Range(1, attempts.Count), attempts.Select(a => a.Attempt));
        // Jittered doubling: each nominal pause doubles (0.4, 0.8, 1.6 s ...), each actual one is half to all of it.
        Assert.True(attempts[2].Pause > attempts[0].Pause, log);
        Assert.Equal((1, 0), (summary.Cameras, summary.CamerasWorking));
        Assert.Contains("cannot open rtsp://127.0.0.1:", Assert.Single(summary.Problems), StringComparison.Ordinal);

        using var http = host.Http();
        using var health = JsonDocument.Parse(await http.GetStringAsync("/api/cameras/health", TestContext.Current.CancellationToken));
        var offline = Assert.Single(health.RootElement.GetProperty("offline").EnumerateArray(), c => c.GetProperty("cameraId").GetString() == "gw-t-cam-01");
        Assert.Equal("offline", offline.GetProperty("lastStatus").GetString());
        Assert.Contains("cannot open rtsp://127.0.0.1:", offline.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gateway_whose_only_camera_never_delivers_a_frame_exits_3_naming_it_without_its_password()
    {
        using var dir = new TempDirectory("gateway-no-camera");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir.Path,
        };
        foreach (var argument in (string[])[RepositoryPaths.BuiltAssembly("Dispatch.Gateway"), "--server", $"http://127.0.0.1:{TestPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture)}",
                     "--source", DeadRtsp("admin:s3cret@"), "--duration", "3", "--drain", "0", "--spool", dir.File("spool")])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var (output, errors) = (await stdout, await stderr);

        Assert.True(process.ExitCode == 3, $"exit {process.ExitCode}\n{output}\n{errors}");
        Assert.Contains("no camera delivered a frame (gw-1-cam-01: cannot open rtsp://127.0.0.1:", errors, StringComparison.Ordinal);
        Assert.Contains("cameras=1 cameras_working=0 frames=0", output, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", output + errors, StringComparison.Ordinal);
    }
}
