using System.Collections.Concurrent;
using Dispatch.Contracts.V1;
using Dispatch.Vision.Snapshots;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OpenCvSharp;

namespace Dispatch.Gateway.Video;

/// <summary>
/// The live views the service asked for: for each, frames of its camera at no more than the asked rate and size, sent
/// up on a CameraVideo.SendFrames call of its own. A camera thread offers every frame; one that is due is scaled,
/// encoded and put in the view's one-frame mailbox, replacing a frame not yet sent (counted as dropped): a view whose
/// call is slow sends the newest picture when it can, and never makes the camera, its analytics or another view wait.
/// </summary>
public sealed class LiveViews : IDisposable
{
    /// <summary>The contract's limit on one frame's JPEG.</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    private readonly VideoLink _link;
    private readonly HashSet<string> _cameras;
    private readonly int _maxViews;
    private readonly Action<string> _log;
    private readonly ConcurrentDictionary<string, View> _byCamera = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _framesSent;
    private long _framesDropped;

    /// <param name="cameraIds">The cameras this gateway serves; a view of any other is refused.</param>
    /// <param name="maxViews">Views this gateway runs at once, whatever the service asks (the service bounds them too).</param>
    public LiveViews(VideoLink link, IEnumerable<string> cameraIds, int maxViews, Action<string>? log = null)
    {
        _link = link;
        _cameras = new HashSet<string>(cameraIds, StringComparer.Ordinal);
        _maxViews = maxViews;
        _log = log ?? (_ => { });
    }

    /// <summary>Views running now.</summary>
    public int Active => _byCamera.Count;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Frames replaced in a mailbox before they could be sent.</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>Whether the camera has a view now (its frames are wanted).</summary>
    public bool IsWatched(string cameraId) => _byCamera.ContainsKey(cameraId);

    /// <summary>Starts a view, or changes the rate and size of the running one with the same id.</summary>
    public void Start(LiveViewStart request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_cameras.Contains(request.CameraId))
        {
            _log($"live view {request.ViewId}: camera '{request.CameraId}' is not one of this gateway's; ignored");
            return;
        }

