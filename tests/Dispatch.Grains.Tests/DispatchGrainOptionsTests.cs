using Dispatch.Grains.Hosting;

namespace Dispatch.Grains.Tests;

public sealed class DispatchGrainOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(new DispatchGrainOptions().Validate());

    [Fact]
    public void Each_bad_value_is_named_with_its_full_key()
    {
        var errors = new DispatchGrainOptions
        {
            FastestUnitSpeedKmh = 0,
            MaxSearchRadiusMeters = double.NaN,
            PositionPersistInterval = TimeSpan.FromSeconds(-1),
            WaitingTierRecheckInterval = TimeSpan.Zero,
        }.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:FastestUnitSpeedKmh", StringComparison.Ordinal) && e.Contains("got 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:MaxSearchRadiusMeters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:PositionPersistInterval", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:WaitingTierRecheckInterval", StringComparison.Ordinal));
    }
}
