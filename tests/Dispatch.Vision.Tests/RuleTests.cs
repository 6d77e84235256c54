using Dispatch.Vision.Analytics;
using Dispatch.Vision.Detection;
using Dispatch.Vision.Geometry;
using Dispatch.Vision.Synthetic;

namespace Dispatch.Vision.Tests;

public sealed class RuleTests
{
    [Fact]
    public void Person_wandering_inside_a_zone_longer_than_the_limit_raises_one_loitering_alert()
    {
        var settings = new CameraAnalyticsSettings { Zones = [new ZoneRule(SceneRuns.Yard, Intrusion: false, LoiteringSeconds: 5)] };
        var wander = new SceneFigure(
        [
            new Waypoint(TimeSpan.FromSeconds(0.5), new(0.70, 0.80)),
            new Waypoint(TimeSpan.FromSeconds(4), new(0.90, 0.85)),
            new Waypoint(TimeSpan.FromSeconds(8), new(0.75, 0.95)),
            new Waypoint(TimeSpan.FromSeconds(11), new(0.88, 0.80)),
        ]);
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 21, [wander]);

        var events = SceneRuns.Analyse(scene, settings, TimeSpan.FromSeconds(11));

        var loitering = Assert.Single(events);
        Assert.Equal(AnalyticsEventKind.Loitering, loitering.Kind);
        var dwell = double.Parse(loitering.Attributes["dwell_seconds"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(dwell, 5, 6);
        Assert.InRange(loitering.At.TotalSeconds, 5.5, 7.0);
    }

    [Fact]
    public void Person_passing_through_a_zone_quicker_than_the_limit_raises_no_loitering()
    {
        var settings = new CameraAnalyticsSettings { Zones = [new ZoneRule(SceneRuns.Yard, Intrusion: false, LoiteringSeconds: 5)] };
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 22, [SceneRuns.WalkAcross(0.55, 1.1, seconds: 4)]);

        Assert.Empty(SceneRuns.Analyse(scene, settings, TimeSpan.FromSeconds(8)));
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public void Four_people_in_view_raise_a_crowd_alert_only_when_the_limit_is_below_four(int crowdAbove, bool expected)
    {
        var settings = new CameraAnalyticsSettings { CrowdAbove = crowdAbove };
        var people = new[] { 0.12, 0.37, 0.62, 0.87 }
            .Select(x => SceneFigure.Walking(new(x, 0.8), new(x + 0.06, 0.85), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(6), 0.3))
            .ToList();
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 23, people);

        var events = SceneRuns.Analyse(scene, settings, TimeSpan.FromSeconds(5));

        if (expected)
        {
            var crowd = Assert.Single(events);
            Assert.Equal(AnalyticsEventKind.Crowd, crowd.Kind);
            Assert.Equal("4", crowd.Attributes["people_count"]);
            Assert.Equal(4, crowd.Boxes.Count);
        }
        else
        {
            Assert.Empty(events);
        }
    }

    [Fact]
    public void Detection_in_the_zone_for_fewer_frames_than_the_persistence_raises_nothing()
    {
        var rules = new RuleEngine(new CameraAnalyticsSettings { Zones = [new ZoneRule(SceneRuns.Yard)], PersistenceFrames = 3 });
        var tracker = new CentroidTracker(maxStep: 0.1, maxGap: TimeSpan.FromSeconds(1.5));
        var inYard = new NormalizedBox(0.75, 0.5, 0.05, 0.3, "person", 0.9);
        var events = new List<AnalyticsEvent>();
        for (var frame = 0; frame < 2; frame++)
        {
            events.AddRange(rules.Evaluate(tracker.Update([inYard], TimeSpan.FromSeconds(frame)), TimeSpan.FromSeconds(frame)));
        }

        Assert.Empty(events);

        var third = TimeSpan.FromSeconds(2);
        var intrusion = Assert.Single(rules.Evaluate(tracker.Update([inYard], third), third));
        Assert.Equal(AnalyticsEventKind.Intrusion, intrusion.Kind);
    }

