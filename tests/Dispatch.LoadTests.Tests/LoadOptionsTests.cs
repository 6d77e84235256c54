namespace Dispatch.LoadTests.Tests;

public sealed class LoadOptionsTests
{
    [Fact]
    public void Options_from_the_command_line_set_the_run()
    {
        var options = LoadOptions.Parse(["--duration", "12", "--cameras", "60000", "--units", "10000", "--position-hz", "1", "--alert-rate", "200", "--no-baselines"]);

        Assert.Equal(12, options.DurationSeconds);
        Assert.Equal(60_000, options.Cameras);
        Assert.Equal(10_000, options.Units);
        Assert.Equal(1, options.PositionHz);
        Assert.Equal(200, options.AlertRate);
        Assert.False(options.Baselines);
    }

    [Theory]
    [InlineData(new[] { "--alert-rate", "200", "--warmup", "30" }, 50)]
    [InlineData(new[] { "--alert-rate", "20", "--warmup", "30" }, 20)]
    [InlineData(new[] { "--alert-rate", "200", "--warmup", "30", "--warmup-rate", "120" }, 120)]
    public void A_warm_up_runs_at_a_rate_the_host_sustains_unless_told(string[] arguments, double expected)
    {
        var options = LoadOptions.Parse(arguments);

        Assert.Equal(30, options.WarmupSeconds);
        Assert.Equal(expected, options.EffectiveWarmupRate);
    }

    [Fact]
    public void A_warm_up_rate_of_zero_is_refused_naming_the_option()
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--warmup-rate", "0"]));

        Assert.Contains("--warmup-rate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--target", "http://10.0.0.5:5080", "127.0.0.1")]
    [InlineData("--target", "http://localhost:5080", "127.0.0.1")]
    [InlineData("--target", "http://127.0.0.1", "HTTP port")]
    [InlineData("--gateways", "0", "--gateways")]
    [InlineData("--duration", "0", "--duration")]
    [InlineData("--alert-rate", "fast", "--alert-rate")]
    [InlineData("--frobnicate", "1", "--frobnicate")]
    public void Bad_option_is_refused_naming_it(string name, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse([name, value]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loopback_target_is_accepted_with_its_grpc_port()
    {
        var options = LoadOptions.Parse(["--target", "http://127.0.0.1:5080", "--grpc-port", "5081"]);

        Assert.Equal(new Uri("http://127.0.0.1:5080"), options.Target);
        Assert.Equal(5081, options.GrpcPort);
    }
}
