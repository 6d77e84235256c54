using System.Globalization;
using System.Threading.Channels;
using Dispatch.Contracts.V1;
using Dispatch.Gateway.Cameras;
using Dispatch.Gateway.Delivery;

namespace Dispatch.Gateway.Video;

/// <summary>How the gateway's video side is set up (from the command line).</summary>
public sealed record GatewayVideoOptions
{
    /// <summary>Answer the service's live-view requests.</summary>
    public bool LiveView { get; init; } = true;

    /// <summary>At most this many cameras streamed at once, whatever the service asks.</summary>
    public int MaxLiveViews { get; init; } = 4;

    /// <summary>Record and upload event clips.</summary>
    public bool Clips { get; init; } = true;

    /// <summary>Clip rate, size and quality; the seconds before and after come from the service's Welcome.</summary>
    public ClipSettings ClipSettings { get; init; } = new();

    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <summary>Clips encoded but not yet uploaded may take this much disk; the oldest make way.</summary>
    public long MaxSpooledClipBytes { get; init; } = 256L * 1024 * 1024;
}

/// <summary>
/// The gateway's video side: the live views the service asks for on the Connect session, each camera's clip ring, the
/// encoder turning finished clip windows into WebM, the clip spool and its uploader. Clips are on only when ffmpeg with
/// libvpx is there; otherwise the gateway says why once and carries on with alerts and live views.
/// </summary>
public sealed class GatewayVideo : IGatewaySessionListener, IDisposable
{
    private readonly GatewayVideoOptions _options;
    private readonly Action<string> _log;
    private readonly VideoLink _link;
    private readonly Channel<ClipJob> _jobs = Channel.CreateBounded<ClipJob>(new BoundedChannelOptions(16) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ClipEncoder _encoder;
    private readonly Dictionary<string, ClipRecorder> _recorders = new(StringComparer.Ordinal);
    private volatile ClipSettings _clipSettings;
    private long _clipsEncoded;
    private long _clipsFailed;
    private long _clipJobsDropped;

    public GatewayVideo(GatewayVideoOptions options, Uri server, string gatewayId, string credential, string spoolDirectory, IReadOnlyList<string> cameraIds, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _log = log ?? (_ => { });
        _link = new VideoLink(server, gatewayId, credential);
        _encoder = new ClipEncoder(options.FfmpegPath);
        // No clips until a service that takes them says how long they should run.
        _clipSettings = options.ClipSettings with { PreSeconds = 0, PostSeconds = 0 };
        Live = options.LiveView ? new LiveViews(_link, cameraIds, options.MaxLiveViews, _log) : null;
        ClipSpool = ClipSpool.Open(Path.Combine(spoolDirectory, $"{gatewayId}-clips"), options.MaxSpooledClipBytes, _log);
        Uploader = new ClipUploader(_link, ClipSpool, _log);
        foreach (var cameraId in cameraIds)
        {
            _recorders[cameraId] = new ClipRecorder(cameraId, () => _clipSettings, Queue, _log);
        }
    }

    public LiveViews? Live { get; }

    public ClipSpool ClipSpool { get; }

    public ClipUploader Uploader { get; }

    /// <summary>Whether clips are recorded (asked for, and ffmpeg with libvpx found); known after <see cref="PrepareAsync"/>.</summary>
    public bool ClipsAvailable { get; private set; }

    public ClipSettings ClipSettings => _clipSettings;

    public long ClipsEncoded => Interlocked.Read(ref _clipsEncoded);

    /// <summary>What a camera's frames feed.</summary>
    public CameraVideoTaps TapsFor(string cameraId) => new(ClipsAvailable ? _recorders.GetValueOrDefault(cameraId) : null, Live);

    /// <summary>Checks for ffmpeg (clips stay off without it, said once in the log).</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (!_options.Clips)
        {
            return;
        }

        var problem = await _encoder.CheckAsync(cancellationToken);
        ClipsAvailable = problem is null;
        if (problem is not null)
        {
            _log($"event clips off: {problem}");
        }
    }

    /// <summary>Encodes finished clip windows and uploads the spool until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(EncodeAsync(cancellationToken), Uploader.RunAsync(cancellationToken));

    /// <summary>The progress line: live views, frames and clips.</summary>
    public string Report() => string.Create(CultureInfo.InvariantCulture,
        $"video live_views={Live?.Active ?? 0} frames_sent={Live?.FramesSent ?? 0} frames_dropped={Live?.FramesDropped ?? 0} clips_encoded={ClipsEncoded} clips_uploaded={Uploader.Uploaded} clips_waiting={ClipSpool.Count} clips_failed={Interlocked.Read(ref _clipsFailed) + Interlocked.Read(ref _clipJobsDropped)}");

    public void Welcomed(Welcome welcome)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        var policy = _options.Clips && ClipsAvailable ? welcome.ClipPolicy : null;
        var settings = _options.ClipSettings with { PreSeconds = policy?.PreSeconds ?? 0, PostSeconds = policy?.PostSeconds ?? 0 };
        if (settings == _clipSettings)
        {
            return;
        }

        _clipSettings = settings;
        _log(settings.Enabled
            ? string.Create(CultureInfo.InvariantCulture, $"event clips: {settings.PreSeconds:0.#} s before and {settings.PostSeconds:0.#} s after each alert, as the service asks")
            : "event clips: the service takes none");
    }

    public void LiveViewStart(LiveViewStart request) => Live?.Start(request);

    public void LiveViewStop(LiveViewStop request) => Live?.Stop(request);

    public void SessionEnded() => Live?.StopAll();

    private void Queue(ClipJob job)
    {
        if (!_jobs.Writer.TryWrite(job))
        {
            Interlocked.Increment(ref _clipJobsDropped);
            _log($"{job.CameraId}: no clip for alert(s) {string.Join(",", job.AlertIds)}: the encoder is {16} clips behind");
        }
    }

    private async Task EncodeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var job in _jobs.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    var clip = await _encoder.EncodeAsync(job, ClipSpool.Directory, cancellationToken);
                    ClipSpool.Add(clip, job.CameraId, job.AlertIds);
                    Interlocked.Increment(ref _clipsEncoded);
                    Uploader.Wake();
                    _log(string.Create(CultureInfo.InvariantCulture,
                        $"{job.CameraId}: clip of {(job.EndUtc - job.StartUtc).TotalSeconds:F1} s ({clip.FrameCount} frames, {clip.Bytes.Length} bytes, encoded in {clip.EncodeTime.TotalMilliseconds:F0} ms) for alert(s) {string.Join(",", job.AlertIds)}"));
                }
                catch (Exception error) when (error is InvalidDataException or IOException)
                {
                    Interlocked.Increment(ref _clipsFailed);
                    _log($"{job.CameraId}: clip for alert(s) {string.Join(",", job.AlertIds)} failed: {error.Message}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    public void Dispose()
    {
        Live?.Dispose();
        _link.Dispose();
    }
}
