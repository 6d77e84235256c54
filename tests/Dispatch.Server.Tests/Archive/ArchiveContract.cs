using Dispatch.Server.Alerts;
using Dispatch.Server.Archive;
using Dispatch.Server.Live;
using Dispatch.Server.Video;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Archive;

/// <summary>
/// The alert archive's and video audit's contract, run against each database: what the alert, snapshot, clip and audit
/// endpoints read back is what was written, listed and paged as they list it.
/// </summary>
public abstract class ArchiveContract
{
    protected static readonly DateTimeOffset At = new(2026, 12, 5, 9, 30, 0, TimeSpan.Zero);

    protected static readonly Dictionary<SnapshotVariant, byte[]> NoSnapshots = [];

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A database for this test; every call in one test returns the same one (two stores on it are two hosts).</summary>
    protected abstract Task<ArchiveDatabase> DatabaseAsync(bool fullSync);

    protected static ArchivedAlert Alert(string alertId, string incidentId = "INC-1", string gatewayId = "gw-1", DateTimeOffset? observedAt = null, DateTimeOffset? receivedAt = null) => new(
        alertId,
        gatewayId,
        "cam-7",
        "Intrusion",
        0.875,
        observedAt ?? At,
        receivedAt ?? At.AddMilliseconds(120),
        incidentId,
        36.6612345,
        117.0123456,
        [new ArchivedBox(0.1, 0.2, 0.3, 0.4, "person", 0.91), new ArchivedBox(0.5, 0.5, 0.25, 0.125, "vehicle", 0.66)],
        new Dictionary<string, string> { ["zone"] = "north gate", ["rule"] = "围栏 fence" },
        HasSnapshot: true);

    protected static Dictionary<SnapshotVariant, byte[]> Snapshots(byte seed) => new()
    {
        [SnapshotVariant.Original] = Bytes(48_000, seed),
        [SnapshotVariant.Thumb] = Bytes(6_000, (byte)(seed + 1)),
        [SnapshotVariant.Annotated] = Bytes(50_000, (byte)(seed + 2)),
    };

