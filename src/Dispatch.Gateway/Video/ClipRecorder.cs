using Dispatch.Vision.Snapshots;
using OpenCvSharp;

namespace Dispatch.Gateway.Video;

/// <summary>What goes into event clips; the service's <c>ClipPolicy</c> (in Welcome) replaces the seconds when it sends one.</summary>
public sealed record ClipSettings
{
    /// <summary>Seconds of picture before the alert.</summary>
    public double PreSeconds { get; init; } = 5;

    /// <summary>Seconds of picture after the alert.</summary>
    public double PostSeconds { get; init; } = 5;

    /// <summary>Frames per second kept in the ring and written to the clip (fewer when the camera delivers fewer).</summary>
    public double Fps { get; init; } = 5;

    /// <summary>Frames wider than this are scaled down for the clip.</summary>
    public int MaxWidthPx { get; init; } = 640;

    public int JpegQuality { get; init; } = 75;

    /// <summary>
    /// Alerts of one camera whose clips would overlap share one clip, stretched to cover them all, up to this length;
    /// a camera raising an alert every few seconds then costs one encode, not one per alert.
    /// </summary>
    public double MaxClipSeconds { get; init; } = 30;

    /// <summary>Clip windows of one camera waiting for their last seconds; more alerts meanwhile get no clip (and a log line).</summary>
    public int MaxPendingClips { get; init; } = 8;

    /// <summary>Whether clips are recorded at all (pre and post both zero turns them off too).</summary>
    public bool Enabled => PreSeconds + PostSeconds > 0;

    /// <summary>How long frames are kept: the longest clip reaches this far back from its end.</summary>
    public TimeSpan Retention => TimeSpan.FromSeconds(Math.Max(PreSeconds + PostSeconds, MaxClipSeconds) + 1);
}

/// <summary>A JPEG frame of the ring, with its capture time on the gateway's clock.</summary>
public sealed record TimedJpeg(DateTime CapturedAtUtc, byte[] Jpeg, int WidthPx, int HeightPx);

/// <summary>A finished clip window: the frames from before the first alert to after the last one, and those alerts.</summary>
public sealed record ClipJob(string CameraId, IReadOnlyList<string> AlertIds, IReadOnlyList<TimedJpeg> Frames, DateTime StartUtc, DateTime EndUtc);

/// <summary>
/// One camera's ring buffer of recent frames (JPEG, at the clip rate and size) and its clip windows: an alert marks a
/// window from <see cref="ClipSettings.PreSeconds"/> before to <see cref="ClipSettings.PostSeconds"/> after it, and once
/// frames past its end have come the window's frames are handed over as a <see cref="ClipJob"/>. Called from the camera's
/// own thread only (frames and alerts both come from there); the settings may be replaced from another thread.
/// </summary>
public sealed class ClipRecorder(string cameraId, Func<ClipSettings> settings, Action<ClipJob> completed, Action<string>? log = null)
{
    private readonly LinkedList<TimedJpeg> _ring = new();
    private readonly List<Window> _pending = [];
    private readonly Action<string> _log = log ?? (_ => { });
    private DateTime _lastKeptUtc = DateTime.MinValue;

    public string CameraId => cameraId;

    /// <summary>Frames in the ring now.</summary>
    public int Buffered => _ring.Count;

    /// <summary>Bytes of JPEG in the ring now.</summary>
    public long BufferedBytes { get; private set; }

    /// <summary>Clip windows still waiting for their last seconds.</summary>
    public int Pending => _pending.Count;

    /// <summary>Alerts that got no clip because too many windows were pending.</summary>
    public long Skipped { get; private set; }

    /// <summary>Keeps the frame (scaled and encoded) when it is due at the clip rate, then completes the windows it ends.</summary>
    public void Offer(Mat frame, DateTime capturedAtUtc)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var current = settings();
        if (!current.Enabled)
        {
            Clear();
            return;
        }

