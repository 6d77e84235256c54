using System.Globalization;
using Dispatch.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>Why a viewer could not join, in words and as a close code for the page (4xxx: a WebSocket close code of our own).</summary>
public sealed record ViewRefusal(int CloseCode, string Reason, string MetricReason);

/// <summary>A camera streaming live to this host: its gateway, state, viewers and what it was asked for.</summary>
public sealed record LiveCameraInfo(
    string CameraId,
    string GatewayId,
    string State,
    int Viewers,
    double AskedFps,
    int AskedWidthPx,
    int AskedHeightPx,
    long FramesReceived,
    DateTimeOffset? LastFrameAt,
    IReadOnlyList<LiveViewerInfo> Watching);

/// <summary>One viewer of a live camera, for supervisors.</summary>
public sealed record LiveViewerInfo(string Actor, ViewerProfile Profile, string? UnitId, DateTimeOffset JoinedAt, double Fps, long FramesSent, long FramesDropped);

/// <summary>
/// The live views of this host. Viewers join a camera; the first one makes the host ask the camera's gateway (on its
/// Connect stream) for frames at the highest rate and largest size any viewer of the camera asked for; the frames come
/// up on a SendFrames call and fan out to every viewer, each at its own rate and size (scaled here when smaller), each
/// through its own small mailbox, so a slow viewer loses frames and nobody else does. When the last viewer leaves, the
/// gateway is told to stop after <see cref="VideoOptions.StopAfterSeconds"/>. A gateway that goes away leaves its
/// cameras' viewers waiting ("gateway offline"); when it reconnects it is asked again and the pictures resume.
/// At most <see cref="VideoOptions.MaxLiveCamerasPerGateway"/> cameras of one gateway stream at once.
/// </summary>
public sealed partial class LiveCameras : IDisposable
{
    /// <summary>A camera asked for that sent nothing for this long is asked again (the gateway may have missed it or refused).</summary>
    public static readonly TimeSpan AskAgainAfter = TimeSpan.FromSeconds(5);

    private readonly GatewayLinks _links;
    private readonly VideoOptions _options;
    private readonly VideoMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<LiveCameras> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public LiveCameras(GatewayLinks links, IOptions<VideoOptions> options, VideoMetrics metrics, TimeProvider clock, ILogger<LiveCameras> logger)
    {
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(options);
        _links = links;
        _options = options.Value;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _links.Changed += OnLinkChanged;
    }

    /// <summary>
    /// Adds a viewer of <paramref name="cameraId"/>, served by <paramref name="gatewayId"/>; null when it joined (its first
    /// status is already in its mailbox), else why not.
    /// </summary>
    public ViewRefusal? Join(string cameraId, string gatewayId, LiveViewer viewer)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        var link = _links.Find(gatewayId);
        if (link is { SupportsLiveView: false })
        {
            return new ViewRefusal(4409, $"gateway '{gatewayId}' does not offer live view (software '{link.Software}'; contract 1.2 gateways do)", "no_live_view");
        }

        Session? evicted = null;
        lock (_lock)
        {
            if (!_sessions.TryGetValue(cameraId, out var session))
            {
                var ofGateway = _sessions.Values.Where(s => s.GatewayId == gatewayId).ToList();
                if (ofGateway.Count >= _options.MaxLiveCamerasPerGateway)
                {
                    // A camera nobody watches any more (waiting out its grace) makes room at once.
                    evicted = ofGateway.Where(s => s.Viewers.Length == 0).OrderBy(s => s.IdleSince).FirstOrDefault();
                    if (evicted is null)
                    {
                        return new ViewRefusal(4429, string.Create(CultureInfo.InvariantCulture,
                            $"gateway '{gatewayId}' already streams {ofGateway.Count} cameras live ({string.Join(", ", ofGateway.Select(s => s.CameraId).Order(StringComparer.Ordinal))}), the most it may (Dispatch:Video:MaxLiveCamerasPerGateway); close one of them first"),
                            "too_many_cameras");
                    }

                    _sessions.Remove(evicted.CameraId);
                }

                session = new Session(cameraId, gatewayId);
                _sessions[cameraId] = session;
            }

            viewer.CameraId = cameraId;
            session.Viewers = [.. session.Viewers, viewer];
            session.IdleSince = null;
            _metrics.ViewerJoined(viewer.Profile);
            _metrics.LiveCameras(_sessions.Count);
            Ask(session, link, fresh: session.State is LiveStates.GatewayOffline || session.ViewId.Length == 0);
            viewer.Tell(StatusOf(session, viewer));
        }

