using System.Text.Json;
using Dispatch.Contracts.V1;
using Dispatch.Server.Cameras;
using Dispatch.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>Camera online/offline from heartbeats, debounced so a short blip is not an outage.</summary>
public sealed class CameraHealthTests
{
    private static readonly CameraHealthOptions Options = new() { HeartbeatIntervalSeconds = 10, OfflineAfterSeconds = 30 };

    [Fact]
    public void A_camera_reported_offline_stays_online_until_the_debounce_time_has_passed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var board = new CameraHealthBoard(clock, Options, () => 4);
        board.Announce("gw", ["a", "b"]);

        clock.Advance(TimeSpan.FromSeconds(10));
        board.Record("gw", Beat(("a", CameraStatus.Offline), ("b", CameraStatus.Online)));
        clock.Advance(TimeSpan.FromSeconds(15)); // 25 s after "a" was last seen online
        var blip = board.IsOnline("a");
        clock.Advance(TimeSpan.FromSeconds(6));
        var summary = board.Summarize();

        Assert.True(blip);
        Assert.False(board.IsOnline("a"));
        Assert.True(board.IsOnline("b"));
        var offline = Assert.Single(summary.Offline);
        Assert.Equal(("a", "offline", "rtsp: no frames"), (offline.CameraId, offline.LastStatus, offline.Detail));
        Assert.Equal((4, 2, 1, 0.25), (summary.RegisteredCameras, summary.ReportedCameras, summary.OnlineCameras, summary.ConnectedShare));
    }

    [Fact]
    public void A_silent_gateways_cameras_go_offline_after_the_debounce_and_return_with_the_next_heartbeat()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var board = new CameraHealthBoard(clock, Options, () => 1);
        board.Announce("gw", ["a"]);

        clock.Advance(TimeSpan.FromSeconds(29));
        var beforeDebounce = board.IsOnline("a");
        clock.Advance(TimeSpan.FromSeconds(2));
        var afterDebounce = board.IsOnline("a");
        board.Record("gw", Beat(("a", CameraStatus.Degraded)));

        Assert.True(beforeDebounce);
        Assert.False(afterDebounce);
        Assert.True(board.IsOnline("a"));
        Assert.Equal(1.0, board.Summarize().ConnectedShare);
    }

    [Fact]
    public async Task Heartbeats_over_the_stream_drive_the_health_view_on_the_hosts_clock()
    {
        using var directory = new TempDirectory("dispatch-camera-health");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new AlertTestHost(directory, clock);
        var (session, _) = await GatewaySession.ConnectAsync(host.Start(), Hello(Gateway, Credential,
            new CameraInfo { CameraId = CameraId(1) }, new CameraInfo { CameraId = CameraId(2) }));
        await using var _ = session;
        using var http = host.Http();

        await session.SendRawAsync(new GatewayMessage { Heartbeat = Beat((CameraId(1), CameraStatus.Online), (CameraId(2), CameraStatus.Offline)) });
        await session.SendAsync(NewAlert(CameraId(3), AlertKind.Loitering, observedAt: clock.GetUtcNow())); // its ack follows the heartbeat
        clock.Advance(TimeSpan.FromSeconds(20));
        var duringBlip = await OfflineAsync(http);
        clock.Advance(TimeSpan.FromSeconds(15));
        var afterDebounce = await OfflineAsync(http);

        Assert.Empty(duringBlip);
        Assert.Equal([CameraId(1), CameraId(2)], afterDebounce);
    }

    private static async Task<List<string>> OfflineAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/cameras/health", TestContext.Current.CancellationToken));
        return [.. doc.RootElement.GetProperty("offline").EnumerateArray().Select(c => c.GetProperty("cameraId").GetString()!)];
    }

    private static Heartbeat Beat(params (string CameraId, CameraStatus Status)[] cameras)
    {
        var heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        heartbeat.Cameras.AddRange(cameras.Select(c => new CameraHealth
        {
            CameraId = c.CameraId,
            Status = c.Status,
            Detail = c.Status == CameraStatus.Online ? "" : "rtsp: no frames",
        }));
        return heartbeat;
    }
}