        // A little early is still due, so a camera pacing at exactly the clip rate keeps every frame.
        var interval = TimeSpan.FromSeconds(1 / Math.Max(0.1, current.Fps));
        if (capturedAtUtc - _lastKeptUtc >= interval * 0.9)
        {
            _lastKeptUtc = capturedAtUtc;
            var (jpeg, width, height) = Encode(frame, current.MaxWidthPx, current.JpegQuality);
            _ring.AddLast(new TimedJpeg(capturedAtUtc, jpeg, width, height));
            BufferedBytes += jpeg.Length;
        }

        Complete(capturedAtUtc);
        var oldest = capturedAtUtc - current.Retention;
        while (_ring.First is { } first && first.Value.CapturedAtUtc < oldest)
        {
            BufferedBytes -= first.Value.Jpeg.Length;
            _ring.RemoveFirst();
        }
    }

    /// <summary>
    /// An alert at <paramref name="observedAtUtc"/>: opens its clip window, or stretches a pending one it overlaps
    /// (while the stretched clip stays within <see cref="ClipSettings.MaxClipSeconds"/>).
    /// </summary>
    public void Mark(string alertId, DateTime observedAtUtc)
    {
        var current = settings();
        if (!current.Enabled)
        {
            return;
        }

        var start = observedAtUtc - TimeSpan.FromSeconds(current.PreSeconds);
        var end = observedAtUtc + TimeSpan.FromSeconds(current.PostSeconds);
        var longest = TimeSpan.FromSeconds(current.MaxClipSeconds);
        var joined = _pending.FirstOrDefault(w => start <= w.End && end >= w.Start && Later(end, w.End) - Earlier(start, w.Start) <= longest);
        if (joined is not null)
        {
            joined.AlertIds.Add(alertId);
            joined.Start = Earlier(start, joined.Start);
            joined.End = Later(end, joined.End);
            return;
        }

        if (_pending.Count >= current.MaxPendingClips)
        {
            Skipped++;
            _log($"{cameraId}: no clip for alert {alertId}: {_pending.Count} clips are still being recorded");
            return;
        }

        _pending.Add(new Window(start, end) { AlertIds = { alertId } });
    }

    /// <summary>Completes windows whose end has passed on the wall clock while no frame came (a camera that went dark).</summary>
    public void Tick(DateTime nowUtc) => Complete(nowUtc);

    private static DateTime Earlier(DateTime a, DateTime b) => a < b ? a : b;

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;

    private void Complete(DateTime nowUtc)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            var window = _pending[i];
            if (nowUtc < window.End)
            {
                continue;
            }

            _pending.RemoveAt(i--);
            var frames = _ring.Where(f => f.CapturedAtUtc >= window.Start && f.CapturedAtUtc <= window.End).ToList();
            if (frames.Count < 2)
            {
                _log($"{cameraId}: no clip for alert(s) {string.Join(",", window.AlertIds)}: {frames.Count} frame(s) in its window");
                continue;
            }

            completed(new ClipJob(cameraId, [.. window.AlertIds], frames, frames[0].CapturedAtUtc, frames[^1].CapturedAtUtc));
        }
    }

    private void Clear()
    {
        _ring.Clear();
        BufferedBytes = 0;
        _pending.Clear();
    }

    internal static (byte[] Jpeg, int Width, int Height) Encode(Mat frame, int maxWidthPx, int quality)
    {
        if (frame.Width <= maxWidthPx)
        {
            return (Snapshot.Encode(frame, quality), frame.Width, frame.Height);
        }

        var height = Math.Max(2, (int)Math.Round((double)frame.Height * maxWidthPx / frame.Width) / 2 * 2);
        using var small = new Mat();
        Cv2.Resize(frame, small, new Size(maxWidthPx, height), interpolation: InterpolationFlags.Area);
        return (Snapshot.Encode(small, quality), small.Width, small.Height);
    }

    private sealed class Window(DateTime start, DateTime end)
    {
        public DateTime Start { get; set; } = start;

        public DateTime End { get; set; } = end;

        public List<string> AlertIds { get; } = [];
    }
}
