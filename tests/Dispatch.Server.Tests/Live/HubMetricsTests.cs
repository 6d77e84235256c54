using Dispatch.Server.Live;
using Dispatch.Server.Tests.Metrics;

namespace Dispatch.Server.Tests.Live;

/// <summary>The hubs count their open connections on /metrics (dispatch_signalr_connections, by hub).</summary>
public sealed class HubMetricsTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    [Theory]
    [InlineData(TerminalHub.Path, TerminalHub.MetricsHubName)]
    [InlineData(OperationsHub.Path, OperationsHub.MetricsHubName)]
    public async Task A_connecting_client_moves_its_hubs_connection_gauge_up_and_leaving_moves_it_back(string path, string hub)
    {
        using var http = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
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

    /// <summary>Scrapes until the gauge satisfies <paramref name="expected"/> (exporters may refresh on their own tick) and returns the last value.</summary>
    private static async Task<double?> GaugeAsync(HttpClient http, string labels, Func<double?, bool> expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        double? value;
        do
        {
            value = (await Scrape.FromAsync(http)).Value("dispatch_signalr_connections", labels);
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
