using System.Diagnostics;
using System.Globalization;
using Dispatch.Gateway.Delivery;
using OpenCvSharp;

namespace Dispatch.Gateway.Cameras;

/// <summary>
/// A video file (played in a loop) or a network stream (RTSP, HTTP MJPEG) read through OpenCV. A stream that
/// cannot be opened, or stops sending, is tried again after a jittered exponential backoff; meanwhile
/// <see cref="Problem"/> says why, which the camera's heartbeat reports to the service as offline. A stream is opened
/// on the camera's own thread at its first read, so one unreachable camera never holds up the gateway's start.
/// </summary>
public sealed class VideoCaptureSource : IFrameSource
{
    // OpenCV's CAP_PROP_OPEN_TIMEOUT_MSEC and CAP_PROP_READ_TIMEOUT_MSEC (FFmpeg backend): an unreachable camera
    // must fail within seconds, not after FFmpeg's default of half a minute or more.
    private const int OpenTimeoutProperty = 53;
    private const int ReadTimeoutProperty = 54;
    private static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(5);

    private readonly string _location;
    private readonly bool _isFile;
    private readonly Backoff _backoff;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private VideoCapture? _capture;
    private TimeSpan _nextOpenAt;
    private int _failures;
    private TimeSpan _loopOffset;
    private TimeSpan _lastAt;

    /// <param name="reopenBackoff">Delays between attempts to open a stream that failed; default 1 s doubling to 60 s.</param>
    public VideoCaptureSource(string location, Backoff? reopenBackoff = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        _location = location;
        _isFile = !location.Contains("://", StringComparison.Ordinal);
        _backoff = reopenBackoff ?? new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Description = Redact(location);
        if (_isFile)
        {
            if (!File.Exists(location))
            {
                throw new FileNotFoundException($"video file '{location}' does not exist", location);
            }

            // A local file opens at once, and its frame rate paces the camera from the start.
            Open();
        }
    }

    /// <summary>The file or URL, with any user name and password in the URL left out.</summary>
    public string Description { get; }

    public double NativeFps { get; private set; }

    public string Problem { get; private set; } = string.Empty;

    /// <summary>Attempts to open the source that failed since it last delivered a frame.</summary>
    public int Failures => _failures;

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
            _failures = 0;
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

        _capture.Dispose();
        _capture = null;
        Fail("no frame from");
        return false;
    }

    private bool Open()
    {
        if (_clock.Elapsed < _nextOpenAt)
        {
            return false;
        }

        var capture = _isFile
            ? new VideoCapture(_location)
            : new VideoCapture(_location, VideoCaptureAPIs.ANY,
                [OpenTimeoutProperty, (int)NetworkTimeout.TotalMilliseconds, ReadTimeoutProperty, (int)NetworkTimeout.TotalMilliseconds]);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            Fail("cannot open");
            return false;
        }

        _capture = capture;
        NativeFps = _isFile ? capture.Fps : 0;
        return true;
    }

    private void Fail(string what)
    {
        var delay = _backoff.Delay(_failures);
        _failures++;
        _nextOpenAt = _clock.Elapsed + delay;
        Problem = string.Create(CultureInfo.InvariantCulture,
            $"{what} {Description} (attempt {_failures}; next in {delay.TotalSeconds:F1} s)");
    }

    /// <summary>rtsp://user:secret@host/path becomes rtsp://host/path: camera passwords stay out of logs and heartbeats.</summary>
    internal static string Redact(string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 && location.Contains("://", StringComparison.Ordinal)
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : location;

    public void Dispose() => _capture?.Dispose();
}
