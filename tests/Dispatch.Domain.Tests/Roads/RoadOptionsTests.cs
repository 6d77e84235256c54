using Dispatch.Domain.Eta;
using Dispatch.Domain.Roads;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadOptionsTests
{
    [Fact]
    public void Default_speed_and_eta_options_are_valid()
    {
        Assert.Empty(new RoadSpeedOptions().Validate());
        Assert.Empty(new RoadEtaOptions().Validate());
    }

    [Fact]
    public void Speed_errors_name_the_full_key_and_value()
    {
        var options = new RoadSpeedOptions { UrbanSpeedFactor = 1.5 };
        options.CarKmh[RoadClass.Primary] = 0;

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:Road:Speeds:UrbanSpeedFactor", StringComparison.Ordinal) && e.Contains("1.5", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:Road:Speeds:CarKmh:Primary", StringComparison.Ordinal));
    }

    [Fact]
    public void Eta_option_errors_name_the_key_and_the_estimator_refuses_them()
    {
        var options = new RoadEtaOptions { MaxSearchSeconds = -1 };

        Assert.Contains(options.Validate(), e => e.StartsWith("Dispatch:Eta:Road:MaxSearchSeconds", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new RoadEtaEstimator(RoadNetworks.Graph(RoadNetworks.Road(RoadClass.Primary, (0, 0), (1, 0))), options));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("none")]
    [InlineData("signals")]
    public void Maxspeed_without_a_fixed_limit_is_no_limit(string? value)
    {
        var parsed = MaxSpeed.Parse(value);

        Assert.True(parsed.IsOk);
        Assert.Null(parsed.Value);
    }

    [Theory]
    [InlineData("50;30")]
    [InlineData("0")]
    [InlineData("walk fast")]
    public void Maxspeed_that_is_not_one_speed_is_refused(string value)
    {
        Assert.False(MaxSpeed.Parse(value).IsOk);
    }
}
