using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Contracts.V1;
using Dispatch.Gateway.Delivery;
using Dispatch.Gateway.Spool;
using Dispatch.Testing;

namespace Dispatch.Gateway.Tests;

/// <summary>The reference gateway's spool and delivery against the real Dispatch host, not a recording stand-in.</summary>
public sealed class RealHostDeliveryTests
{
    private const int AlertCount = 30;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact(Timeout = 150_000)]
    public async Task Alerts_spooled_before_the_real_host_listens_are_each_accepted_once_and_a_replay_is_answered_as_duplicates()
    {
        using var directory = new TempDirectory("gateway-real-host");
        var port = RecordingServer.ReservePort();
        var options = Options(port);
        var alerts = Enumerable.Range(1, AlertCount).Select(i => Alerts.Make(i)).ToList();

        // Nothing listens on the port yet: the gateway keeps its alerts and keeps trying.
        using var spool = AlertSpool.Open(Path.Combine(directory.Path, "spool"), DispatchHost.GatewayId);
        using var replaySpool = AlertSpool.Open(Path.Combine(directory.Path, "replay"), DispatchHost.GatewayId);
        await using var gateway = Run(options, spool);
        await using var replay = Run(options, replaySpool, start: false);
        alerts.ForEach(a => spool.Append(a));
        await Eventually.True(() => gateway.Delivery.FailedAttempts >= 2, Patience, () => "the gateway should keep retrying while no host listens");
        Assert.Equal(AlertCount, spool.Count);

        await using var host = DispatchHost.Start(directory, port);
        await Eventually.True(() => spool.Count == 0, Patience, () => $"{spool.Count} alerts still spooled");
        var acceptedAfterDelivery = await host.MetricAsync("dispatch_alerts_accepted_total");
        var archived = await ArchivedAsync(host, alerts);

        // A gateway that crashed before recording its acks replays the same alerts from an older copy of its spool.
        alerts.ForEach(a => replaySpool.Append(a));
        replay.Start();
        await Eventually.True(() => replaySpool.Count == 0, Patience, () => $"{replaySpool.Count} replayed alerts still spooled");
        var duplicates = await host.MetricAsync("dispatch_alerts_duplicate_total");
        var acceptedAfterReplay = await host.MetricAsync("dispatch_alerts_accepted_total");
        var incidentAlerts = await IncidentAlertCountAsync(host, archived[0].IncidentId);

        // The gateways' streams end before the host stops, as they would when a gateway shuts down.
        await replay.DisposeAsync();
        await gateway.DisposeAsync();

        Assert.Equal(AlertCount, gateway.Delivery.AlertsAcked);
        Assert.Equal(AlertCount, acceptedAfterDelivery);
        Assert.Equal(alerts.Select(a => a.AlertId).Order(StringComparer.Ordinal), archived.Select(a => a.AlertId).Order(StringComparer.Ordinal));
        var incident = Assert.Single(archived.Select(a => a.IncidentId).Distinct()); // one camera, one scene: one incident
        Assert.False(string.IsNullOrEmpty(incident));
        Assert.Equal(AlertCount, replay.Delivery.AlertsAcked);
        Assert.Equal(0, replay.Delivery.AlertsRejected);
        Assert.Equal(AlertCount, acceptedAfterReplay);
        Assert.Equal(AlertCount, duplicates);
        Assert.Equal(AlertCount, incidentAlerts);
    }

    private static DeliveryOptions Options(int port) => new()
    {
        Server = new Uri($"http://127.0.0.1:{port}"),
        GatewayId = DispatchHost.GatewayId,
        Credential = DispatchHost.Credential,
        Cameras =
        [
            new CameraInfo
            {
                CameraId = "gw-t-cam-01",
                Name = "yard camera",
                Location = new GeoLocation { Latitude = DispatchHost.Center.Latitude + 0.001, Longitude = DispatchHost.Center.Longitude },
            },
        ],
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromMilliseconds(500),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        RetryRejectedAfter = TimeSpan.FromMilliseconds(100),
    };

    private static async Task<List<(string AlertId, string IncidentId)>> ArchivedAsync(DispatchHost host, IEnumerable<Alert> alerts)
    {
        using var http = host.Http();
        var found = new List<(string, string)>();
        foreach (var alert in alerts)
        {
            var archived = await http.GetFromJsonAsync<JsonElement>($"/api/alerts/{alert.AlertId}?gatewayId={DispatchHost.GatewayId}", TestContext.Current.CancellationToken);
            found.Add((archived.GetProperty("alertId").GetString()!, archived.GetProperty("incidentId").GetString()!));
        }

        return found;
    }

    private static async Task<int> IncidentAlertCountAsync(DispatchHost host, string incidentId)
    {
        using var http = host.Http();
        var alerts = await http.GetFromJsonAsync<JsonElement>($"/api/incidents/{incidentId}/alerts", TestContext.Current.CancellationToken);
        return alerts.GetArrayLength();
    }

    private static Running Run(DeliveryOptions options, AlertSpool spool, bool start = true)
    {
        var running = new Running(new AlertDelivery(options, spool));
        if (start)
        {
            running.Start();
        }

        return running;
    }

    /// <summary>A gateway's delivery loop; disposing it (once or more) stops it and ends its stream.</summary>
    private sealed class Running(AlertDelivery delivery) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task? _task;
        private bool _disposed;

        public AlertDelivery Delivery => delivery;

        public void Start() => _task ??= delivery.RunAsync(_stop.Token);

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stop.CancelAsync();
            if (_task is not null)
            {
                await _task;
            }

            _stop.Dispose();
        }
    }
}
