using System.Net;

namespace Dispatch.Server.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task Ready_reports_healthy_once_the_silo_serves_grain_calls()
    {
        await using var factory = new DispatchServerFactory();
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        using var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