    [Fact]
    public void Detections_below_the_minimum_score_are_ignored()
    {
        var settings = new CameraAnalyticsSettings { Lines = [SceneRuns.Gate], MinScore = 0.99 };
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 24, [SceneRuns.WalkAcross(0.2, 0.8, seconds: 4)]);

        Assert.Empty(SceneRuns.Analyse(scene, settings, TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void Tracker_keeps_one_id_for_a_moving_person_and_gives_a_new_person_a_new_id()
    {
        var tracker = new CentroidTracker(maxStep: 0.1, maxGap: TimeSpan.FromSeconds(1));
        tracker.Update([new NormalizedBox(0.1, 0.5, 0.05, 0.3, "person", 0.9)], TimeSpan.Zero);
        var tracks = tracker.Update(
            [new NormalizedBox(0.14, 0.5, 0.05, 0.3, "person", 0.9), new NormalizedBox(0.8, 0.5, 0.05, 0.3, "person", 0.9)],
            TimeSpan.FromSeconds(0.1));

        Assert.Equal(2, tracks.Count);
        var moved = Assert.Single(tracks, t => t.Id == 1);
        Assert.Equal(2, moved.Hits);
        Assert.Equal(0.14, moved.Box.X, 3);
        Assert.Single(tracks, t => t.Id == 2);
    }

    [Fact]
    public void Hog_detector_finds_the_synthetic_walker_in_some_frames_and_drives_the_line_rule()
    {
        var settings = new CameraAnalyticsSettings { Lines = [SceneRuns.Gate] };
        using var scene = new SyntheticScene(SceneRuns.Width, SceneRuns.Height, seed: 25, [SceneRuns.WalkAcross(0.1, 0.9, seconds: 6)]);
        using var hog = new HogPersonDetector();

        var events = SceneRuns.Analyse(scene, settings, TimeSpan.FromSeconds(8), hog);

        // HOG was trained on photographs; on this drawn silhouette it fires on part of the frames, enough for tracking.
        var crossing = Assert.Single(events);
        Assert.Equal(AnalyticsEventKind.LineCrossing, crossing.Kind);
        Assert.Equal("right_to_left", crossing.Attributes["direction"]);
    }

    [Fact]
    public void Track_unseen_for_longer_than_the_gap_is_dropped()
    {
        var tracker = new CentroidTracker(maxStep: 0.1, maxGap: TimeSpan.FromSeconds(1));
        tracker.Update([new NormalizedBox(0.1, 0.5, 0.05, 0.3, "person", 0.9)], TimeSpan.Zero);

        Assert.Single(tracker.Update([], TimeSpan.FromSeconds(0.9)));
        Assert.Empty(tracker.Update([], TimeSpan.FromSeconds(1.1)));
    }

    [Fact]
    public void Second_intrusion_into_the_same_zone_within_the_cooldown_is_suppressed_and_after_it_raised()
    {
        var rules = new RuleEngine(new CameraAnalyticsSettings { Zones = [new ZoneRule(SceneRuns.Yard)], PersistenceFrames = 1, IntrusionCooldownSeconds = 10 });
        var tracker = new CentroidTracker(maxStep: 0.1, maxGap: TimeSpan.FromSeconds(0.5));
        var inYard = new NormalizedBox(0.75, 0.5, 0.05, 0.3, "person", 0.9);
        List<AnalyticsEvent> At(double seconds, params NormalizedBox[] boxes) =>
            [.. rules.Evaluate(tracker.Update(boxes, TimeSpan.FromSeconds(seconds)), TimeSpan.FromSeconds(seconds))];

        Assert.Single(At(0, inYard));
        Assert.Empty(At(1));

        // The track broke; the same person (a new track) 4 s later is still the first intrusion.
        Assert.Empty(At(5, inYard));
        Assert.Empty(At(6));
        Assert.Single(At(12, inYard));
    }
}