        if (evicted is not null)
        {
            End(evicted, "it made room for another camera of its gateway");
        }

        LogJoined(_logger, viewer.Actor, cameraId, viewer.Profile);
        return null;
    }

    /// <summary>Removes the viewer; the camera stops streaming <see cref="VideoOptions.StopAfterSeconds"/> after its last viewer left.</summary>
    public void Leave(LiveViewer viewer)
    {
        ArgumentNullException.ThrowIfNull(viewer);
        viewer.Close();
        lock (_lock)
        {
            if (!_sessions.TryGetValue(viewer.CameraId, out var session) || !session.Viewers.Contains(viewer))
            {
                return;
            }

            session.Viewers = [.. session.Viewers.Where(v => !ReferenceEquals(v, viewer))];
            _metrics.ViewerLeft(viewer.Profile);
            if (session.Viewers.Length == 0)
            {
                session.IdleSince = _clock.GetUtcNow();
            }
            else
            {
                // The rest may want less: a lower rate or a smaller picture.
                Ask(session, _links.Find(session.GatewayId), fresh: false);
            }
        }

        if (_options.StopAfterSeconds <= 0)
        {
            Sweep();
        }
    }

    /// <summary>
    /// A SendFrames call begins: the live camera it feeds, or why the call is refused (the view is unknown or stale:
    /// NOT_FOUND; a camera of another gateway: PERMISSION_DENIED).
    /// </summary>
    public (LiveFeed? Feed, Grpc.Core.StatusCode Code, string Message) AttachFeed(string gatewayId, string viewId, string cameraId)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(cameraId, out var session) || session.ViewId != viewId)
            {
                return (null, Grpc.Core.StatusCode.NotFound, $"no live view '{viewId}' of camera '{cameraId}' is wanted (nobody watches, or a newer view replaced it)");
            }

            if (session.GatewayId != gatewayId)
            {
                return (null, Grpc.Core.StatusCode.PermissionDenied, $"camera '{cameraId}' is served by gateway '{session.GatewayId}', not '{gatewayId}'");
            }

            session.Feed?.End($"a newer call of view '{viewId}' replaced it");
            var feed = new LiveFeed(this, session, viewId);
            session.Feed = feed;
            return (feed, Grpc.Core.StatusCode.OK, "");
        }
    }

    /// <summary>Ends every stream of the host (it is stopping).</summary>
    public void Dispose()
    {
        _links.Changed -= OnLinkChanged;
        List<Session> all;
        lock (_lock)
        {
            all = [.. _sessions.Values];
            _sessions.Clear();
        }

        foreach (var session in all)
        {
            session.Feed?.End("the host is stopping");
            foreach (var viewer in session.Viewers)
            {
                viewer.Close();
            }
        }
    }

    /// <summary>Live cameras now, for supervisors and tests.</summary>
    public IReadOnlyList<LiveCameraInfo> Describe()
    {
        lock (_lock)
        {
            return [.. _sessions.Values.OrderBy(s => s.CameraId, StringComparer.Ordinal).Select(s => new LiveCameraInfo(
                s.CameraId, s.GatewayId, s.State, s.Viewers.Length, s.Asked.Fps, s.Asked.MaxWidthPx, s.Asked.MaxHeightPx,
                Interlocked.Read(ref s.FramesReceived), s.LastFrameAt,
                [.. s.Viewers.Select(v => new LiveViewerInfo(v.Actor, v.Profile, v.UnitId, v.JoinedAt, v.Request.Fps, v.FramesSent, v.FramesDropped))]))];
        }
    }

    /// <summary>
    /// Periodic upkeep: stops cameras nobody watched for the grace time, marks stalled ones without picture, and asks
    /// again for those that were asked but send nothing.
    /// </summary>
    public void Sweep()
    {
        var now = _clock.GetUtcNow();
        var ended = new List<Session>();
        lock (_lock)
        {
            foreach (var session in _sessions.Values.ToList())
            {
                if (session.Viewers.Length == 0)
                {
                    if (session.IdleSince is { } idle && now - idle >= TimeSpan.FromSeconds(_options.StopAfterSeconds))
                    {
                        _sessions.Remove(session.CameraId);
                        ended.Add(session);
                    }

                    continue;
                }

                var link = _links.Find(session.GatewayId);
                if (link is null)
                {
                    SetState(session, LiveStates.GatewayOffline, $"gateway '{session.GatewayId}' is not connected; the picture comes back when it reconnects");
                    continue;
                }

                var lastSign = session.LastFrameAt ?? session.AskedAt;
                if (session.State == LiveStates.Live && session.LastFrameAt is { } last && now - last >= TimeSpan.FromSeconds(_options.NoPictureAfterSeconds))
                {
                    SetState(session, LiveStates.NoPicture, string.Create(CultureInfo.InvariantCulture,
                        $"no frame from camera '{session.CameraId}' for {(now - last).TotalSeconds:F0} s; asking gateway '{session.GatewayId}' again"));
                }

                if (session.State != LiveStates.Live && lastSign is { } sign && now - sign >= AskAgainAfter)
                {
                    Ask(session, link, fresh: true);
                }
            }

            _metrics.LiveCameras(_sessions.Count);
        }

        foreach (var session in ended)
        {
            End(session, "nobody watches it any more");
        }
    }

    /// <summary>
    /// A frame of a live camera: to every viewer due for one, at its size. A frame of a feed that has ended (the gateway
    /// went away, the view was asked for anew) is dropped: read off the wire just before the end, it would otherwise say
    /// "live" after the viewers were told "gateway offline".
    /// </summary>
    internal void Publish(Session session, LiveFeed feed, VideoFrame frame)
    {
        if (feed.HasEnded)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        var wasLive = session.State == LiveStates.Live;
        if (!wasLive)
        {
            lock (_lock)
            {
                // Ends are decided under this lock (OnLinkChanged, Ask), so a feed seen open here was not ended before.
                if (feed.HasEnded)
                {
                    return;
                }

                SetState(session, LiveStates.Live, $"live from gateway '{session.GatewayId}'");
            }
        }

        _metrics.FrameReceived();
        Interlocked.Increment(ref session.FramesReceived);
        session.LastFrameAt = now;

        var capturedAt = frame.CapturedAt?.ToDateTimeOffset() ?? now;
        var original = new LiveFrame(frame.Sequence, capturedAt, now, (int)frame.WidthPx, (int)frame.HeightPx, frame.Jpeg.Memory);
        Dictionary<(int, int), LiveFrame>? variants = null;
        foreach (var viewer in session.Viewers)
        {
            var interval = TimeSpan.FromSeconds(1 / viewer.Request.Fps);
            if (viewer.NextDueAt is { } due && now < due - (interval * 0.1))
            {
                continue;
            }

            // Due times advance by the interval (so a 2 fps viewer of a 5 fps camera gets 2 fps), but never lag behind now.
            viewer.NextDueAt = (viewer.NextDueAt is { } last && last > now - interval ? last : now) + interval;
            var fit = Fit(original.WidthPx, original.HeightPx, viewer.Request.MaxWidthPx, viewer.Request.MaxHeightPx);
            var delivered = original;
            if (fit != (original.WidthPx, original.HeightPx))
            {
                variants ??= [];
                if (!variants.TryGetValue(fit, out var scaled))
                {
                    scaled = Scale(original, fit);
                    variants[fit] = scaled;
                }

                delivered = scaled;
            }

            if (viewer.Offer(delivered))
            {
                _metrics.FrameDropped();
            }
        }
    }

    /// <summary>The SendFrames call ended (the gateway closed it, the connection broke, or the host ended it).</summary>
    internal void Detached(Session session, LiveFeed feed)
    {
        lock (_lock)
        {
            if (ReferenceEquals(session.Feed, feed))
            {
                session.Feed = null;
            }
        }
    }

    private void OnLinkChanged(GatewayLink link, bool attached)
    {
        lock (_lock)
        {
            foreach (var session in _sessions.Values.Where(s => s.GatewayId == link.GatewayId && s.Viewers.Length > 0))
            {
                if (attached)
                {
                    // Back (or here for the first time): every view still watched is asked for anew.
                    Ask(session, link, fresh: true);
                }
                else if (_links.Find(link.GatewayId) is null)
                {
                    session.Feed?.End($"gateway '{link.GatewayId}' disconnected");
                    SetState(session, LiveStates.GatewayOffline, $"gateway '{link.GatewayId}' disconnected; the picture comes back when it reconnects");
                }
            }
        }
    }

    /// <summary>
    /// Asks the gateway for the camera at the highest rate and largest size its viewers want (called under the lock).
    /// A fresh ask gets a new view id, so frames of an earlier, lost view are refused; otherwise the running view is
    /// changed in place when the wish changed.
    /// </summary>
    private void Ask(Session session, GatewayLink? link, bool fresh)
    {
        var wanted = new ViewRequest(
            session.Viewers.Length == 0 ? _options.DefaultFps : session.Viewers.Max(v => v.Request.Fps),
            session.Viewers.Length == 0 ? _options.DefaultWidthPx : session.Viewers.Max(v => v.Request.MaxWidthPx),
            session.Viewers.Length == 0 ? _options.DefaultHeightPx : session.Viewers.Max(v => v.Request.MaxHeightPx));
        if (link is null)
        {
            session.Asked = wanted;
            SetState(session, LiveStates.GatewayOffline, $"gateway '{session.GatewayId}' is not connected; the picture comes back when it reconnects");
            return;
        }

        if (!fresh && wanted == session.Asked && session.ViewId.Length > 0)
        {
            return;
        }

        if (fresh || session.ViewId.Length == 0)
        {
            session.Feed?.End("the view was asked for anew");
            session.ViewId = Guid.NewGuid().ToString("N");
            session.AskedAt = _clock.GetUtcNow();
            session.LastFrameAt = null;
            if (session.State != LiveStates.Live)
            {
                SetState(session, LiveStates.Starting, $"asked gateway '{session.GatewayId}' for camera '{session.CameraId}'");
            }
        }

        session.Asked = wanted;
        var start = new LiveViewStart
        {
            ViewId = session.ViewId,
            CameraId = session.CameraId,
            MaxFps = (float)wanted.Fps,
            MaxWidthPx = (uint)wanted.MaxWidthPx,
            MaxHeightPx = (uint)wanted.MaxHeightPx,
            JpegQuality = (uint)_options.JpegQuality,
        };
        if (!link.TrySend(new ServerMessage { LiveViewStart = start }))
        {
            // The gateway's outbox is full or closed; the sweep asks again.
            session.AskedAt = _clock.GetUtcNow();
        }
    }

    /// <summary>Stops a camera: the gateway is told, its frames call ended, its viewers (if any) closed.</summary>
    private void End(Session session, string why)
    {
        _links.Find(session.GatewayId)?.TrySend(new ServerMessage { LiveViewStop = new LiveViewStop { ViewId = session.ViewId, CameraId = session.CameraId } });
        session.Feed?.End($"nobody watches camera '{session.CameraId}' any more");
        foreach (var viewer in session.Viewers)
        {
            viewer.Close();
        }

        LogStopped(_logger, session.CameraId, session.GatewayId, why);
    }

    /// <summary>Changes the state and tells every viewer (called under the lock).</summary>
    private static void SetState(Session session, string state, string message)
    {
        if (session.State == state)
        {
            return;
        }

        session.State = state;
        session.StateMessage = message;
        foreach (var viewer in session.Viewers)
        {
            viewer.Tell(StatusOf(session, viewer));
        }
    }

    private static LiveStatus StatusOf(Session session, LiveViewer viewer) =>
        new(session.CameraId, session.State, session.StateMessage, viewer.Request.Fps, viewer.Request.MaxWidthPx, viewer.Request.MaxHeightPx);

    /// <summary>The largest size within the box that keeps the aspect ratio, never larger than the frame; even numbers.</summary>
    internal static (int Width, int Height) Fit(int width, int height, int maxWidth, int maxHeight)
    {
        if (width <= 0 || height <= 0)
        {
            return (width, height);
        }

        var scale = Math.Min(1.0, Math.Min(maxWidth > 0 ? (double)maxWidth / width : 1, maxHeight > 0 ? (double)maxHeight / height : 1));
        return scale >= 1 ? (width, height) : (Math.Max(2, (int)(width * scale) / 2 * 2), Math.Max(2, (int)(height * scale) / 2 * 2));
    }

    private static LiveFrame Scale(LiveFrame frame, (int Width, int Height) size) =>
        FrameScaler.Scale(frame.Jpeg.Span, size.Width, size.Height) is { } jpeg ? frame with { WidthPx = size.Width, HeightPx = size.Height, Jpeg = jpeg } : frame;

    /// <summary>One live camera on this host (fields guarded by the router's lock unless noted).</summary>
    internal sealed class Session(string cameraId, string gatewayId)
    {
        public long FramesReceived;

        public string CameraId { get; } = cameraId;

        public string GatewayId { get; } = gatewayId;

        public string ViewId { get; set; } = "";

        /// <summary>Replaced whole, so the frame path reads it without the lock.</summary>
        public LiveViewer[] Viewers { get; set; } = [];

        public string State { get; set; } = "";

        public string StateMessage { get; set; } = "";

        public ViewRequest Asked { get; set; } = new(0, 0, 0);

        public DateTimeOffset? AskedAt { get; set; }

        /// <summary>Written on the frame path, read by the sweep.</summary>
        public DateTimeOffset? LastFrameAt { get; set; }

        public DateTimeOffset? IdleSince { get; set; }

        public LiveFeed? Feed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live view: {Actor} watches camera '{CameraId}' ({Profile})")]
    private static partial void LogJoined(ILogger logger, string actor, string cameraId, ViewerProfile profile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live view of camera '{CameraId}' (gateway '{GatewayId}') stopped: {Why}")]
    private static partial void LogStopped(ILogger logger, string cameraId, string gatewayId, string why);
}

/// <summary>
/// A gateway's SendFrames call feeding a live camera. The call handler reads frames until the gateway ends the call or
/// <see cref="Ended"/> fires (nobody watches, a newer call replaced it, the gateway went away).
/// </summary>
#pragma warning disable CA1001 // The token source holds no timer; it is not disposed because End may still be cancelling it.
public sealed class LiveFeed : IDisposable
#pragma warning restore CA1001
{
    private readonly LiveCameras _cameras;
    private readonly LiveCameras.Session _session;
    private readonly CancellationTokenSource _end = new();
    private bool _ended;

    internal LiveFeed(LiveCameras cameras, LiveCameras.Session session, string viewId)
    {
        _cameras = cameras;
        _session = session;
        ViewId = viewId;
    }

    public string ViewId { get; }

    public string CameraId => _session.CameraId;

    /// <summary>Cancelled when the host ends the call; <see cref="EndReason"/> says why.</summary>
    public CancellationToken Ended => _end.Token;

    public string EndReason { get; private set; } = "";

    /// <summary>Whether the host ended this feed; its frames are dropped from then on.</summary>
    public bool HasEnded => Volatile.Read(ref _ended);

    public void Publish(VideoFrame frame) => _cameras.Publish(_session, this, frame);

    /// <summary>Ends the call; the reader wakes on another thread (this may be called under the router's lock).</summary>
    internal void End(string reason)
    {
        if (!Volatile.Read(ref _ended))
        {
            EndReason = reason;
            Volatile.Write(ref _ended, true);
            _ = _end.CancelAsync();
        }
    }

    /// <summary>The call is over. (The token source is left to the collector: an End may still be cancelling it.)</summary>
    public void Dispose() => _cameras.Detached(_session, this);
}
