using Dispatch.Testing;
using Dispatch.Vision.Analytics;
using Dispatch.Vision.Synthetic;

namespace Dispatch.Vision.Tests;

public sealed class GeneratedVideoTests
{
    private static readonly CameraAnalyticsSettings ZoneAndGate = new()
    {
        Zones = [new ZoneRule(SceneRuns.Yard)],
        Lines = [SceneRuns.Gate],
    };

    [Fact]
    public void Figure_walking_into_the_zone_and_across_the_line_in_a_video_raises_one_intrusion_and_one_directed_crossing()
    {
        using var dir = new TempDirectory("vision-video");
        var path = dir.File("walk.avi");
        using (var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 11, [SceneRuns.WalkAcross(0.1, 0.9, seconds: 6)]))
        {
            SyntheticVideo.Write(path, scene, TimeSpan.FromSeconds(8), SceneRuns.Fps);
        }

        var events = SceneRuns.AnalyseVideo(path, ZoneAndGate);

        var crossing = Assert.Single(events, e => e.Kind == AnalyticsEventKind.LineCrossing);
        Assert.Equal("gate", crossing.Attributes["line"]);

        // Walking towards +x across a line drawn downwards: from its right-hand side to its left.
        Assert.Equal("right_to_left", crossing.Attributes["direction"]);
        var intrusion = Assert.Single(events, e => e.Kind == AnalyticsEventKind.Intrusion);
        Assert.Equal("yard", intrusion.Attributes["zone"]);
        Assert.True(crossing.At < intrusion.At, $"crossing at {crossing.At} should precede intrusion at {intrusion.At}");

        // The figure reaches x = 0.5 at 1 + 6 * 0.5 = 4 s and the zone (x = 0.65) at 4.9 s.
        Assert.InRange(crossing.At.TotalSeconds, 3.5, 5.0);
        Assert.InRange(intrusion.At.TotalSeconds, 4.8, 6.0);
        var box = Assert.Single(intrusion.Boxes);
        Assert.InRange(box.Foot.X, 0.6, 0.85);
        Assert.Equal("person", box.Label);
    }

    [Fact]
    public void Figure_walking_the_other_way_crosses_left_to_right_and_raises_no_intrusion()
    {
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 12, [SceneRuns.WalkAcross(0.6, 0.1, seconds: 5)]);

        var events = SceneRuns.Analyse(scene, ZoneAndGate, TimeSpan.FromSeconds(7));

        var crossing = Assert.Single(events);
        Assert.Equal(AnalyticsEventKind.LineCrossing, crossing.Kind);
        Assert.Equal("left_to_right", crossing.Attributes["direction"]);
    }

    [Fact]
    public void Still_scene_in_a_video_raises_no_alert_and_runs_no_detector()
    {
        using var dir = new TempDirectory("vision-still");
        var path = dir.File("still.avi");
        using (var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 13))
        {
            SyntheticVideo.Write(path, scene, TimeSpan.FromSeconds(6), SceneRuns.Fps);
        }

        var detector = new CountingDetector();
        var events = SceneRuns.AnalyseVideo(path, ZoneAndGate with { CrowdAbove = 0 }, detector);

        Assert.Empty(events);

        // Motion gating: MOG2 needs a few frames to learn the background, after that the detector rests.
        Assert.InRange(detector.Calls, 0, 5);
    }

    [Fact]
    public void Line_that_alerts_only_left_to_right_ignores_a_right_to_left_crossing()
    {
        var oneWay = new CameraAnalyticsSettings
        {
            Lines = [new Geometry.DirectedLine("gate", SceneRuns.Gate.From, SceneRuns.Gate.To, Geometry.CrossingFilter.LeftToRight)],
        };
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 14, [SceneRuns.WalkAcross(0.2, 0.8, seconds: 4)]);

        Assert.Empty(SceneRuns.Analyse(scene, oneWay, TimeSpan.FromSeconds(6)));
    }

    private sealed class CountingDetector : Detection.IPersonDetector
    {
        private readonly Detection.MotionBlobPersonDetector _inner = new();

        public int Calls { get; private set; }

        public string Name => "counting";

        public IReadOnlyList<Detection.PersonDetection> Detect(OpenCvSharp.Mat bgrFrame, Detection.MotionResult motion)
        {
            Calls++;
            return _inner.Detect(bgrFrame, motion);
        }

        public void Dispose() => _inner.Dispose();
    }
}
