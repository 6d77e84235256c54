using Dispatch.Testing;
using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Metrics;
using Grpc.Net.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Live;

/// <summary>What the live hubs report on /metrics: open connections by hub, and alert-to-terminal latency.</summary>
public sealed class HubMetricsTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    [Theory]
    [InlineData(TerminalHub.Path, TerminalHub.MetricsHubName)]
    [InlineData(OperationsHub.Path, OperationsHub.MetricsHubName)]
    public async Task A_connecting_client_moves_its_hubs_connection_gauge_up_and_leaving_moves_it_back(string path, string hub)
    {
        using var http = TestAccounts.Http(fixture.Host.BaseAddress);
        var labels = $"hub=\"{hub}\"";
        var before = (await Scrape.FromAsync(http)).Value("dispatch_signalr_connections", labels);
        Assert.NotNull(before);

        var client = await fixture.Host.ConnectAsync(path);
        var connected = await GaugeAsync(http, labels, v => v == before + 1);
        await client.DisposeAsync();
        var left = await GaugeAsync(http, labels, v => v == before);

        Assert.Equal(before + 1, connected);
        Assert.Equal(before, left);
    }

    [Fact]
    public async Task A_dispatch_for_a_camera_alert_pushed_to_a_terminal_records_the_alert_to_terminal_latency()
    {
        using var http = TestAccounts.Http(fixture.Host.BaseAddress);
        const string metric = "dispatch_alert_delivery_duration_seconds_count";
        var before = (await Scrape.FromAsync(http)).Value(metric) ?? 0;
        var camera = fixture.Cluster.City.Cameras[3];

        // A gateway's alert over real gRPC opens an incident; the engine dispatches units, whose terminals get the push.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{fixture.Host.GrpcPort}");
        var (session, _) = await GatewaySession.ConnectAsync(
            new CameraGateway.CameraGatewayClient(channel), AlertTestHost.Hello(camera.GatewayId, LiveTestHost.GatewayCredential));
        string incidentId;
        await using (session)
        {
            var ack = await session.SendAsync(AlertTestHost.NewAlert(camera.Id, AlertKind.Fight));
            Assert.Equal(AlertOutcome.Accepted, ack.Outcome);
            incidentId = ack.IncidentId;
        }

        // The dispatch first (slow on a busy machine), then the push it caused, which is on its way by then.
        var incident = await Eventually.Get(
            () => fixture.Host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync(), i => i?.Assignments.Count > 0, "a unit dispatched to the camera's incident",
            TimeSpan.FromSeconds(60));
        var after = await GaugeAsync(http, metric, "", v => v > before);

        Assert.Equal(IncidentSource.Camera, incident!.Source);
        Assert.True(after > before, $"{metric} stayed at {before}");
    }

    [Fact]
    public async Task A_dispatch_whose_unit_change_arrives_before_its_incident_is_recorded_when_the_incident_arrives()
    {
        using var http = TestAccounts.Http(fixture.Host.BaseAddress);
        const string metric = "dispatch_alert_delivery_duration_seconds_count";
        var before = (await Scrape.FromAsync(http)).Value(metric) ?? 0;
        var observer = fixture.Host.Services.GetRequiredService<LiveHostObserver>();
        var now = DateTimeOffset.UtcNow;
        const string incidentId = "INC-ORDER-1";
        var unit = new LiveUnit("UNIT-ORDER-1", "Order 1", Dispatch.Domain.Units.UnitKind.Car, "ST-ORDER", Dispatch.Domain.Units.UnitStatus.Dispatched,
            36.66, 117.0, now, null, new LiveUnitAssignment(incidentId, "3min", 36.661, 117.001, now, now.AddSeconds(30), 1));
        var incident = new LiveIncident(incidentId, "fight", 3, 36.661, 117.001, "order test", IncidentSource.Camera, IncidentStatus.Open,
            now.AddSeconds(-1), null, null, null, [], [new LiveIncidentAssignment(unit.UnitId, "3min", AssignmentState.Dispatched, now, 60, null)]);

        // Two notifier batches: the unit's dispatch first, pushed to pages before its incident reaches this host.
        await using var page = await fixture.Host.ConnectAsync(OperationsHub.Path);
        var unitPushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.On<LiveDelta<LiveUnit>>(OperationsEvents.UnitChanged, d =>
        {
            if (d.Item.UnitId == unit.UnitId)
            {
                unitPushed.TrySetResult();
            }
        });
        await page.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, TestContext.Current.CancellationToken);
        await observer.ReceiveAsync([new UnitUpdate(DateTimeOffset.UtcNow.UtcTicks, unit)]);
        await unitPushed.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        await observer.ReceiveAsync([new IncidentUpdate(DateTimeOffset.UtcNow.UtcTicks, incident)]);
        var after = await GaugeAsync(http, metric, "", v => v > before);

        Assert.Equal(before + 1, after);
    }

    /// <summary>Scrapes until the gauge satisfies <paramref name="expected"/> (exporters may refresh on their own tick) and returns the last value.</summary>
    private static Task<double?> GaugeAsync(HttpClient http, string labels, Func<double?, bool> expected) =>
        GaugeAsync(http, "dispatch_signalr_connections", labels, expected);

    private static async Task<double?> GaugeAsync(HttpClient http, string metric, string labels, Func<double?, bool> expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double? value;
        do
        {
            value = (await Scrape.FromAsync(http)).Value(metric, labels);
            if (expected(value))
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        return value;
    }
}
