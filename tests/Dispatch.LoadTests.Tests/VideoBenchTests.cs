using Dispatch.VideoBench;

namespace Dispatch.LoadTests.Tests;

public sealed class VideoBenchTests
{
    [Fact]
    public void The_defaults_are_the_targets_run_four_cameras_sixteen_viewers_at_five_fps_640x360()
    {
        var (options, error) = VideoBenchOptions.Parse([]);

        Assert.Null(error);
        Assert.Equal((4, 16, 4, 5.0, 640, 360), (options!.Cameras, options.Viewers, options.Pages, options.Fps, options.WidthPx, options.HeightPx));
    }

    [Theory]
    [InlineData(new[] { "--cameras", "4", "--viewers", "3" }, "--viewers 3 must be at least --cameras 4: every camera is watched")]
    [InlineData(new[] { "--viewers", "2", "--pages", "3", "--cameras", "1" }, "--pages 3 must be at most --viewers 2")]
    [InlineData(new[] { "--fps", "fast" }, "--fps must be a number within 0.5..30, got 'fast'")]
    [InlineData(new[] { "--clips", "maybe" }, "--clips must be on or off, got 'maybe'")]
    [InlineData(new[] { "--cameras" }, "--cameras needs a value")]
    [InlineData(new[] { "--frobnicate", "1" }, "unknown option '--frobnicate'")]
    public void A_bad_option_is_refused_naming_it(string[] args, string expected)
    {
        var (options, error) = VideoBenchOptions.Parse(args);

        Assert.Null(options);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void The_machine_cpu_counts_every_state_but_idle_and_iowait_as_busy()
    {
        var before = MachineCpu.Parse("cpu  100 0 50 800 50 0 0 0 0 0");
        var after = MachineCpu.Parse("cpu  400 0 150 1200 50 0 0 0 0 0");

        Assert.Equal((150L, 1000L), before);
        Assert.Equal((550L, 1800L), after);
        // 400 of 800 jiffies busy over the interval: half of every core.
        Assert.Equal(0.5 * Environment.ProcessorCount, MachineCpu.BusyCores(before, after, 4), 6);
    }

    [Fact]
    public void Sixteen_viewers_on_four_pages_watch_every_camera_on_every_page()
    {
        var (options, _) = VideoBenchOptions.Parse([]);

        var plan = VideoBenchProgram.Plan(["c1", "c2", "c3", "c4"], options!);

        Assert.Equal(4, plan.Count);
        Assert.All(plan, page => Assert.Equal(["c1", "c2", "c3", "c4"], page));
    }

    [Fact]
    public void Uneven_viewers_spread_over_the_pages_and_cameras_in_turn()
    {
        var (options, _) = VideoBenchOptions.Parse(["--cameras", "2", "--viewers", "5", "--pages", "2"]);

        var plan = VideoBenchProgram.Plan(["c1", "c2"], options!);

        Assert.Equal([["c1", "c2", "c1"], ["c2", "c1"]], plan.Select(p => p.ToArray()).ToArray());
    }

    [Fact]
    public void A_metric_is_the_sum_of_its_label_sets_and_a_longer_name_is_another_metric()
    {
        const string Exposition = """
            # HELP dispatch_video_frames_sent_total Live frames written to viewers.
            # TYPE dispatch_video_frames_sent_total counter
            dispatch_video_frames_sent_total 120
            dispatch_video_frames_sent_total_extra 7
            dispatch_video_viewers{profile="console"} 3
            dispatch_video_viewers{profile="terminal"} 1
            process_cpu_seconds_total 12.5
            """;

        Assert.Equal(120, HostMetrics.Value(Exposition, "dispatch_video_frames_sent_total"));
        Assert.Equal(4, HostMetrics.Value(Exposition, "dispatch_video_viewers"));
        Assert.Equal(12.5, HostMetrics.Value(Exposition, "process_cpu_seconds_total"));
        Assert.Equal(0, HostMetrics.Value(Exposition, "dispatch_video_frames_dropped_total"));
    }
}
