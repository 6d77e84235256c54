using Dispatch.Contracts.V1;
using Dispatch.Server.Cameras;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Server.Tests.Video;

/// <summary>A camera whose frames arrive but show nothing is not online: the picture faults gateways report in heartbeats.</summary>
public sealed class PictureFaultHealthTests
{
    private static readonly CameraHealthOptions Options = new() { HeartbeatIntervalSeconds = 10, OfflineAfterSeconds = 30 };

    [Theory]
    [InlineData(PictureFault.Frozen, "frozen", "picture frozen for 12 s")]
    [InlineData(PictureFault.Dark, "dark", "picture dark or covered (mean brightness 3 of 255) for 6 s")]
    public void A_camera_reporting_a_picture_fault_goes_offline_after_the_debounce_naming_the_fault_and_returns_with_a_good_picture(
        PictureFault fault, string status, string detail)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var board = new CameraHealthBoard(clock, Options, () => 2);
        board.Announce("gw", ["a", "b"]);

        clock.Advance(TimeSpan.FromSeconds(10));
        board.Record("gw", Beat(("a", CameraStatus.Degraded, fault, detail), ("b", CameraStatus.Degraded, PictureFault.None, "4.1 fps of 10")));
        clock.Advance(TimeSpan.FromSeconds(15)); // 25 s since last seen with a picture (the announce)
        var stillWithinDebounce = board.IsOnline("a");
        board.Record("gw", Beat(("a", CameraStatus.Degraded, fault, detail), ("b", CameraStatus.Degraded, PictureFault.None, "4.1 fps of 10")));
        clock.Advance(TimeSpan.FromSeconds(6));
        var summary = board.Summarize();
        var announced = board.Announced().Single(c => c.CameraId == "a");
        board.Record("gw", Beat(("a", CameraStatus.Online, PictureFault.None, "")));

        Assert.True(stillWithinDebounce);
        var offline = Assert.Single(summary.Offline);
        Assert.Equal(("a", status, detail), (offline.CameraId, offline.LastStatus, offline.Detail));
        Assert.Equal(1, summary.OnlineCameras); // "b" is slow but shows a picture: degraded is still online
        Assert.False(announced.Online);
        Assert.Equal(status, announced.Status);
        Assert.True(board.IsOnline("a"));
    }

    private static Heartbeat Beat(params (string Camera, CameraStatus Status, PictureFault Fault, string Detail)[] cameras)
    {
        var beat = new Heartbeat();
        beat.Cameras.AddRange(cameras.Select(c => new CameraHealth { CameraId = c.Camera, Status = c.Status, PictureFault = c.Fault, Detail = c.Detail }));
        return beat;
    }
}
