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
    public void No_camera_is_watched_unless_asked()
    {
        var options = LoadOptions.Parse(["--duration", "12"]);

        Assert.Equal((0, 0), (options.WatchCameras, options.EffectiveWatchViewers));
    }

    [Fact]
    public void Watch_options_set_cameras_viewers_rate_and_size()
    {
        var options = LoadOptions.Parse(["--watch-cameras", "4", "--watch-viewers", "10", "--watch-fps", "8", "--watch-width", "1280", "--watch-height", "720"]);

        Assert.Equal((4, 10, 8.0, 1280, 720), (options.WatchCameras, options.EffectiveWatchViewers, options.WatchFps, options.WatchWidthPx, options.WatchHeightPx));
        Assert.Equal(4, LoadOptions.Parse(["--watch-cameras", "4"]).EffectiveWatchViewers);
        Assert.Equal(9, LoadOptions.Parse(["--watch-cameras", "9", "--target", "http://127.0.0.1:5080"]).WatchCameras);
    }

    [Theory]
    [InlineData(new[] { "--watch-cameras", "-1" }, "--watch-cameras must be within 0..256")]
    [InlineData(new[] { "--watch-cameras", "1.5" }, "--watch-cameras needs a whole number")]
    [InlineData(new[] { "--watch-cameras", "30", "--cameras", "20" }, "--watch-cameras must be at most --cameras (20), got 30")]
    [InlineData(new[] { "--watch-cameras", "9", "--gateways", "2" }, "--watch-cameras 9 is more than the started host streams from 2 gateways (4 each")]
    [InlineData(new[] { "--watch-viewers", "3" }, "--watch-viewers needs --watch-cameras")]
    [InlineData(new[] { "--watch-fps", "5" }, "--watch-fps needs --watch-cameras")]
    [InlineData(new[] { "--watch-cameras", "4", "--watch-viewers", "2" }, "--watch-viewers must be at least --watch-cameras (4)")]
    [InlineData(new[] { "--watch-cameras", "1", "--watch-viewers", "0" }, "--watch-viewers must be within 1..1024")]
    [InlineData(new[] { "--watch-cameras", "1", "--watch-fps", "0" }, "--watch-fps must be within 0.1..60")]
    [InlineData(new[] { "--watch-cameras", "1", "--watch-width", "8" }, "--watch-width must be within 16..7680")]
    [InlineData(new[] { "--watch-cameras", "1", "--watch-height", "tall" }, "--watch-height needs a number, got 'tall'")]
    public void Bad_watch_option_is_refused_naming_it(string[] arguments, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(arguments));

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
