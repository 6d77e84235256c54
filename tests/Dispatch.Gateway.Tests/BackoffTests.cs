using Dispatch.Gateway.Delivery;

namespace Dispatch.Gateway.Tests;

public sealed class BackoffTests
{
    private static readonly Backoff Policy = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), new Random(7));

    [Fact]
    public void Nominal_delay_doubles_per_attempt_up_to_the_cap()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), Policy.Nominal(0));
        Assert.Equal(TimeSpan.FromSeconds(1), Policy.Nominal(1));
        Assert.Equal(TimeSpan.FromSeconds(4), Policy.Nominal(3));
        Assert.Equal(TimeSpan.FromSeconds(30), Policy.Nominal(6));
        Assert.Equal(TimeSpan.FromSeconds(30), Policy.Nominal(1000));
    }

    [Fact]
    public void Jittered_delay_lies_between_half_and_all_of_the_nominal_and_varies()
    {
        var delays = Enumerable.Range(0, 200).Select(_ => Policy.Delay(4)).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)));
        Assert.True(delays.Distinct().Count() > 150, "delays should be spread, not identical");
        Assert.True(delays.Max() - delays.Min() > TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Max_below_initial_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
    }
}
