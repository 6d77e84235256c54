using Dispatch.Simulator.Scenario;

namespace Dispatch.Simulator.Tests;

public sealed class ScenarioOptionsTests
{
    [Fact]
    public void Options_are_read_after_the_command_name()
    {
        var (options, error) = ScenarioOptions.Parse(["scenario", "--seed", "3", "--incidents", "40", "--speed", "90", "--rate-per-hour", "300", "--ignore-percent", "0", "--keep-db"]);

        Assert.Null(error);
        Assert.Equal(new ScenarioOptions { Seed = 3, Incidents = 40, Speed = 90, RatePerHour = 300, IgnorePercent = 0, KeepDatabase = true }, options);
    }

    [Theory]
    [InlineData("--incidents", "0", "--incidents must be a whole number > 0, got '0'")]
    [InlineData("--speed", "fast", "--speed must be a number > 0, got 'fast'")]
    [InlineData("--ignore-percent", "120", "--ignore-percent must be a number from 0 to 100, got '120'")]
    [InlineData("--colour", "red", "unknown option '--colour'")]
    public void A_bad_option_is_refused_naming_the_value(string name, string value, string expected)
    {
        var (options, error) = ScenarioOptions.Parse([name, value]);

        Assert.Null(options);
        Assert.Equal(expected, error);
    }
}
