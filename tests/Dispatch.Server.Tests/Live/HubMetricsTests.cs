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

        var incident = await fixture.Host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        var after = await GaugeAsync(http, metric, "", v => v > before);

        Assert.Equal(IncidentSource.Camera, incident!.Source);
        Assert.True(after > before, $"{metric} stayed at {before}");
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
