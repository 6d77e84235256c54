using Dispatch.Gateway.Video;
using Dispatch.Vision.Synthetic;
using OpenCvSharp;

namespace Dispatch.Gateway.Tests;

/// <summary>The clip ring of one camera: which frames an alert's clip holds, and how overlapping alerts share one.</summary>
public sealed class ClipRecorderTests
{
    private static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    private sealed class Run : IDisposable
    {
        private readonly SyntheticScene _scene = new(320, 180, seed: 4);
        private readonly Mat _frame = new();

        public Run(ClipSettings settings)
        {
            Settings = settings;
            Recorder = new ClipRecorder("cam", () => Settings, Jobs.Add);
        }

        public ClipSettings Settings { get; set; }

        public ClipRecorder Recorder { get; }

        public List<ClipJob> Jobs { get; } = [];

        /// <summary>Offers frames at <paramref name="fps"/> from <paramref name="fromSeconds"/> up to (not including) <paramref name="toSeconds"/>.</summary>
        public void Frames(double fromSeconds, double toSeconds, double fps = 10)
        {
            for (var i = (int)Math.Round(fromSeconds * fps); i < (int)Math.Round(toSeconds * fps); i++)
            {
                var t = i / fps;
                _scene.Render(TimeSpan.FromSeconds(t), _frame);
                Recorder.Offer(_frame, T0.AddSeconds(t));
            }
        }

        public void Dispose()
        {
            _scene.Dispose();
            _frame.Dispose();
        }
    }

    private static double At(DateTime t) => (t - T0).TotalSeconds;

    [Fact]
    public void An_alerts_clip_holds_the_seconds_before_and_after_it_at_the_clip_rate_once_the_last_of_them_has_come()
    {
        using var run = new Run(new ClipSettings { PreSeconds = 2, PostSeconds = 2, Fps = 5 });
        run.Frames(0, 10);
        run.Recorder.Mark("a1", T0.AddSeconds(10));
        run.Frames(10, 11.9);
        var beforeEnd = run.Jobs.Count;
        run.Frames(11.9, 12.5);

        Assert.Equal(0, beforeEnd);
        var job = Assert.Single(run.Jobs);
        Assert.Equal(["a1"], job.AlertIds);
        Assert.Equal(8.0, At(job.StartUtc), 2);
        Assert.Equal(12.0, At(job.EndUtc), 2);
        Assert.InRange(job.Frames.Count, 20, 21); // 4 s at 5 fps, both ends included
        var gaps = job.Frames.Zip(job.Frames.Skip(1)).Select(p => (p.Second.CapturedAtUtc - p.First.CapturedAtUtc).TotalSeconds).ToList();
        Assert.All(gaps, g => Assert.Equal(0.2, g, 2));
        Assert.All(job.Frames, f => Assert.Equal((320, 180), (f.WidthPx, f.HeightPx)));
        Assert.All(job.Frames, f => Assert.Equal((byte)0xFF, f.Jpeg[0]));
    }

    [Fact]
    public void Alerts_whose_clips_overlap_share_one_clip_stretched_to_cover_them_within_the_longest_clip()
    {
        using var run = new Run(new ClipSettings { PreSeconds = 2, PostSeconds = 2, Fps = 5, MaxClipSeconds = 6 });
        run.Frames(0, 10);
        run.Recorder.Mark("a", T0.AddSeconds(10));
        run.Frames(10, 11);
        run.Recorder.Mark("b", T0.AddSeconds(11));
        run.Frames(11, 12);
        run.Recorder.Mark("c", T0.AddSeconds(12)); // window 8..14: 6 s, still one clip
        run.Frames(12, 13);
        run.Recorder.Mark("d", T0.AddSeconds(13)); // would make 8..15: too long, a clip of its own
        run.Frames(13, 20);

        Assert.Equal(2, run.Jobs.Count);
        Assert.Equal(["a", "b", "c"], run.Jobs[0].AlertIds);
        Assert.Equal((8.0, 14.0), (Math.Round(At(run.Jobs[0].StartUtc), 1), Math.Round(At(run.Jobs[0].EndUtc), 1)));
        Assert.Equal(["d"], run.Jobs[1].AlertIds);
        Assert.Equal((11.0, 15.0), (Math.Round(At(run.Jobs[1].StartUtc), 1), Math.Round(At(run.Jobs[1].EndUtc), 1)));
    }

    [Fact]
    public void Beyond_the_pending_limit_an_alert_gets_no_clip_and_is_counted()
    {
        using var run = new Run(new ClipSettings { PreSeconds = 1, PostSeconds = 30, Fps = 2, MaxPendingClips = 2, MaxClipSeconds = 31 });
        run.Frames(0, 5);
        run.Recorder.Mark("a", T0.AddSeconds(1));
        run.Recorder.Mark("b", T0.AddSeconds(1) - TimeSpan.FromHours(1)); // far apart: no sharing
        run.Recorder.Mark("c", T0.AddSeconds(1) + TimeSpan.FromHours(1));

        Assert.Equal(2, run.Recorder.Pending);
        Assert.Equal(1, run.Recorder.Skipped);
    }

    [Fact]
    public void A_camera_that_goes_dark_still_completes_its_clip_with_what_it_recorded_on_the_next_tick()
    {
        using var run = new Run(new ClipSettings { PreSeconds = 2, PostSeconds = 3, Fps = 5 });
        run.Frames(0, 10);
        run.Recorder.Mark("a", T0.AddSeconds(10));
        run.Frames(10, 11);
        run.Recorder.Tick(T0.AddSeconds(12.9));
        var early = run.Jobs.Count;
        run.Recorder.Tick(T0.AddSeconds(13.1));

        Assert.Equal(0, early);
        var job = Assert.Single(run.Jobs);
        Assert.Equal(10.8, At(job.EndUtc), 1);
    }

    [Fact]
    public void The_ring_keeps_only_the_longest_clips_seconds_and_nothing_while_clips_are_off()
    {
        using var run = new Run(new ClipSettings { PreSeconds = 2, PostSeconds = 2, Fps = 5, MaxClipSeconds = 10 });
        run.Frames(0, 60);
        var kept = run.Recorder.Buffered;
        run.Settings = run.Settings with { PreSeconds = 0, PostSeconds = 0 };
        run.Frames(60, 61);
        run.Recorder.Mark("off", T0.AddSeconds(60.5));

        Assert.InRange(kept, 54, 56); // 11 s (the longest clip and a second) at 5 fps
        Assert.Equal(0, run.Recorder.Buffered);
        Assert.Equal(0, run.Recorder.BufferedBytes);
        Assert.Equal(0, run.Recorder.Pending);
    }

    [Fact]
    public void Frames_wider_than_the_clip_are_scaled_down_keeping_the_aspect_ratio()
    {
        using var frame = new Mat(720, 1280, MatType.CV_8UC3, Scalar.All(90));

        var (jpeg, width, height) = ClipRecorder.Encode(frame, 640, 75);

        using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Assert.Equal((640, 360), (width, height));
        Assert.Equal((640, 360), (decoded.Width, decoded.Height));
    }
}
