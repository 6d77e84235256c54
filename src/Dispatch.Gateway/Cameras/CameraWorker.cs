using System.Diagnostics;
using Dispatch.Contracts.V1;
using Dispatch.Gateway.Spool;
using Dispatch.Gateway.Video;
using Dispatch.Vision.Analytics;
using Dispatch.Vision.Health;
using Google.Protobuf.WellKnownTypes;
using OpenCvSharp;

namespace Dispatch.Gateway.Cameras;

/// <summary>What a camera's frames feed besides the analytics: its clip ring and the live views the service asked for.</summary>
public sealed record CameraVideoTaps(ClipRecorder? Clips, LiveViews? Live);

/// <summary>
/// One camera: reads frames on its own thread, runs the analytics and stores each alert in the
/// spool (delivery takes it from there). Optionally paced to a frame rate like a real camera. Every frame is also
/// looked at for a frozen or dark picture (reported in heartbeats), kept in the clip ring, and offered to a live view.
/// </summary>
public sealed class CameraWorker : IDisposable
{
    private readonly IFrameSource _source;
    private readonly CameraAnalytics _analytics;
    private readonly AlertSpool _spool;
    private readonly double _paceFps;
    private readonly Action<string> _log;
    private readonly Stopwatch _running = new();
    private readonly long? _maxFrames;
    private long _frames;
    private long _alerts;
    private long _framesAtLastHealth;
    private TimeSpan _elapsedAtLastHealth;
    private DateTime? _lastFrameUtc;
    private string _reportedProblem = string.Empty;
    private readonly PictureHealthMonitor _picture;
    private readonly CameraVideoTaps _taps;
    private Vision.Health.PictureFault _reportedFault;

    /// <param name="paceFps">Frames per second to hold to; 0 reads as fast as analytics allow.</param>
    /// <param name="maxFrames">Stop after analysing this many frames; null runs until cancelled.</param>
    /// <param name="picture">Thresholds for a frozen or dark picture; defaults when null.</param>
    /// <param name="taps">The clip ring and live views this camera's frames feed; none when null.</param>
    public CameraWorker(string cameraId, IFrameSource source, CameraAnalytics analytics, AlertSpool spool, double paceFps, long? maxFrames = null,
        Action<string>? log = null, PictureHealthSettings? picture = null, CameraVideoTaps? taps = null)
    {
        _picture = new PictureHealthMonitor(picture ?? new PictureHealthSettings());
        _taps = taps ?? new CameraVideoTaps(null, null);
        _maxFrames = maxFrames;
        CameraId = cameraId;
        _source = source;
        _analytics = analytics;
        _spool = spool;
        _paceFps = paceFps;
        _log = log ?? (_ => { });
    }

    public string CameraId { get; }

    public long Frames => Interlocked.Read(ref _frames);

    public long Alerts => Interlocked.Read(ref _alerts);

    /// <summary>Wall time spent running, for the fps figure.</summary>
    public TimeSpan Elapsed => _running.Elapsed;

    public double Fps => Elapsed.TotalSeconds > 0 ? Frames / Elapsed.TotalSeconds : 0;

    /// <summary>Why frames are not arriving now (the source cannot be opened, the stream stopped); empty while they are.</summary>
    public string Problem => _source.Problem;

    /// <summary>Whether this camera has delivered at least one frame in this run.</summary>
    public bool HasWorked => Frames > 0;

    /// <summary>The picture's state after the last frame (frozen, dark, or fine).</summary>
    public PictureState Picture => _picture.Current;

    /// <summary>Runs until cancelled, on a dedicated thread (analytics are CPU-bound and synchronous).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>This camera's line in a heartbeat, with the fps since the previous one.</summary>
    public CameraHealth Health()
    {
        var frames = Frames;
        var elapsed = Elapsed;
        var seconds = (elapsed - _elapsedAtLastHealth).TotalSeconds;
        var fps = seconds > 0 ? (frames - _framesAtLastHealth) / seconds : 0;
        _framesAtLastHealth = frames;
        _elapsedAtLastHealth = elapsed;
        var problem = _source.Problem;
        var picture = _picture.Current;
        var health = new CameraHealth
        {
            CameraId = CameraId,
            Fps = (float)fps,
            Status = problem.Length > 0 && fps < 0.1 ? CameraStatus.Offline
                : problem.Length > 0 ? CameraStatus.Degraded
                : frames == 0 ? CameraStatus.Unspecified
                : picture.Fault != Vision.Health.PictureFault.None ? CameraStatus.Degraded
                : CameraStatus.Online,
            Detail = problem.Length > 0 ? problem : picture.Describe(),
            PictureFault = problem.Length > 0 ? Contracts.V1.PictureFault.None : (Contracts.V1.PictureFault)(int)picture.Fault,
        };
        if (_lastFrameUtc is { } last)
        {
            health.LastFrameAt = Timestamp.FromDateTime(last);
        }

        return health;
    }

    private void Run(CancellationToken cancellationToken)
    {
        using var frame = new Mat();
        _running.Start();
        try
        {
            while (!cancellationToken.IsCancellationRequested && !(Frames >= _maxFrames))
            {
                if (!_source.TryRead(frame, out var at))
                {
                    ReportProblem();
                    _taps.Clips?.Tick(DateTime.UtcNow);
                    cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(50));
                    continue;
                }

                if (_reportedProblem.Length > 0)
                {
                    _reportedProblem = string.Empty;
                    _log($"{CameraId}: frames arriving again from {_source.Description}");
                }

                var now = DateTime.UtcNow;
                _lastFrameUtc = now;
                Interlocked.Increment(ref _frames);

                // The live picture first: the viewer's latency starts at capture, not after the analytics.
                _taps.Live?.Offer(CameraId, frame, now);
                ReportPicture(_picture.Observe(frame, at));
                _taps.Clips?.Offer(frame, now);
                foreach (var analyticsEvent in _analytics.Process(frame, at))
                {
                    var alert = AlertComposer.Compose(CameraId, analyticsEvent, frame, now, _analytics.DetectorName);
                    _spool.Append(alert);
                    _taps.Clips?.Mark(alert.AlertId, now);
                    Interlocked.Increment(ref _alerts);
                    _log($"{CameraId}: {alert.Kind} {string.Join(' ', alert.Attributes.Select(a => $"{a.Key}={a.Value}"))} -> {alert.AlertId}");
                }

                if (_paceFps > 0)
                {
                    var due = TimeSpan.FromSeconds(Frames / _paceFps);
                    var ahead = due - _running.Elapsed;
                    if (ahead > TimeSpan.Zero)
                    {
                        cancellationToken.WaitHandle.WaitOne(ahead);
                    }
                }
            }
        }
        finally
        {
            _running.Stop();
        }
    }

    /// <summary>Logs each new failure of the source (each retry says when the next comes), not every empty read.</summary>
    private void ReportProblem()
    {
        var problem = _source.Problem;
        if (problem.Length > 0 && problem != _reportedProblem)
        {
            _reportedProblem = problem;
            _log($"{CameraId}: {problem}; reported offline to the service");
        }
    }

    /// <summary>Logs a picture fault when it starts and when it clears.</summary>
    private void ReportPicture(PictureState state)
    {
        if (state.Fault == _reportedFault)
        {
            return;
        }

        _log(state.Fault == Vision.Health.PictureFault.None
            ? $"{CameraId}: picture fine again"
            : $"{CameraId}: {state.Describe()}; reported degraded to the service");
        _reportedFault = state.Fault;
    }

    public void Dispose()
    {
        _analytics.Dispose();
        _source.Dispose();
        _picture.Dispose();
    }
}
