using Dispatch.Vision.Analytics;
using Dispatch.Vision.Detection;
using Dispatch.Vision.Geometry;
using Dispatch.Vision.Synthetic;
using OpenCvSharp;

namespace Dispatch.Vision.Tests;

/// <summary>Runs a scene through a camera pipeline, straight from the renderer or through a video file.</summary>
internal static class SceneRuns
{
    public const int Width = 640;
    public const int Height = 360;
    public const double Fps = 10;

    /// <summary>The right third of the ground: the zone where nobody should be.</summary>
    public static readonly Zone Yard = new("yard", [new(0.65, 0.45), new(1.0, 0.45), new(1.0, 1.0), new(0.65, 1.0)]);

    /// <summary>A vertical tripwire in the middle of the ground, drawn top to bottom.</summary>
    public static readonly DirectedLine Gate = new("gate", new(0.5, 0.4), new(0.5, 1.0));

    public static List<AnalyticsEvent> Analyse(SyntheticScene scene, CameraAnalyticsSettings settings, TimeSpan duration, IPersonDetector? detector = null)
    {
        using var analytics = new CameraAnalytics(settings, detector ?? new MotionBlobPersonDetector());
        using var frame = new Mat();
        var events = new List<AnalyticsEvent>();
        var frames = (int)(duration.TotalSeconds * Fps);
        for (var i = 0; i < frames; i++)
        {
            var at = TimeSpan.FromSeconds(i / Fps);
            scene.Render(at, frame);
            events.AddRange(analytics.Process(frame, at));
        }

        return events;
    }

    public static List<AnalyticsEvent> AnalyseVideo(string path, CameraAnalyticsSettings settings, IPersonDetector? detector = null)
    {
        using var capture = new VideoCapture(path);
        Assert.True(capture.IsOpened(), $"cannot open {path}");
        var fps = capture.Fps > 0 ? capture.Fps : Fps;
        using var analytics = new CameraAnalytics(settings, detector ?? new MotionBlobPersonDetector());
        using var frame = new Mat();
        var events = new List<AnalyticsEvent>();
        for (var i = 0; capture.Read(frame) && !frame.Empty(); i++)
        {
            events.AddRange(analytics.Process(frame, TimeSpan.FromSeconds(i / fps)));
        }

        return events;
    }

    public static SceneFigure WalkAcross(double fromX, double toX, double seconds, double feetY = 0.85) =>
        SceneFigure.Walking(new(fromX, feetY), new(toX, feetY), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1 + seconds));
}