    protected static byte[] Bytes(int count, byte seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task An_alert_reads_back_with_its_boxes_attributes_three_snapshot_variants_clip_and_decision()
    {
        await using var archive = new AlertArchive(await DatabaseAsync(fullSync: false));
        var alert = Alert("a-1");
        var snapshots = Snapshots(7);
        await archive.SaveAsync(alert, snapshots, Token);

        var read = await archive.FindAsync("a-1", null, Token);
        Assert.NotNull(read);
        Assert.Equal(alert, read with { Boxes = alert.Boxes, Attributes = alert.Attributes });
        Assert.Equal(alert.Boxes, read.Boxes);
        Assert.Equal(alert.Attributes, read.Attributes);
        Assert.Equal(alert.ObservedAt.UtcTicks, read.ObservedAt.UtcTicks);
        foreach (var (variant, jpeg) in snapshots)
        {
            Assert.Equal(jpeg, await archive.SnapshotAsync("gw-1", "a-1", variant, Token));
        }

        Assert.Null(await archive.SnapshotAsync("gw-2", "a-1", SnapshotVariant.Original, Token));

        var clip = new ArchivedClip("gw-1", "a-1", "cam-7", "video/webm", At.AddSeconds(-5), At.AddSeconds(5), 640, 360, 100, 0, At.AddSeconds(9));
        var clipBytes = Bytes(300_000, 3);
        Assert.Null(await archive.ClipInfoAsync("gw-1", "a-1", Token));
        Assert.True(await archive.SaveClipAsync(clip, clipBytes, Token));
        Assert.False(await archive.SaveClipAsync(clip with { FrameCount = 1 }, Bytes(10, 4), Token));
        Assert.Equal(clip with { Bytes = clipBytes.LongLength }, await archive.ClipInfoAsync("gw-1", "a-1", Token));
        Assert.Equal(clipBytes, await archive.ClipBytesAsync("gw-1", "a-1", Token));
        Assert.Null(await archive.ClipBytesAsync("gw-1", "a-2", Token));

        Assert.Null(await archive.DecisionAsync("gw-1", "a-1", Token));
        await archive.DecideAsync("gw-1", "a-1", AlertState.Dismissed, null, "a cat on the fence", "t-operator");
        await archive.DecideAsync("gw-1", "a-1", AlertState.Opened, "INC-9", null, "t-supervisor");
        var decision = await archive.DecisionAsync("gw-1", "a-1", Token);
        Assert.Equal((AlertState.Opened, "INC-9", (string?)null, "t-supervisor"), (decision!.State, decision.IncidentId, decision.Reason, decision.Actor));
        var (recent, recentDecision) = Assert.Single(await archive.RecentAsync(10, Token));
        Assert.Equal("a-1", recent.AlertId);
        Assert.Equal(decision, recentDecision);
    }

    [Fact]
    public async Task The_first_copy_of_an_alert_stays_with_its_snapshots_and_an_id_of_two_gateways_is_told_apart_by_gateway()
    {
        await using var archive = new AlertArchive(await DatabaseAsync(fullSync: false));
        await archive.SaveAsync(Alert("same"), Snapshots(1), Token);
        await archive.SaveAsync(Alert("same", incidentId: "INC-OTHER"), Snapshots(50), Token);
        await archive.SaveAsync(Alert("same", incidentId: "INC-2", gatewayId: "gw-2", receivedAt: At.AddSeconds(1)), NoSnapshots, Token);

        Assert.Equal("INC-1", (await archive.FindAsync("same", "gw-1", Token))!.IncidentId);
        Assert.Equal(Snapshots(1)[SnapshotVariant.Thumb], await archive.SnapshotAsync("gw-1", "same", SnapshotVariant.Thumb, Token));
        Assert.Equal("INC-2", (await archive.FindAsync("same", "gw-2", Token))!.IncidentId);
        Assert.Equal("gw-1", (await archive.FindAsync("same", null, Token))!.GatewayId); // the first received
        Assert.Null(await archive.FindAsync("same", "gw-3", Token));
        Assert.Null(await archive.FindAsync("other", null, Token));
    }

    [Fact]
    public async Task An_incident_lists_its_alerts_oldest_first_and_the_recent_feed_newest_first_up_to_its_limit()
    {
        await using var archive = new AlertArchive(await DatabaseAsync(fullSync: false));
        // Saved together: one batch; observed and received out of order.
        await Task.WhenAll(
            archive.SaveAsync(Alert("b", observedAt: At.AddSeconds(2), receivedAt: At.AddSeconds(30)), NoSnapshots, Token),
            archive.SaveAsync(Alert("a", observedAt: At.AddSeconds(2), receivedAt: At.AddSeconds(10)), NoSnapshots, Token),
            archive.SaveAsync(Alert("c", observedAt: At, receivedAt: At.AddSeconds(20)), NoSnapshots, Token),
            archive.SaveAsync(Alert("z", incidentId: "INC-2", receivedAt: At.AddSeconds(40)), NoSnapshots, Token));

        Assert.Equal(["c", "a", "b"], (await archive.ForIncidentAsync("INC-1", Token)).Select(a => a.AlertId));
        Assert.Empty(await archive.ForIncidentAsync("INC-3", Token));
        Assert.Equal(["z", "b", "c"], (await archive.RecentAsync(3, Token)).Select(r => r.Alert.AlertId));
        Assert.Equal(4, (await archive.RecentAsync(100, Token)).Count);
    }

    [Fact]
    public async Task A_view_is_on_record_from_its_start_its_first_end_stays_and_the_audit_filters_and_pages_newest_first()
    {
        var audit = new VideoAudit(await DatabaseAsync(fullSync: true));
        var live = await audit.StartAsync(VideoAuditKinds.Live, "t-operator", null, "cam-1", null, At, "10.0.0.5");
        var clip = await audit.StartAsync(VideoAuditKinds.Clip, "t-supervisor", null, "cam-2", "a-1", At.AddMinutes(1), null);
        var terminal = await audit.StartAsync(VideoAuditKinds.Live, "t-officer", "U-7", "cam-1", null, At.AddMinutes(2), null);
        Assert.Equal(3, new[] { live, clip, terminal }.Distinct().Count());

        var open = await audit.FindAsync(live, Token);
        Assert.Equal(new VideoAuditEntry(live, "live", "t-operator", null, "cam-1", null, At, null, null, null, null, "10.0.0.5"), open);
        Assert.True(await audit.EndAsync(live, At.AddSeconds(42.5), 42.5, 210, 3));
        Assert.False(await audit.EndAsync(live, At.AddSeconds(99), 99));
        Assert.False(await audit.EndAsync(live + 1000, At.AddSeconds(99), 99));
        Assert.Equal(open! with { EndedAt = At.AddSeconds(42.5), Seconds = 42.5, Frames = 210, FramesDropped = 3 }, await audit.FindAsync(live, Token));
        Assert.Null(await audit.FindAsync(live + 1000, Token));

        static VideoAuditQuery All() => new(null, null, null, null, null, 100);
        Assert.Equal([terminal, clip, live], (await audit.QueryAsync(All(), Token)).Select(e => e.Id));
        Assert.Equal([terminal, live], (await audit.QueryAsync(All() with { CameraId = "cam-1" }, Token)).Select(e => e.Id));
        Assert.Equal([clip], (await audit.QueryAsync(All() with { Kind = VideoAuditKinds.Clip }, Token)).Select(e => e.Id));
        Assert.Equal([terminal], (await audit.QueryAsync(All() with { Actor = "t-officer" }, Token)).Select(e => e.Id));
        Assert.Equal([clip], (await audit.QueryAsync(All() with { From = At.AddMinutes(1), To = At.AddMinutes(2) }, Token)).Select(e => e.Id));
        Assert.Equal([terminal, clip], (await audit.QueryAsync(All() with { Limit = 2 }, Token)).Select(e => e.Id));
        Assert.Equal("U-7", (await audit.FindAsync(terminal, Token))!.UnitId);
    }
}

/// <summary>The contract on the embedded default: a SQLite file per store.</summary>
public sealed class SqliteArchiveTests : ArchiveContract, IDisposable
{
    private readonly TempDirectory _directory = new("dispatch-archive");

    public void Dispose() => _directory.Dispose();

    protected override Task<ArchiveDatabase> DatabaseAsync(bool fullSync) =>
        Task.FromResult(ArchiveDatabase.Sqlite(_directory.File(fullSync ? "video-audit.db" : "alerts.db"), fullSync));
}
