using Dispatch.Domain.Eta;

namespace Dispatch.Domain.Tests.Eta;

public sealed class StraightLineEtaOptionsTests
{
    [Fact]
    public void Default_options_are_valid()
    {
        Assert.Empty(new StraightLineEtaOptions().Validate());
    }

    [Fact]
    public void Detour_factor_of_exactly_one_is_valid()
    {
        Assert.Empty(new StraightLineEtaOptions { DetourFactor = 1 }.Validate());
    }

    [Theory]
    [InlineData(0.99, "0.99")]
    [InlineData(0.0, "0")]
    [InlineData(-1.0, "-1")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void Detour_factor_below_one_or_not_finite_is_refused_naming_the_key_and_value(double detourFactor, string shown)
    {
        var errors = new StraightLineEtaOptions { DetourFactor = detourFactor }.Validate();

        var error = Assert.Single(errors);
        Assert.Equal($"Dispatch:Eta:StraightLine:DetourFactor must be a finite number >= 1, got {shown}", error);
    }

    [Theory]
    [InlineData(nameof(StraightLineEtaOptions.CarSpeedKmh), -3.0, "-3")]
    [InlineData(nameof(StraightLineEtaOptions.CarSpeedKmh), 0.0, "0")]
    [InlineData(nameof(StraightLineEtaOptions.MotorcycleSpeedKmh), double.NaN, "NaN")]
    [InlineData(nameof(StraightLineEtaOptions.BicycleSpeedKmh), double.PositiveInfinity, "Infinity")]
    [InlineData(nameof(StraightLineEtaOptions.FootSpeedKmh), -0.5, "-0.5")]
    public void Speeds_that_are_not_positive_and_finite_are_refused_naming_the_key_and_value(string key, double speedKmh, string shown)
    {
        var options = new StraightLineEtaOptions();
        typeof(StraightLineEtaOptions).GetProperty(key)!.SetValue(options, speedKmh);

        var error = Assert.Single(options.Validate());

        Assert.Equal($"Dispatch:Eta:StraightLine:{key} must be > 0 and finite, got {shown}", error);
    }

    [Fact]
    public void Every_invalid_value_is_reported()
    {
        var options = new StraightLineEtaOptions
        {
            DetourFactor = 0.5,
            CarSpeedKmh = 0,
            MotorcycleSpeedKmh = -1,
            BicycleSpeedKmh = double.NaN,
            FootSpeedKmh = double.NegativeInfinity,
        };

        var errors = options.Validate();

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:StraightLine:DetourFactor ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:StraightLine:CarSpeedKmh ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:StraightLine:MotorcycleSpeedKmh ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:StraightLine:BicycleSpeedKmh ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Eta:StraightLine:FootSpeedKmh ", StringComparison.Ordinal));
    }

    [Fact]
    public void Messages_use_the_given_section_path()
    {
        var error = Assert.Single(new StraightLineEtaOptions { FootSpeedKmh = 0 }.Validate("Zones:North:Eta"));

        Assert.StartsWith("Zones:North:Eta:FootSpeedKmh ", error, StringComparison.Ordinal);
    }
}
