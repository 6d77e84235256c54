using Dispatch.Gateway.Video;
using Dispatch.Testing;

namespace Dispatch.Gateway.Tests;

/// <summary>Encoded clips waiting for upload: on disk, whole or not at all, bounded.</summary>
public sealed class ClipSpoolTests
{
    private static EncodedClip Clip(int bytes, byte fill = 7) =>
        new([0x1A, 0x45, 0xDF, 0xA3, .. Enumerable.Repeat(fill, bytes - 4)], "video/webm", 640, 360, 20, DateTime.UtcNow.AddSeconds(-4), DateTime.UtcNow, TimeSpan.Zero);

    [Fact]
    public void A_clip_kept_for_two_alerts_is_there_for_each_after_a_restart_until_each_is_removed()
    {
        using var dir = new TempDirectory("clip-spool");
        var spool = ClipSpool.Open(dir.Path);
        spool.Add(Clip(1000), "cam-1", ["a1", "a2"]);

        var reopened = ClipSpool.Open(dir.Path);
        var pending = reopened.Pending();
        var bytes = reopened.Read(pending[0]);
        reopened.Remove("a1");

        Assert.Equal(["a1", "a2"], pending.Select(c => c.AlertId).Order(StringComparer.Ordinal));
        Assert.All(pending, c => Assert.Equal(("cam-1", "video/webm", 1000L, 20), (c.CameraId, c.MediaType, c.Bytes, c.FrameCount)));
        Assert.Equal(1000, bytes.Length);
        Assert.Equal("a2", Assert.Single(reopened.Pending()).AlertId);
    }

    [Fact]
    public void Over_its_limit_the_spool_drops_the_oldest_clips_first()
    {
        using var dir = new TempDirectory("clip-spool-limit");
        var logged = new List<string>();
        var spool = ClipSpool.Open(dir.Path, maxBytes: 2500, logged.Add);

        spool.Add(Clip(1000), "cam-1", ["old"]);
        Thread.Sleep(20);
        spool.Add(Clip(1000), "cam-1", ["middle"]);
        Thread.Sleep(20);
        spool.Add(Clip(1000), "cam-1", ["new"]);

        Assert.Equal(["middle", "new"], spool.Pending().Select(c => c.AlertId));
        Assert.Equal("clip spool over 2500 bytes: dropping the clip of alert old", Assert.Single(logged));
    }

    [Fact]
    public void What_an_interrupted_write_left_is_cleared_and_odd_alert_ids_get_safe_file_names()
    {
        using var dir = new TempDirectory("clip-spool-leftovers");
        File.WriteAllBytes(Path.Combine(dir.Path, "torn.webm.tmp"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(dir.Path, "orphan.webm"), [1, 2, 3]);

        var spool = ClipSpool.Open(dir.Path);
        spool.Add(Clip(100), "cam-1", ["../../etc/passwd"]);

        Assert.Equal("../../etc/passwd", Assert.Single(spool.Pending()).AlertId);
        Assert.All(Directory.EnumerateFiles(dir.Path), f => Assert.Matches("^x[0-9a-f]{64}\\.(webm|json)$", Path.GetFileName(f)));
        Assert.Equal(2, Directory.EnumerateFiles(dir.Path).Count());
    }
}
