using Dispatch.Vision.Geometry;
using Dispatch.Vision.Synthetic;
using OpenCvSharp;

namespace Dispatch.Gateway.Cameras;

/// <summary>
/// A synthetic street camera for demos, load and tests: every 24 s of scene time a person walks
/// left to right through the yard and across the gate line, then back. Scene time advances by one
/// frame interval per read, however fast frames are read.
/// </summary>
public sealed class SyntheticFrameSource : IFrameSource
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(24);
    private readonly SyntheticScene _scene;
    private readonly double _sceneFps;
    private readonly TimeSpan _phase;
    private long _index;

    public SyntheticFrameSource(int width, int height, int seed, double sceneFps = 10)
    {
        _sceneFps = sceneFps;

        // Cameras start at different points of the walk so their alerts do not come in lock-step.
        _phase = TimeSpan.FromSeconds(seed * 5.3 % Period.TotalSeconds);
        var feetY = 0.8 + (seed % 3 * 0.05);
        _scene = new SyntheticScene(width, height, seed,
        [
            new SceneFigure([new Waypoint(TimeSpan.FromSeconds(1), new(-0.05, feetY)), new Waypoint(TimeSpan.FromSeconds(10), new(1.05, feetY))]),
            new SceneFigure([new Waypoint(TimeSpan.FromSeconds(13), new(1.05, feetY)), new Waypoint(TimeSpan.FromSeconds(22), new(-0.05, feetY))]),
        ]);
    }

    public string Description => "synthetic";

    public double NativeFps => _sceneFps;

    public string Problem => string.Empty;

    public bool TryRead(Mat frame, out TimeSpan at)
    {
        at = TimeSpan.FromSeconds(_index++ / _sceneFps);
        var sceneTime = TimeSpan.FromTicks((at + _phase).Ticks % Period.Ticks);
        _scene.Render(sceneTime, frame);
        return true;
    }

    public void Dispose() => _scene.Dispose();

    /// <summary>The zone and line the synthetic walk is staged for.</summary>
    public static (Zone Yard, DirectedLine Gate) Layout =>
        (new Zone("yard", [new(0.65, 0.45), new(1.0, 0.45), new(1.0, 1.0), new(0.65, 1.0)]),
         new DirectedLine("gate", new(0.5, 0.4), new(0.5, 1.0)));
}
