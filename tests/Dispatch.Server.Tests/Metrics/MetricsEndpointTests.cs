using Dispatch.Contracts.V1;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Metrics;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Scrape_of_a_running_host_with_orleans_meters_passes_promtool_check_metrics()
    {
        await using var factory = new DispatchServerFactory();
        using var client = factory.CreateClient();
        // A grain call first, so Orleans' own instruments have measurements in the scrape.
        (await client.GetAsync("/health/ready", TestContext.Current.CancellationToken)).Dispose();
        var metrics = factory.Services.GetRequiredService<DispatchMetrics>();
        metrics.RecordDispatchDecision(TimeSpan.FromMilliseconds(4));
        metrics.AlertRejected(AlertRejection.Cooldown);

        var scrape = await Scrape.FromAsync(client);
        var (exitCode, output) = await Promtool.RunAsync(scrape.Text, "check", "metrics");

        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{output}");
        Assert.Contains(scrape.SampleNames, n => n.StartsWith("orleans_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rejected_alerts_are_a_counter_labelled_by_reason_and_duplicates_a_counter_of_their_own()
    {
        await using var factory = new DispatchServerFactory();
        using var client = factory.CreateClient();
        var metrics = factory.Services.GetRequiredService<DispatchMetrics>();

        metrics.AlertDuplicate();
        metrics.AlertDuplicate();
        metrics.AlertRejected(AlertRejection.UnknownCamera);
        metrics.AlertRejected(AlertRejection.TooLarge);
        metrics.AlertAccepted();
        var scrape = await Scrape.FromAsync(client);

        Assert.Equal("counter", scrape.TypeOf("dispatch_alerts_rejected_total"));
        Assert.Equal("counter", scrape.TypeOf("dispatch_alerts_duplicate_total"));
        Assert.Equal(2, scrape.Value("dispatch_alerts_duplicate_total"));
        Assert.Null(scrape.Value("dispatch_alerts_rejected_total", "reason=\"duplicate\""));
        Assert.Equal(1, scrape.Value("dispatch_alerts_rejected_total", "reason=\"unknown_camera\""));
        Assert.Equal(1, scrape.Value("dispatch_alerts_rejected_total", "reason=\"too_large\""));
        Assert.Equal(0, scrape.Value("dispatch_alerts_rejected_total", "reason=\"cooldown\""));
        Assert.Equal(1, scrape.Value("dispatch_alerts_accepted_total"));
    }

    [Fact]
    public async Task Decision_latency_is_a_histogram_in_seconds()
    {
        await using var factory = new DispatchServerFactory();
        using var client = factory.CreateClient();
        var metrics = factory.Services.GetRequiredService<DispatchMetrics>();

        metrics.RecordDispatchDecision(TimeSpan.FromMilliseconds(3));
        metrics.RecordDispatchDecision(TimeSpan.FromMilliseconds(700));
        var scrape = await Scrape.FromAsync(client);

        Assert.Equal("histogram", scrape.TypeOf("dispatch_decision_duration_seconds"));
        Assert.Equal(2, scrape.Value("dispatch_decision_duration_seconds_count"));
        Assert.Equal(0.703, scrape.Value("dispatch_decision_duration_seconds_sum")!.Value, precision: 6);
        Assert.Equal(1, scrape.Value("dispatch_decision_duration_seconds_bucket", "le=\"0.004\""));
    }

    [Fact]
    public async Task Connection_and_stream_gauges_follow_opens_and_closes()
    {
        await using var factory = new DispatchServerFactory();
        using var client = factory.CreateClient();
        var metrics = factory.Services.GetRequiredService<DispatchMetrics>();

        metrics.ConnectionOpened("terminal");
        metrics.ConnectionOpened("terminal");
        metrics.ConnectionClosed("terminal");
        metrics.GatewayStreamOpened();
        metrics.CameraHealthChanged("cam-1", online: true);
        metrics.CameraHealthChanged("cam-2", online: true);
        metrics.CameraHealthChanged("cam-2", online: false);
        var scrape = await Scrape.FromAsync(client);

        Assert.Equal("gauge", scrape.TypeOf("dispatch_signalr_connections"));
        Assert.Equal(1, scrape.Value("dispatch_signalr_connections", "hub=\"terminal\""));
        Assert.Equal(0, scrape.Value("dispatch_signalr_connections", "hub=\"operations\""));
        Assert.Equal(1, scrape.Value("dispatch_gateway_streams"));
        Assert.Equal(1, scrape.Value("dispatch_cameras", "state=\"online\""));
        Assert.Equal(1, scrape.Value("dispatch_cameras", "state=\"offline\""));
    }

    [Fact]
    public async Task A_grpc_stream_with_one_good_and_one_bad_alert_moves_the_alert_stream_and_camera_series()
    {
        using var directory = new TempDirectory("dispatch-metrics-grpc");
        await using var host = new AlertTestHost(directory);
        var client = host.Start();
        using var http = host.Http();
        var before = await Scrape.FromAsync(http);
        var (session, _) = await GatewaySession.ConnectAsync(client, Hello(Gateway, Credential, new CameraInfo { CameraId = CameraId(11) }));
        var bad = NewAlert(CameraId(11), AlertKind.Intrusion);
        bad.Confidence = 2;

        var good = await session.SendAsync(NewAlert(CameraId(11), AlertKind.Intrusion));
        var refused = await session.SendAsync(bad);
        var during = await Scrape.FromAsync(http);
        await session.CloseAsync();
        await session.DisposeAsync();
        var after = await EventuallyAsync(http, s => s.Value("dispatch_gateway_streams") == 0);

        Assert.Equal((AlertOutcome.Accepted, AlertOutcome.Rejected), (good.Outcome, refused.Outcome));
        Assert.Equal((0, 0), (before.Value("dispatch_alerts_accepted_total"), before.Value("dispatch_alerts_rejected_total", "reason=\"invalid\"")));
        Assert.Equal(1, during.Value("dispatch_alerts_accepted_total"));
        Assert.Equal(1, during.Value("dispatch_alerts_rejected_total", "reason=\"invalid\""));
        Assert.Equal(0, during.Value("dispatch_alerts_duplicate_total"));
        Assert.Equal(1, during.Value("dispatch_gateway_streams"));
        Assert.Equal(1, during.Value("dispatch_cameras", "state=\"online\""));
        Assert.Equal(0, after.Value("dispatch_gateway_streams"));
    }

    private static async Task<Scrape> EventuallyAsync(HttpClient http, Func<Scrape, bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await Scrape.FromAsync(http);
            if (condition(scrape) || DateTime.UtcNow > until)
            {
                return scrape;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
