using Dispatch.Vision.Analytics;
using Dispatch.Vision.Geometry;
using Dispatch.Vision.Synthetic;

namespace Dispatch.Vision.Tests;

/// <summary>
/// Line crossing as a real pedestrian produces it: feet found a little either side of the line with every step
/// while someone walks beside it, and people who turn back. Judged with the default settings a camera gets.
/// </summary>
public sealed class LineCrossingTests
{
    private static readonly CameraAnalyticsSettings GateOnly = new() { Lines = [SceneRuns.Gate] };

    [Fact]
    public void Person_walking_down_along_the_line_with_feet_swinging_either_side_of_it_raises_no_crossing()
    {
        // Up to 0.025 of the frame (16 px) either side of the gate at x = 0.5 with each step, for seven seconds.
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 31, [AlongTheGate(endX: 0.40)]);

        var events = SceneRuns.Analyse(scene, GateOnly, TimeSpan.FromSeconds(12));

        Assert.Empty(events);
    }

    [Fact]
    public void Person_who_crosses_once_and_then_lingers_beside_the_line_raises_exactly_one_crossing()
    {
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 32, [AlongTheGate(endX: 0.75)]);

        var events = SceneRuns.Analyse(scene, GateOnly, TimeSpan.FromSeconds(12));

        var crossing = Assert.Single(events);
        Assert.Equal(AnalyticsEventKind.LineCrossing, crossing.Kind);
        Assert.Equal("gate", crossing.Attributes["line"]);
        Assert.True(crossing.At.TotalSeconds > 8, $"the crossing was raised at {crossing.At.TotalSeconds:F1} s, while the person still walked beside the line");
    }

    [Fact]
    public void Person_turning_back_over_the_line_at_once_raises_one_crossing_and_again_after_the_cooldown()
    {
        var rules = new RuleEngine(GateOnly with { PersistenceFrames = 1 });
        var tracker = new Dispatch.Vision.Analytics.CentroidTracker(maxStep: 0.2, maxGap: TimeSpan.FromSeconds(2));
        var events = new List<AnalyticsEvent>();
        var at = TimeSpan.Zero;
        void WalkTo(double toX, double seconds)
        {
            var fromX = tracker.Tracks.Count == 0 ? 0.3 : tracker.Tracks[0].Box.Foot.X;
            for (var step = 1; step <= seconds * 10; step++)
            {
                at += TimeSpan.FromSeconds(0.1);
                var x = fromX + ((toX - fromX) * step / (seconds * 10));
                var feet = new NormalizedBox(x - 0.025, 0.5, 0.05, 0.3, "person", 0.9);
                events.AddRange(rules.Evaluate(tracker.Update([feet], at), at));
            }
        }

        WalkTo(0.3, 0.5);
        WalkTo(0.7, 2);    // crosses
        WalkTo(0.3, 2);    // straight back: 2 s later, the same event
        WalkTo(0.3, 3);    // stands (the detector still sees the person)
        WalkTo(0.7, 2);    // crosses again, 7 s after the first

        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(AnalyticsEventKind.LineCrossing, e.Kind));
        Assert.Equal(events[0].Attributes["direction"], events[1].Attributes["direction"]);
        Assert.Single(events.Select(e => e.Attributes["track_id"]).Distinct());
    }

    [Fact]
    public void A_crossing_carries_its_line_and_an_intrusion_its_zone_as_outlines_for_the_snapshot()
    {
        var settings = new CameraAnalyticsSettings { Lines = [SceneRuns.Gate], Zones = [new ZoneRule(SceneRuns.Yard)] };
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 33, [SceneRuns.WalkAcross(0.2, 0.9, seconds: 5)]);

        var events = SceneRuns.Analyse(scene, settings, TimeSpan.FromSeconds(7));

        var crossing = Assert.Single(events, e => e.Kind == AnalyticsEventKind.LineCrossing);
        var line = Assert.Single(crossing.Outlines);
        Assert.Equal(("gate", false), (line.Name, line.Closed));
        Assert.Equal([SceneRuns.Gate.From, SceneRuns.Gate.To], line.Points);
        var intrusion = Assert.Single(events, e => e.Kind == AnalyticsEventKind.Intrusion);
        var zone = Assert.Single(intrusion.Outlines);
        Assert.Equal(("yard", true, 4), (zone.Name, zone.Closed, zone.Points.Count));
    }

    /// <summary>
    /// Someone who walks up to the gate from the left, then down beside it for seven seconds with the feet landing
    /// up to 0.025 either side of it, then walks off to <paramref name="endX"/>.
    /// </summary>
    private static SceneFigure AlongTheGate(double endX)
    {
        var path = new List<Waypoint>
        {
            new(TimeSpan.FromSeconds(0.5), new(0.35, 0.62)),
            new(TimeSpan.FromSeconds(1.5), new(0.485, 0.64)),
        };
        for (var i = 0; i < 7; i++)
        {
            path.Add(new(TimeSpan.FromSeconds(2 + i), new(i % 2 == 0 ? 0.525 : 0.475, 0.66 + (i * 0.04))));
        }

        path.Add(new(TimeSpan.FromSeconds(11), new(endX, 0.95)));
        return new SceneFigure(path);
    }
}