        var settings = ViewSettings.Of(request);
        lock (_lock)
        {
            if (_byCamera.TryGetValue(request.CameraId, out var running))
            {
                if (running.ViewId == request.ViewId)
                {
                    running.Settings = settings;
                    _log($"live view {request.ViewId} of {request.CameraId}: now {settings}");
                    return;
                }

                // A new view of the same camera replaces the old one (the service ended it, or lost our stream).
                Retire(running);
            }
            else if (_byCamera.Count >= _maxViews)
            {
                _log($"live view {request.ViewId} of {request.CameraId} refused: {_maxViews} views already run (--max-live)");
                return;
            }

            var view = new View(request.ViewId, request.CameraId, settings);
            _byCamera[request.CameraId] = view;
            view.Sender = Task.Run(() => SendAsync(view));
            _log($"live view {request.ViewId} of {request.CameraId} started: {settings}");
        }
    }

    public void Stop(LiveViewStop request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            var view = _byCamera.Values.FirstOrDefault(v => v.ViewId == request.ViewId);
            if (view is not null)
            {
                Retire(view);
                _log($"live view {view.ViewId} of {view.CameraId} stopped: nobody watches");
            }
        }
    }

    /// <summary>Ends every view (the Connect session ended; the service asks again for those still watched).</summary>
    public void StopAll()
    {
        lock (_lock)
        {
            foreach (var view in _byCamera.Values.ToList())
            {
                Retire(view);
            }
        }
    }

    /// <summary>A camera's new frame: encoded and handed to its view when one runs and the frame is due at its rate.</summary>
    public void Offer(string cameraId, Mat frame, DateTime capturedAtUtc)
    {
        if (!_byCamera.TryGetValue(cameraId, out var view))
        {
            return;
        }

        var settings = view.Settings;
        var interval = TimeSpan.FromSeconds(1 / settings.Fps);
        if (capturedAtUtc - view.LastOfferedUtc < interval * 0.9)
        {
            return;
        }

        view.LastOfferedUtc = capturedAtUtc;
        var (jpeg, width, height) = Encode(frame, settings);
        if (jpeg.Length > MaxFrameBytes)
        {
            return;
        }

        var message = new VideoFrame
        {
            ViewId = view.ViewId,
            CameraId = cameraId,
            Sequence = (ulong)Interlocked.Increment(ref view.Sequence),
            CapturedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(capturedAtUtc, DateTimeKind.Utc)),
            Jpeg = ByteString.CopyFrom(jpeg),
            WidthPx = (uint)width,
            HeightPx = (uint)height,
        };
        if (view.Put(message))
        {
            Interlocked.Increment(ref _framesDropped);
        }
    }

    private async Task SendAsync(View view)
    {
        var frames = 0L;
        try
        {
            using var call = _link.Client.SendFrames(_link.Credentials, cancellationToken: view.Stopping.Token);
            var ended = call.ResponseAsync;
            while (!view.Stopping.IsCancellationRequested)
            {
                var next = view.TakeAsync(view.Stopping.Token);
                if (await Task.WhenAny(next, ended) == ended)
                {
                    // The service ended the call: nobody watches any more (or it does not know the view).
                    var result = await ended;
                    _log($"live view {view.ViewId} of {view.CameraId} ended by the service after {frames} frames: {result.Message}");
                    return;
                }

                try
                {
                    await call.RequestStream.WriteAsync(await next, view.Stopping.Token);
                }
                catch (RpcException answered) when (answered.StatusCode == StatusCode.OK)
                {
                    // The service ended the call while this frame was on its way; its answer says why.
                    _log($"live view {view.ViewId} of {view.CameraId} ended by the service after {frames} frames: {(await ended).Message}");
                    return;
                }

                frames++;
                Interlocked.Increment(ref _framesSent);
            }

            await call.RequestStream.CompleteAsync();
            await ended.WaitAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        }
        catch (Exception error) when (error is OperationCanceledException or TimeoutException)
        {
            // Stopped by the service's LiveViewStop or by the end of the session.
        }
        catch (Exception error) when (error is RpcException or IOException or HttpRequestException or InvalidOperationException)
        {
            _log($"live view {view.ViewId} of {view.CameraId} lost after {frames} frames: {(error is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : error.Message)}");
        }
        finally
        {
            lock (_lock)
            {
                if (_byCamera.TryGetValue(view.CameraId, out var current) && ReferenceEquals(current, view))
                {
                    _byCamera.TryRemove(view.CameraId, out _);
                }
            }

            await view.Stopping.CancelAsync();
        }
    }

    /// <summary>Removes the view and ends its call (called under the lock).</summary>
    private void Retire(View view)
    {
        if (_byCamera.TryGetValue(view.CameraId, out var current) && ReferenceEquals(current, view))
        {
            _byCamera.TryRemove(view.CameraId, out _);
        }

        view.Stopping.Cancel();
    }

    private static (byte[] Jpeg, int Width, int Height) Encode(Mat frame, ViewSettings settings)
    {
        var scale = Math.Min(1.0, Math.Min(
            settings.MaxWidthPx > 0 ? (double)settings.MaxWidthPx / frame.Width : 1,
            settings.MaxHeightPx > 0 ? (double)settings.MaxHeightPx / frame.Height : 1));
        if (scale >= 1)
        {
            return (Snapshot.Encode(frame, settings.JpegQuality), frame.Width, frame.Height);
        }

        using var small = new Mat();
        Cv2.Resize(frame, small, new Size(Math.Max(2, (int)(frame.Width * scale)), Math.Max(2, (int)(frame.Height * scale))), interpolation: InterpolationFlags.Area);
        return (Snapshot.Encode(small, settings.JpegQuality), small.Width, small.Height);
    }

    public void Dispose()
    {
        StopAll();
    }

    /// <summary>What a view asked for, with the contract's defaults filled in.</summary>
    private sealed record ViewSettings(double Fps, int MaxWidthPx, int MaxHeightPx, int JpegQuality)
    {
        public static ViewSettings Of(LiveViewStart request) => new(
            request.MaxFps is > 0 and <= 60 ? request.MaxFps : 5,
            (int)Math.Min(request.MaxWidthPx, 7680),
            (int)Math.Min(request.MaxHeightPx, 4320),
            request.JpegQuality is >= 1 and <= 100 ? (int)request.JpegQuality : 70);

        public override string ToString() => System.FormattableString.Invariant(
            $"{Fps:0.#} fps, at most {(MaxWidthPx > 0 ? MaxWidthPx.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any")}x{(MaxHeightPx > 0 ? MaxHeightPx.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any")} px, quality {JpegQuality}");
    }

    private sealed class View(string viewId, string cameraId, ViewSettings settings)
    {
        private readonly Lock _slotLock = new();
        private readonly SemaphoreSlim _signal = new(0);
        private VideoFrame? _slot;
        private volatile ViewSettings _settings = settings;

        public long Sequence;

        public string ViewId { get; } = viewId;

        public string CameraId { get; } = cameraId;

        public ViewSettings Settings
        {
            get => _settings;
            set => _settings = value;
        }

        public DateTime LastOfferedUtc { get; set; } = DateTime.MinValue;

        public CancellationTokenSource Stopping { get; } = new();

        public Task? Sender { get; set; }

        /// <summary>Puts the frame in the mailbox; true when it replaced one not yet sent.</summary>
        public bool Put(VideoFrame frame)
        {
            lock (_slotLock)
            {
                var replaced = _slot is not null;
                _slot = frame;
                if (!replaced)
                {
                    _signal.Release();
                }

                return replaced;
            }
        }

        public async Task<VideoFrame> TakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                await _signal.WaitAsync(cancellationToken);
                lock (_slotLock)
                {
                    if (_slot is { } frame)
                    {
                        _slot = null;
                        return frame;
                    }
                }
            }
        }
    }
}
