using Dispatch.Vision.Health;
using Dispatch.Vision.Synthetic;
using OpenCvSharp;

namespace Dispatch.Vision.Tests;

/// <summary>A camera that delivers frames but shows nothing: a frozen picture, a black or covered lens.</summary>
public sealed class PictureHealthTests
{
    private const double Fps = 10;

    private static TimeSpan At(int frame) => TimeSpan.FromSeconds(frame / Fps);

    [Fact]
    public void A_live_static_street_with_sensor_noise_is_never_frozen_or_dark()
    {
        using var scene = new SyntheticScene(640, 360, seed: 5);
        using var monitor = new PictureHealthMonitor();
        using var frame = new Mat();
        var faults = new List<PictureFault>();
        for (var i = 0; i < 30 * Fps; i++)
        {
            scene.Render(At(i), frame);
            faults.Add(monitor.Observe(frame, At(i)).Fault);
        }

        Assert.All(faults, f => Assert.Equal(PictureFault.None, f));
        Assert.True(monitor.Current.MeanDifference > 0.3, $"noise should differ frame to frame, got {monitor.Current.MeanDifference}");
    }

    [Fact]
    public void A_repeated_picture_is_frozen_once_it_has_not_changed_for_the_set_time_and_clears_on_the_next_change()
    {
        using var scene = new SyntheticScene(640, 360, seed: 6);
        using var stuck = new Mat();
        scene.Render(TimeSpan.Zero, stuck);
        using var monitor = new PictureHealthMonitor(new PictureHealthSettings { FrozenAfterSeconds = 10 });

        var states = new List<PictureState>();
        for (var i = 0; i <= 120; i++)
        {
            states.Add(monitor.Observe(stuck, At(i)));
        }
        using var moving = new Mat();
        scene.Render(TimeSpan.FromSeconds(13), moving);
        var after = monitor.Observe(moving, At(121));

        Assert.Equal(PictureFault.None, states[99].Fault); // 9.9 s unchanged
        Assert.Equal(PictureFault.Frozen, states[100].Fault);
        Assert.Equal(TimeSpan.FromSeconds(12), states[120].FaultFor);
        Assert.Equal("picture frozen for 12 s", states[120].Describe());
        Assert.Equal(0, states[120].MeanDifference);
        Assert.Equal(PictureFault.None, after.Fault);
    }

    [Fact]
    public void A_jpeg_stream_repeating_one_encoded_frame_is_frozen()
    {
        using var scene = new SyntheticScene(640, 360, seed: 7);
        using var frame = new Mat();
        scene.Render(TimeSpan.Zero, frame);
        var jpeg = Snapshots.Snapshot.Encode(frame, 70);
        using var monitor = new PictureHealthMonitor(new PictureHealthSettings { FrozenAfterSeconds = 3 });

        PictureState last = PictureState.Unknown;
        for (var i = 0; i <= 40; i++)
        {
            using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
            last = monitor.Observe(decoded, At(i));
        }

        Assert.Equal(PictureFault.Frozen, last.Fault);
    }

    [Fact]
    public void A_covered_lens_with_sensor_noise_is_dark_not_frozen_and_only_after_the_set_time()
    {
        using var monitor = new PictureHealthMonitor(new PictureHealthSettings { DarkAfterSeconds = 5, FrozenAfterSeconds = 2 });
        using var frame = new Mat(360, 640, MatType.CV_8UC3);
        var states = new List<PictureState>();
        for (var i = 0; i <= 60; i++)
        {
            // Near black with a little noise, as a covered sensor reads.
            Cv2.Randn(frame, new Scalar(4, 4, 4), new Scalar(2, 2, 2));
            states.Add(monitor.Observe(frame, At(i)));
        }

        Assert.Equal(PictureFault.None, states[49].Fault);
        Assert.Equal(PictureFault.Dark, states[50].Fault);
        Assert.StartsWith("picture dark or covered (mean brightness ", states[60].Describe(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(6), states[60].FaultFor);
    }

    [Fact]
    public void A_black_frozen_picture_is_reported_dark_and_a_dim_night_street_is_not()
    {
        using var black = new Mat(360, 640, MatType.CV_8UC3, Scalar.All(0));
        using var blackMonitor = new PictureHealthMonitor(new PictureHealthSettings { DarkAfterSeconds = 1, FrozenAfterSeconds = 1 });
        var blackState = PictureState.Unknown;
        for (var i = 0; i < 30; i++)
        {
            blackState = blackMonitor.Observe(black, At(i));
        }

        using var scene = new SyntheticScene(640, 360, seed: 8);
        using var day = new Mat();
        using var night = new Mat();
        using var nightMonitor = new PictureHealthMonitor(new PictureHealthSettings { DarkAfterSeconds = 1 });
        var nightState = PictureState.Unknown;
        for (var i = 0; i < 30; i++)
        {
            scene.Render(At(i), day);
            day.ConvertTo(night, -1, 0.25); // a quarter of the daylight: dim, but lamps and windows still show the street
            nightState = nightMonitor.Observe(night, At(i));
        }

        Assert.Equal(PictureFault.Dark, blackState.Fault);
        Assert.Equal(PictureFault.None, nightState.Fault);
        Assert.InRange(nightState.MeanBrightness, 13, 80);
    }

    [Fact]
    public void Settings_out_of_range_are_named()
    {
        var errors = new PictureHealthSettings { FrozenAfterSeconds = 0, DarkAfterSeconds = double.NaN, DarkMaxMeanBrightness = 300 }.Validate("--");

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("frozen-after must be > 0 seconds, got 0", StringComparison.Ordinal));
    }
}
