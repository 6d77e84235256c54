using Dispatch.Vision.Detection;
using Dispatch.Vision.Geometry;
using OpenCvSharp;

namespace Dispatch.Vision.Analytics;

/// <summary>Counters for one camera's pipeline, for fps and gating reports.</summary>
public sealed record AnalyticsCounters(long Frames, long FramesWithMotion, long Detections);

/// <summary>
/// One camera's pipeline: motion gate, person detector (only where something moved), tracker, rules.
/// Not thread-safe: one instance per camera, fed frames in order.
/// </summary>
public sealed class CameraAnalytics : IDisposable
{
    private readonly CameraAnalyticsSettings _settings;
    private readonly MotionGate _motion;
    private readonly IPersonDetector _detector;
    private readonly CentroidTracker _tracker;
    private readonly RuleEngine _rules;
    private long _frames;
    private long _framesWithMotion;
    private long _detections;

    public CameraAnalytics(CameraAnalyticsSettings settings, IPersonDetector detector)
    {
        _settings = settings;
        _rules = new RuleEngine(settings);
        _detector = detector;
        _motion = new MotionGate(settings.MotionThreshold, settings.MinMotionAreaFraction);
        _tracker = new CentroidTracker(settings.TrackMaxStep, TimeSpan.FromSeconds(settings.TrackMaxGapSeconds));
    }

    public string DetectorName => _detector.Name;

    public AnalyticsCounters Counters => new(_frames, _framesWithMotion, _detections);

    public IReadOnlyList<Track> Tracks => _tracker.Tracks;

    /// <summary>Analyses one frame taken at <paramref name="at"/> on the source's clock.</summary>
    public IReadOnlyList<AnalyticsEvent> Process(Mat bgrFrame, TimeSpan at)
    {
        _frames++;
        var motion = _motion.Apply(bgrFrame);
        IReadOnlyList<NormalizedBox> people = [];
        if (motion.Regions.Count > 0)
        {
            _framesWithMotion++;
            people = _detector.Detect(bgrFrame, motion)
                .Where(d => d.Score >= _settings.MinScore)
                .Select(d => NormalizedBox.FromPixels(d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height, bgrFrame.Width, bgrFrame.Height, "person", d.Score))
                .ToList();
            _detections += people.Count;
        }

        var tracks = _tracker.Update(people, at);
        return _rules.Evaluate(tracks, at);
    }

    public void Dispose()
    {
        _motion.Dispose();
        _detector.Dispose();
    }
}
