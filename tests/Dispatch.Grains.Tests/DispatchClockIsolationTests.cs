using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests;

/// <summary>
/// Orleans 10 reads the unkeyed TimeProvider for its own response timeouts: with a fake clock registered there,
/// moving it 45 s times out every grain-to-grain call in flight ("Response did not arrive on time in 00:00:30").
/// The dispatch clock is keyed so tests can move it freely.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class DispatchClockIsolationTests(SharedCluster cluster)
{
    [Fact]
    public async Task Moving_the_dispatch_clock_does_not_time_out_grain_calls_in_flight()
    {
        var relay = cluster.Grains.GetGrain<IRelayProbeGrain>(Random.Shared.NextInt64()).RelayAsync();
        await Task.Delay(300, TestContext.Current.CancellationToken);

        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(45));

        Assert.Equal("ok", await relay);
    }
}

public interface ISlowProbeGrain : IGrainWithIntegerKey
{
    Task SlowAsync();
}

public interface IRelayProbeGrain : IGrainWithIntegerKey
{
    Task<string> RelayAsync();
}

public sealed class SlowProbeGrain : Grain, ISlowProbeGrain
{
    public Task SlowAsync() => Task.Delay(TimeSpan.FromSeconds(1));
}

/// <summary>Calls a slow grain from inside the silo, where the silo's response timeout applies.</summary>
public sealed class RelayProbeGrain : Grain, IRelayProbeGrain
{
    public async Task<string> RelayAsync()
    {
        try
        {
            await GrainFactory.GetGrain<ISlowProbeGrain>(this.GetPrimaryKeyLong()).SlowAsync();
            return "ok";
        }
        catch (TimeoutException exception)
        {
            return exception.Message;
        }
    }
}
