using OpenCvSharp;

namespace Dispatch.Gateway.Cameras;

/// <summary>Where a camera's frames come from.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>For logs: the file, URL or "synthetic".</summary>
    string Description { get; }

    /// <summary>The source's own frame rate, or 0 when it has none (live streams pace themselves).</summary>
    double NativeFps { get; }

    /// <summary>Why the last read failed, for heartbeats; empty while frames arrive.</summary>
    string Problem { get; }

    /// <summary>Reads the next frame and its time on the source's clock; false when none is available now.</summary>
    bool TryRead(Mat frame, out TimeSpan at);
}
