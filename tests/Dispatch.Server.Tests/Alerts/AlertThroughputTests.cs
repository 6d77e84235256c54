using System.Diagnostics;
using System.Globalization;
using Dispatch.Contracts.V1;
using Dispatch.Testing;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>
/// Measures how many alerts per second the host accepts over one Connect stream and over several, each stream
/// keeping the flow-control window full. Prints figures (test output and alert-throughput.txt beside the test
/// assembly); asserts only that every alert was accepted exactly once. DISPATCH_ALERT_BENCH_COUNT sets alerts per run.
/// </summary>
public sealed class AlertThroughputTests
{
    private const int Streams = 8;

    [Fact]
    public async Task Alerts_per_second_over_one_stream_and_over_many_are_measured_with_every_alert_acked_once()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("DISPATCH_ALERT_BENCH_COUNT"), CultureInfo.InvariantCulture, out var n) ? n : 800;
        using var directory = new TempDirectory("dispatch-alert-bench");
        await using var host = new AlertTestHost(directory, settings: new Dictionary<string, string?>
        {
            [$"Dispatch:Gateways:{Gateway}:MaxUnacknowledgedAlerts"] = "512",

            // Intake throughput, not admission control: the host takes every alert the windows allow.
            ["Dispatch:Alerts:MaxAlertsInProcess"] = "4096",
        });
        var client = host.Start();
        var window = (int)(await GatewaySession.ConnectAsync(client, Hello())).Welcome.FlowControl.MaxUnacknowledgedAlerts;

        await RunAsync(client, streams: 1, count / 4, window); // warm-up: activations, JIT, first incidents
        var one = await RunAsync(client, streams: 1, count, window);
        var many = await RunAsync(client, Streams, count, window);

        var report = string.Create(CultureInfo.InvariantCulture,
            $"alert intake: {count} alerts over 1 stream: {one:F0} alerts/s; over {Streams} streams: {many:F0} alerts/s (window {window} per gateway, {Environment.ProcessorCount} cores)");
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        await File.AppendAllTextAsync(Path.Combine(AppContext.BaseDirectory, "alert-throughput.txt"), report + Environment.NewLine, TestContext.Current.CancellationToken);
        Assert.True(one > 0 && many > 0);
    }

    /// <summary>Sends <paramref name="count"/> alerts spread over the streams and the gateway's cameras; returns accepted alerts per second.</summary>
    private static async Task<double> RunAsync(Contracts.V1.CameraGateway.CameraGatewayClient client, int streams, int count, int window)
    {
        var sessions = new List<GatewaySession>();
        for (var i = 0; i < streams; i++)
        {
            sessions.Add((await GatewaySession.ConnectAsync(client, Hello())).Session);
        }

        var inFlight = new SemaphoreSlim(window);
        var watch = Stopwatch.StartNew();
        var acks = await Task.WhenAll(sessions.Select((session, s) => Task.Run(async () =>
        {
            var perStream = count / streams;
            var pending = new List<Task<AlertAck>>(perStream);
            for (var i = 0; i < perStream; i++)
            {
                await inFlight.WaitAsync(TestContext.Current.CancellationToken);
                var alert = NewAlert(CameraId(((s * perStream) + i) % 20 + 1), AlertKind.Loitering, Offset(0.04, 0.04));
                var ack = await session.PostAsync(alert);
                pending.Add(ack.ContinueWith(t => { inFlight.Release(); return t.Result; }, TaskScheduler.Default));
            }

            return await Task.WhenAll(pending);
        })));
        watch.Stop();
        foreach (var session in sessions)
        {
            await session.DisposeAsync();
        }

        var all = acks.SelectMany(a => a).ToList();
        Assert.All(all, a => Assert.Equal(AlertOutcome.Accepted, a.Outcome));
        Assert.Equal(all.Count, all.Select(a => a.AlertId).Distinct().Count());
        return all.Count / watch.Elapsed.TotalSeconds;
    }
}
