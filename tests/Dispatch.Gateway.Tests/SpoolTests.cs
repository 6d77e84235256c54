using Dispatch.Gateway.Spool;
using Dispatch.Testing;

namespace Dispatch.Gateway.Tests;

public sealed class SpoolTests
{
    [Fact]
    public void Reopened_spool_holds_exactly_the_unacknowledged_alerts_in_order()
    {
        using var dir = new TempDirectory("spool");
        var alerts = Enumerable.Range(1, 5).Select(i => Alerts.Make(i)).ToList();
        using (var spool = AlertSpool.Open(dir.Path, "gw-t"))
        {
            alerts.ForEach(a => spool.Append(a));
            spool.Acknowledge(alerts[1].AlertId);
            spool.Acknowledge(alerts[3].AlertId);
        }

        using var reopened = AlertSpool.Open(dir.Path, "gw-t");

        Assert.Equal([alerts[0].AlertId, alerts[2].AlertId, alerts[4].AlertId], reopened.Pending().Select(a => a.AlertId));
        Assert.Equal(alerts[2], reopened.Pending()[1]);
    }

    [Fact]
    public void Appending_an_alert_id_already_pending_stores_it_once()
    {
        using var dir = new TempDirectory("spool");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var alert = Alerts.Make(1);

        Assert.True(spool.Append(alert));
        Assert.False(spool.Append(alert));
        Assert.Equal(1, spool.Count);
    }

    [Fact]
    public void Torn_last_record_is_cut_off_and_earlier_alerts_survive()
    {
        using var dir = new TempDirectory("spool");
        string path;
        using (var spool = AlertSpool.Open(dir.Path, "gw-t"))
        {
            spool.Append(Alerts.Make(1));
            spool.Append(Alerts.Make(2));
            path = spool.FilePath;
        }

        // A crash in the middle of writing the second record.
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(file.Length - 7);
        }

        var tornLength = new FileInfo(path).Length;
        using var reopened = AlertSpool.Open(dir.Path, "gw-t");

        Assert.Single(reopened.Pending());
        Assert.StartsWith("alert-0001", reopened.Pending()[0].AlertId);
        Assert.True(reopened.DiscardedTailBytes > 0);
        Assert.True(new FileInfo(path).Length < tornLength);
    }

    [Fact]
    public void Acknowledging_every_alert_empties_the_file()
    {
        using var dir = new TempDirectory("spool");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var alerts = Enumerable.Range(1, 3).Select(i => Alerts.Make(i)).ToList();
        alerts.ForEach(a => spool.Append(a));
        Assert.True(spool.FileBytes > 0);

        alerts.ForEach(a => spool.Acknowledge(a.AlertId));

        Assert.Equal(0, spool.FileBytes);
    }

    [Fact]
    public void Many_acks_compact_the_file_to_the_pending_alerts()
    {
        using var dir = new TempDirectory("spool");
        using var spool = AlertSpool.Open(dir.Path, "gw-t", compactAfterAcks: 10);
        var keep = Alerts.Make(0);
        spool.Append(keep);
        var others = Enumerable.Range(1, 20).Select(i => Alerts.Make(i)).ToList();
        others.ForEach(a => spool.Append(a));
        var bytesFull = spool.FileBytes;

        others.ForEach(a => spool.Acknowledge(a.AlertId));

        // Acks only append, so a file smaller than before the acks (with one alert still pending) was compacted.
        Assert.True(spool.FileBytes < bytesFull, $"{spool.FileBytes} bytes after acks, {bytesFull} before");
        Assert.Equal(keep.AlertId, Assert.Single(spool.Pending()).AlertId);
        spool.Dispose();
        using var reopened = AlertSpool.Open(dir.Path, "gw-t");
        Assert.Equal(keep, Assert.Single(reopened.Pending()));
    }

    [Fact]
    public void Gateway_id_that_is_no_file_name_is_refused_naming_it()
    {
        using var dir = new TempDirectory("spool");

        var error = Assert.Throws<ArgumentException>(() => AlertSpool.Open(dir.Path, "../escape"));
        Assert.Contains("../escape", error.Message);
    }
}
