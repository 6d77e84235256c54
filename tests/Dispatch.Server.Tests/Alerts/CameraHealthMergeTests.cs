using System.Diagnostics;
using Dispatch.Contracts.V1;
using Dispatch.Server.Cameras;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>The cluster-wide camera health: which host's report a camera follows, and what a silent host's word is worth.</summary>
public sealed class CameraHealthMergeTests
{
    private static readonly TimeSpan OfflineAfter = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_camera_follows_the_host_its_gateway_is_connected_to_now_not_the_stale_offline_of_the_host_it_left()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        var firstConnection = clock.GetUtcNow();
        merge.Apply(Report("host-1", full: true, Gateway("gw", firstConnection, Camera("cam-1", online: true, clock))));
        merge.Apply(Report("host-2", full: true));

        // The gateway moves to host 2; host 1 still reports, and its debounce calls the camera offline there.
        clock.Advance(TimeSpan.FromSeconds(5));
        merge.Apply(Report("host-2", full: false, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));
        for (var i = 0; i < 31; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            merge.Apply(Report("host-2", full: false));
        }

        merge.Apply(Report("host-1", full: false, Gateway("gw", firstConnection, Camera("cam-1", online: false, clock, lastOnlineAt: firstConnection))));
        merge.Sweep();

        var camera = merge.Find("cam-1");
        Assert.NotNull(camera);
        Assert.True(camera.Online);
        Assert.Equal(("host-2", "gw"), (camera.HostId, camera.GatewayId));
    }

    [Fact]
    public void The_host_with_the_newest_connection_decides_an_outage_even_when_the_old_host_still_says_online()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        merge.Apply(Report("host-1", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));
        clock.Advance(TimeSpan.FromSeconds(2));
        merge.Apply(Report("host-2", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: false, clock, lastOnlineAt: clock.GetUtcNow()))));

        var camera = merge.Find("cam-1")!;

        Assert.False(camera.Online);
        Assert.Equal("host-2", camera.HostId);
    }

    [Fact]
    public void A_silent_hosts_cameras_stay_online_for_the_debounce_after_its_last_report_then_go_offline()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        merge.Apply(Report("host-1", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));
        var lastReport = clock.GetUtcNow();

        clock.Advance(TimeSpan.FromSeconds(29));
        merge.Sweep();
        var withinDebounce = merge.Find("cam-1")!.Online;
        var versionBefore = merge.Version;
        clock.Advance(TimeSpan.FromSeconds(2));
        merge.Sweep();
        var after = merge.Find("cam-1")!;

        Assert.True(withinDebounce);
        Assert.False(after.Online);
        Assert.Equal(lastReport, after.LastOnlineAt);
        var change = Assert.Single(merge.ChangesSince(merge.Generation, versionBefore).Changes);
        Assert.Equal(("cam-1", false), (change.CameraId, change.Online));
    }

    [Fact]
    public void A_host_heard_from_again_after_a_silence_vouches_for_its_cameras_again()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        merge.Apply(Report("host-1", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));
        clock.Advance(TimeSpan.FromSeconds(40));
        merge.Sweep();
        var silent = merge.Find("cam-1")!.Online;

        merge.Apply(Report("host-1", full: false));

        Assert.False(silent);
        Assert.True(merge.Find("cam-1")!.Online);
    }

    [Fact]
    public void A_gateway_that_reconnects_elsewhere_before_the_dead_hosts_debounce_runs_out_keeps_its_cameras_online()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        merge.Apply(Report("host-1", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));
        clock.Advance(TimeSpan.FromSeconds(10));
        merge.Apply(Report("host-2", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));

        for (var i = 0; i < 60; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            merge.Apply(Report("host-2", full: false));
            merge.Sweep();
            Assert.True(merge.Find("cam-1")!.Online, $"offline {i + 1} s after the move");
        }
    }

    [Fact]
    public void A_host_forgotten_after_its_silence_leaves_its_cameras_offline_and_known()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        merge.Apply(Report("host-1", full: true, Gateway("gw", clock.GetUtcNow(), Camera("cam-1", online: true, clock))));

        clock.Advance(CameraHealthMerge.ForgetAfter + TimeSpan.FromSeconds(1));
        merge.Sweep();

        Assert.False(merge.Knows("host-1"));
        Assert.False(merge.Find("cam-1")!.Online);
        Assert.Equal(1, merge.CameraCount);
    }

    [Fact]
    public void A_host_holding_a_version_gets_only_what_changed_since_and_another_generation_gets_everything()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        merge.Apply(Report("host-1", full: true, Gateway("gw", clock.GetUtcNow(),
            Camera("cam-1", online: true, clock), Camera("cam-2", online: true, clock), Camera("cam-3", online: true, clock))));
        var held = merge.ChangesSince(null, 0);

        merge.Apply(Report("host-1", full: false, Gateway("gw", clock.GetUtcNow(), Camera("cam-2", online: false, clock, clock.GetUtcNow()))));
        merge.Apply(Report("host-1", full: false, Gateway("gw", clock.GetUtcNow(), Camera("cam-2", online: false, clock, clock.GetUtcNow()))));
        var since = merge.ChangesSince(held.Generation, held.Version);
        var stranger = merge.ChangesSince("another", 0);

        Assert.True(held.Reset);
        Assert.Equal(3, held.Changes.Count);
        Assert.False(since.Reset);
        Assert.Equal(new[] { "cam-2" }, since.Changes.Select(c => c.CameraId));
        Assert.True(stranger.Reset);
        Assert.Equal(3, stranger.Changes.Count);
    }

    [Fact]
    public void The_board_reports_only_the_cameras_whose_state_changed_and_reads_the_merged_view_while_it_is_fresh()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var board = new CameraHealthBoard(clock, new CameraHealthOptions { HeartbeatIntervalSeconds = 10, OfflineAfterSeconds = 30 }, () => 3);
        board.Announce("gw", ["a", "b"]);
        var first = board.TakeReport(full: true);

        clock.Advance(TimeSpan.FromSeconds(10));
        board.Record("gw", Beat(("a", CameraStatus.Online), ("b", CameraStatus.Online)));
        var steady = board.TakeReport(full: false);
        board.Record("gw", Beat(("a", CameraStatus.Online), ("b", CameraStatus.Offline)));
        var changed = board.TakeReport(full: false);

        // Another host's camera arrives through the merge: the reads show it while the merged view is fresh.
        var pushed = board.ApplyMerged(new CameraHealthMergedDelta("g", 1, Reset: true,
            [new MergedCamera("a", "gw", true, null, "online", "", null, null, null, "h1"),
             new MergedCamera("c", "gw-2", false, clock.GetUtcNow(), "offline", "lens covered", null, null, null, "h2")], FullReportNeeded: false));
        var merged = board.Summarize();
        clock.Advance(CameraHealthBoard.MergedViewFreshFor + TimeSpan.FromSeconds(1));
        var own = board.Summarize();

        Assert.Equal(new[] { "a", "b" }, first.Single().Cameras.Select(c => c.CameraId).Order());
        Assert.Empty(steady);
        Assert.Equal("b", Assert.Single(Assert.Single(changed).Cameras).CameraId);
        Assert.Equal(new[] { "a", "c" }, pushed.Select(c => c.CameraId).Order());
        Assert.Equal("c", Assert.Single(merged.Offline).CameraId);
        Assert.Equal((2, 1), (merged.ReportedCameras, merged.OnlineCameras));
        Assert.Empty(own.Offline);
        Assert.Equal(2, own.ReportedCameras);
    }

    /// <summary>
    /// What the cluster-wide view costs at a city's size (60,000 cameras on 3 hosts): bytes on the wire per second when
    /// nothing changes, and for a whole report. Figures, not a timed goal: the bound is on bytes, which do not vary.
    /// </summary>
    [Fact]
    public void At_sixty_thousand_cameras_a_quiet_second_costs_each_host_a_few_hundred_bytes()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(CameraHealthReport).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var merge = new CameraHealthMerge(clock, OfflineAfter);
        var hosts = Enumerable.Range(1, 3).Select(h => $"host-{h}/{Guid.NewGuid():N}").ToList();
        var reports = hosts.Select((host, h) => Report(host, full: true, [.. Enumerable.Range(0, 200).Select(g => Gateway($"gw-{h}-{g}", clock.GetUtcNow(),
            [.. Enumerable.Range(0, 100).Select(c => Camera($"cam-{h}-{g}-{c}", online: true, clock) with { Name = $"Camera {h}-{g}-{c}", Latitude = 36.6, Longitude = 117.0 })]))])).ToList();

        var started = Stopwatch.GetTimestamp();
        foreach (var report in reports)
        {
            merge.Apply(report);
        }

        var fullApply = Stopwatch.GetElapsedTime(started);
        var everything = merge.ChangesSince(null, 0);
        clock.Advance(TimeSpan.FromSeconds(1));
        var quietBytes = 0;
        var quietSecond = TimeSpan.Zero;
        foreach (var host in hosts)
        {
            var quiet = Report(host, full: false) with { Generation = everything.Generation, SinceVersion = everything.Version };
            started = Stopwatch.GetTimestamp();
            merge.Apply(quiet);
            var answer = merge.ChangesSince(quiet.Generation, quiet.SinceVersion);
            quietSecond += Stopwatch.GetElapsedTime(started);
            quietBytes += serializer.SerializeToArray(quiet).Length + serializer.SerializeToArray(answer).Length;
        }

        started = Stopwatch.GetTimestamp();
        merge.Sweep();
        quietSecond += Stopwatch.GetElapsedTime(started);

        // 1% of the cameras change in one second.
        started = Stopwatch.GetTimestamp();
        var busy = Report(hosts[0], full: false, Gateway("gw-0-0", reports[0].Gateways[0].ConnectedAt,
            [.. Enumerable.Range(0, 100).Select(c => Camera($"cam-0-0-{c}", online: false, clock, clock.GetUtcNow()))]));
        merge.Apply(busy);
        var busyAnswer = merge.ChangesSince(everything.Generation, everything.Version);
        var busySecond = Stopwatch.GetElapsedTime(started);
        var busyBytes = serializer.SerializeToArray(busy).Length + serializer.SerializeToArray(busyAnswer).Length;
        var fullBytes = serializer.SerializeToArray(reports[0]).Length;
        var viewBytes = serializer.SerializeToArray(everything).Length;

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"60,000 cameras: whole report of one host {fullBytes:N0} B, whole merged view {viewBytes:N0} B, first reports applied in {fullApply.TotalMilliseconds:F0} ms; " +
            $"quiet second, 3 hosts: {quietBytes:N0} B, board work {quietSecond.TotalMilliseconds:F2} ms; 100 cameras changing: {busyBytes:N0} B, {busySecond.TotalMilliseconds:F2} ms; " +
            $"load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Assert.Equal(60_000, merge.CameraCount);
        Assert.Equal(100, busyAnswer.Changes.Count);
        Assert.True(quietBytes < 3 * 400, $"a quiet second cost {quietBytes} B for 3 hosts");
    }

    private static Heartbeat Beat(params (string CameraId, CameraStatus Status)[] cameras)
    {
        var heartbeat = new Heartbeat();
        heartbeat.Cameras.AddRange(cameras.Select(c => new CameraHealth { CameraId = c.CameraId, Status = c.Status, Detail = c.Status == CameraStatus.Online ? "" : "rtsp: no frames" }));
        return heartbeat;
    }

    private static CameraHealthReport Report(string host, bool full, params GatewayReport[] gateways) => new(host, full, gateways, null, 0);

    private static GatewayReport Gateway(string gatewayId, DateTimeOffset connectedAt, params CameraReport[] cameras) => new(gatewayId, connectedAt, cameras);

    private static CameraReport Camera(string cameraId, bool online, TimeProvider clock, DateTimeOffset? lastOnlineAt = null) =>
        new(cameraId, online, online ? clock.GetUtcNow() : lastOnlineAt, online ? "online" : "offline", "", null, null, null);
}
