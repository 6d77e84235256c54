using OpenCvSharp;

namespace Dispatch.Gateway.Cameras;

/// <summary>
/// A video file (played in a loop) or a network stream (RTSP, HTTP MJPEG) read through OpenCV.
/// A stream that fails is reopened after a pause; the camera shows offline meanwhile.
/// </summary>
public sealed class VideoCaptureSource : IFrameSource
{
    private static readonly TimeSpan ReopenPause = TimeSpan.FromSeconds(2);
    private readonly string _location;
    private readonly bool _isFile;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private VideoCapture? _capture;
    private DateTime _nextOpen = DateTime.MinValue;
    private TimeSpan _loopOffset;
    private TimeSpan _lastAt;

    public VideoCaptureSource(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        _location = location;
        _isFile = !location.Contains("://", StringComparison.Ordinal);
        if (_isFile && !File.Exists(location))
        {
            throw new FileNotFoundException($"video file '{location}' does not exist", location);
        }

        Open();
    }

    public string Description => _location;

    public double NativeFps { get; private set; }

    public string Problem { get; private set; } = string.Empty;

    public bool TryRead(Mat frame, out TimeSpan at)
    {
        at = default;
        if (_capture is null && !Open())
        {
            return false;
        }

        if (_capture!.Read(frame) && !frame.Empty())
        {
            at = _isFile && NativeFps > 0
                ? _loopOffset + TimeSpan.FromSeconds((_capture.PosFrames - 1) / NativeFps)
                : _clock.Elapsed;
            _lastAt = at;
            Problem = string.Empty;
            return true;
        }

        if (_isFile && _capture.PosFrames > 0)
        {
            // End of the file: play it again, with time running on.
            _loopOffset = _lastAt + TimeSpan.FromSeconds(1 / Math.Max(1, NativeFps));
            _capture.PosFrames = 0;
            return false;
        }

        Problem = $"no frame from {_location}";
        _capture.Dispose();
        _capture = null;
        _nextOpen = DateTime.UtcNow + ReopenPause;
        return false;
    }

    private bool Open()
    {
        if (DateTime.UtcNow < _nextOpen)
        {
            return false;
        }

        var capture = new VideoCapture(_location);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            Problem = $"cannot open {_location}";
            _nextOpen = DateTime.UtcNow + ReopenPause;
            return false;
        }

        _capture = capture;
        NativeFps = _isFile ? capture.Fps : 0;
        Problem = string.Empty;
        return true;
    }

    public void Dispose() => _capture?.Dispose();
}
