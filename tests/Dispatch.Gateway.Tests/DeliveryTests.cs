using Dispatch.Contracts.V1;
using Dispatch.Gateway.Delivery;
using Dispatch.Gateway.Spool;
using Dispatch.Testing;

namespace Dispatch.Gateway.Tests;

public sealed class DeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static DeliveryOptions Options(int port, string credential = "secret") => new()
    {
        Server = new Uri($"http://127.0.0.1:{port}"),
        GatewayId = "gw-t",
        Credential = credential,
        Cameras = [new CameraInfo { CameraId = "gw-t-cam-01" }],
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(400),
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        RetryRejectedAfter = TimeSpan.FromMilliseconds(100),
    };

    private sealed class Running(AlertDelivery delivery, CancellationTokenSource stop, Task task) : IAsyncDisposable
    {
        public AlertDelivery Delivery => delivery;

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await task;
            stop.Dispose();
        }
    }

    private static Running Start(DeliveryOptions options, AlertSpool spool)
    {
        var delivery = new AlertDelivery(options, spool);
        var stop = new CancellationTokenSource();
        return new Running(delivery, stop, delivery.RunAsync(stop.Token));
    }

    [Fact]
    public async Task Alerts_spooled_while_no_server_listens_each_arrive_exactly_once_when_it_comes_up()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var port = RecordingServer.ReservePort();
        await using var gateway = Start(Options(port), spool);
        var alerts = Enumerable.Range(1, 40).Select(i => Alerts.Make(i)).ToList();
        alerts.ForEach(a => spool.Append(a));
        await Eventually.True(() => gateway.Delivery.FailedAttempts >= 2, Patience, () => "the gateway should keep retrying while the server is down");
        Assert.Equal(40, spool.Count);

        await using var server = await RecordingServer.StartAsync(port);

        await Eventually.True(() => spool.Count == 0, Patience, () => $"{spool.Count} alerts still spooled");
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), server.Gateway.DistinctAccepted.Order());
        Assert.Equal(40, server.Gateway.Received.Count - server.Gateway.Duplicates);
        Assert.Equal(40, gateway.Delivery.AlertsAcked);
        Assert.Equal("secret", server.Gateway.Hellos.First().Credential);
        Assert.Equal(0, spool.FileBytes);
    }

    [Fact]
    public async Task Restarted_gateway_replays_its_non_empty_spool()
    {
        using var dir = new TempDirectory("delivery");
        var port = RecordingServer.ReservePort();
        var alerts = Enumerable.Range(1, 12).Select(i => Alerts.Make(i)).ToList();
        using (var firstRun = AlertSpool.Open(dir.Path, "gw-t"))
        {
            await using var gateway = Start(Options(port), firstRun);
            alerts.ForEach(a => firstRun.Append(a));
            await Eventually.True(() => gateway.Delivery.FailedAttempts >= 1, Patience, () => "no connection attempt");
        }

        using var secondRun = AlertSpool.Open(dir.Path, "gw-t");
        Assert.Equal(12, secondRun.Count);
        await using var server = await RecordingServer.StartAsync(port);
        await using var restarted = Start(Options(port), secondRun);

        await Eventually.True(() => secondRun.Count == 0, Patience, () => $"{secondRun.Count} alerts still spooled");
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), server.Gateway.DistinctAccepted.Order());
        Assert.Equal(alerts[0], server.Gateway.Received.First());
    }

    [Fact]
    public async Task Alerts_lost_with_a_broken_stream_are_resent_and_answered_as_duplicates_without_doubling()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var port = RecordingServer.ReservePort();

        // The server records the alerts but the stream breaks before any ack: the gateway must resend them.
        var recorder = new RecordingGateway { DropSessionAfterAlerts = 5, Window = 5 };
        await using var server = await RecordingServer.StartAsync(port, recorder);
        var alerts = Enumerable.Range(1, 10).Select(i => Alerts.Make(i)).ToList();
        alerts.ForEach(a => spool.Append(a));
        await using var gateway = Start(Options(port), spool);

        await Eventually.True(() => spool.Count == 0, Patience, () => $"{spool.Count} alerts still spooled");
        Assert.Equal(10, recorder.DistinctAccepted.Count);
        Assert.True(recorder.Received.Count > 10, "some alerts should have been sent twice");

        // Every receipt is a first acceptance, a duplicate, or the one that broke the stream unanswered.
        Assert.Equal(recorder.Received.Count - 10 - 1, recorder.Duplicates);
        Assert.Equal(10, gateway.Delivery.AlertsAcked);
    }

    [Fact]
    public async Task A_lost_host_is_left_for_the_next_of_the_list_at_once_and_what_it_had_not_acknowledged_goes_there()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");

        // The first host answers what it can of five alerts, then its stream breaks; the second is well.
        var dying = new RecordingGateway { DropSessionAfterAlerts = 5, Window = 5 };
        await using var first = await RecordingServer.StartAsync(RecordingServer.ReservePort(), dying);
        await using var second = await RecordingServer.StartAsync(RecordingServer.ReservePort());
        var alerts = Enumerable.Range(1, 10).Select(i => Alerts.Make(i)).ToList();
        alerts.ForEach(a => spool.Append(a));
        var options = Options(first.Port) with { FailoverServers = [second.Address], InitialBackoff = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromSeconds(30) };
        await using var gateway = Start(options, spool);

        // The backoff is 30 s: only an immediate move to the next host delivers within the patience.
        await Eventually.True(() => spool.Count == 0, Patience, () => $"{spool.Count} alerts still spooled");
        Assert.Equal(5, dying.Received.Count);
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), dying.DistinctAccepted.Union(second.Gateway.DistinctAccepted).Order());
        Assert.Contains(alerts[4].AlertId, second.Gateway.DistinctAccepted);
        Assert.All(alerts.Skip(5), a => Assert.Contains(a.AlertId, second.Gateway.DistinctAccepted));
        Assert.Equal(second.Address, gateway.Delivery.CurrentServer);
        Assert.Equal(10, gateway.Delivery.AlertsAcked);
    }

    [Fact]
    public void Server_option_takes_a_list_of_hosts_and_names_a_bad_one()
    {
        var options = GatewayOptions.Parse(["--server", "http://10.0.0.1:5081, http://10.0.0.2:5081,http://10.0.0.3:5081"]);

        Assert.Equal(new Uri("http://10.0.0.1:5081"), options.Server);
        Assert.Equal([new Uri("http://10.0.0.2:5081"), new Uri("http://10.0.0.3:5081")], options.FailoverServers);
        var bad = Assert.Throws<ArgumentException>(() => GatewayOptions.Parse(["--server", "http://10.0.0.1:5081,ftp://x"]));
        Assert.Contains("ftp://x", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_refused_as_too_many_unacknowledged_is_kept_and_sent_again()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var port = RecordingServer.ReservePort();
        var refusedOnce = new HashSet<string>();
        var recorder = new RecordingGateway
        {
            Override = a => refusedOnce.Add(a.AlertId)
                ? new AlertAck { AlertId = a.AlertId, Outcome = AlertOutcome.Rejected, RejectReason = RejectReason.TooManyUnacknowledged, Message = "window full" }
                : null,
        };
        await using var server = await RecordingServer.StartAsync(port, recorder);
        var alert = Alerts.Make(1);
        spool.Append(alert);
        await using var gateway = Start(Options(port), spool);

        await Eventually.True(() => spool.Count == 0, Patience, () => "the refused alert was never accepted");
        Assert.Equal(2, recorder.Received.Count(a => a.AlertId == alert.AlertId));
        Assert.Equal([alert.AlertId], recorder.DistinctAccepted);
    }

    [Fact]
    public async Task Alert_rejected_for_good_is_dropped_from_the_spool_and_not_sent_again()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var port = RecordingServer.ReservePort();
        var recorder = new RecordingGateway
        {
            Override = a => new AlertAck { AlertId = a.AlertId, Outcome = AlertOutcome.Rejected, RejectReason = RejectReason.UnknownCamera, Message = $"camera {a.CameraId} is unknown" },
        };
        await using var server = await RecordingServer.StartAsync(port, recorder);
        spool.Append(Alerts.Make(1));
        await using var gateway = Start(Options(port), spool);

        await Eventually.True(() => spool.Count == 0, Patience, () => "the rejected alert stayed spooled");
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Single(recorder.Received);
        Assert.Equal(1, gateway.Delivery.AlertsRejected);
        Assert.Equal(0, gateway.Delivery.AlertsAcked);
    }

    [Fact]
    public async Task Gateway_with_a_wrong_credential_delivers_nothing_and_keeps_its_alerts()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var port = RecordingServer.ReservePort();
        await using var server = await RecordingServer.StartAsync(port);
        spool.Append(Alerts.Make(1));
        await using var gateway = Start(Options(port, credential: "wrong"), spool);

        await Eventually.True(() => server.Gateway.Hellos.Count >= 2, Patience, () => "the gateway should retry its Hello");
        Assert.Empty(server.Gateway.Received);
        Assert.Equal(1, spool.Count);
        Assert.Equal(0, gateway.Delivery.Sessions);
    }

    [Fact]
    public async Task Gateway_never_has_more_alerts_in_flight_than_the_window()
    {
        using var dir = new TempDirectory("delivery");
        using var spool = AlertSpool.Open(dir.Path, "gw-t");
        var port = RecordingServer.ReservePort();

        // Acks are withheld entirely: the gateway must stop at the window and wait.
        var recorder = new RecordingGateway { Window = 3 };
        recorder.AckGate.Reset();
        await using var server = await RecordingServer.StartAsync(port, recorder);
        Enumerable.Range(1, 10).Select(i => Alerts.Make(i)).ToList().ForEach(a => spool.Append(a));
        await using var gateway = Start(Options(port), spool);

        await Eventually.True(() => recorder.Received.Count >= 3, Patience, () => "nothing arrived");
        await Task.Delay(400, TestContext.Current.CancellationToken);
        Assert.Equal(3, recorder.Received.Count);

        recorder.AckGate.Set();
        await Eventually.True(() => spool.Count == 0, Patience, () => $"{spool.Count} alerts still spooled");
    }
}
