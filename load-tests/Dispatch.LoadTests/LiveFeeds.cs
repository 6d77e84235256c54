using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using OpenCvSharp;

namespace Dispatch.LoadTests;

/// <summary>
/// A picture as a camera's live view sends it: a JPEG of a noisy gradient, encoded once per size. Noise keeps the
/// bytes realistic (a flat picture would compress to a few kilobytes and flatter the host): the noise is tuned so a
/// frame weighs about 0.2 bytes per pixel, some 45 KB at 640x360, as a street scene does at quality 70.
/// </summary>
public static class LivePicture
{
    private const double TargetBytesPerPixel = 0.2;
    private static readonly ConcurrentDictionary<(int Width, int Height), ByteString> Encoded = new();

    public static ByteString Jpeg(int widthPx, int heightPx) => Encoded.GetOrAdd((widthPx, heightPx), size => ByteString.CopyFrom(Encode(size.Width, size.Height)));

    internal static byte[] Encode(int widthPx, int heightPx)
    {
        var target = TargetBytesPerPixel * widthPx * heightPx;
        var pixels = new byte[widthPx * heightPx * 3];
        byte[] best = [];
        for (var noise = 2; noise <= 96; noise += 1 + (noise / 8))
        {
            var random = new Random(noise);
            for (var y = 0; y < heightPx; y++)
            {
                for (var x = 0; x < widthPx; x++)
                {
                    var at = ((y * widthPx) + x) * 3;
                    var shade = (255 * y / Math.Max(1, heightPx - 1) + 128 * x / Math.Max(1, widthPx - 1)) / 2;
                    for (var c = 0; c < 3; c++)
                    {
                        pixels[at + c] = (byte)Math.Clamp(shade + (c * 40) + random.Next(-noise, noise + 1), 0, 255);
                    }
                }
            }

            using var picture = Mat.FromPixelData(heightPx, widthPx, MatType.CV_8UC3, pixels);
            Cv2.ImEncode(".jpg", picture, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 70));
            best = jpeg;
            if (jpeg.Length >= target)
            {
                break;
            }
        }

        return best;
    }
}

/// <summary>
/// The live views the driver's gateways run, answering the host's LiveViewStart as the reference gateway does: a
/// CameraVideo.SendFrames call of its own per view, the picture of the asked size at the asked rate with captured_at
/// stamped, until LiveViewStop or the host ends the call. A start naming the running view changes its rate and size; a
/// new view of a camera replaces the old one. One per fleet; views are keyed by gateway and camera.
/// </summary>
public sealed class LiveFeeds : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Uri, GrpcChannel> _channels = new();
    private readonly ConcurrentDictionary<(string GatewayId, string CameraId), View> _views = new();
    private readonly ConcurrentDictionary<Task, byte> _senders = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private long _framesSent;
    private long _viewsStarted;
    private long _viewsLost;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long ViewsStarted => Interlocked.Read(ref _viewsStarted);

    /// <summary>Views whose call failed (not stopped by the host's word, nor ended by it).</summary>
    public long ViewsLost => Interlocked.Read(ref _viewsLost);

    public string FirstLoss { get; private set; } = "";

    /// <summary>Starts a view, or changes the rate and size of the running one with the same id.</summary>
    public void Start(HostEndpoints host, string gatewayId, LiveViewStart request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            var key = (gatewayId, request.CameraId);
            if (_views.TryGetValue(key, out var running))
            {
                if (running.ViewId == request.ViewId)
                {
                    running.Request = request;
                    return;
                }

                // A new view of the same camera: the service ended the old one, or lost our stream.
                running.Stopping.Cancel();
            }

            var view = new View(request, CancellationTokenSource.CreateLinkedTokenSource(_stop.Token));
            _views[key] = view;
            Interlocked.Increment(ref _viewsStarted);
            var sender = Task.Run(() => SendAsync(host, gatewayId, view));
            _senders.TryAdd(sender, 0);
            _ = sender.ContinueWith(done => _senders.TryRemove(done, out _), TaskScheduler.Default);
        }
    }

    public void Stop(string gatewayId, LiveViewStop request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            if (_views.TryGetValue((gatewayId, request.CameraId), out var view) && view.ViewId == request.ViewId)
            {
                Retire(gatewayId, view);
            }
        }
    }

    /// <summary>Every view of a gateway whose Connect stream ended (the host asks again on the next stream).</summary>
    public void StopAll(string gatewayId)
    {
        lock (_lock)
        {
            foreach (var view in _views.Where(v => v.Key.GatewayId == gatewayId).Select(v => v.Value).ToList())
            {
                Retire(gatewayId, view);
            }
        }
    }

    private void Retire(string gatewayId, View view)
    {
        _views.TryRemove(new KeyValuePair<(string, string), View>((gatewayId, view.CameraId), view));
        view.Stopping.Cancel();
    }

    private async Task SendAsync(HostEndpoints host, string gatewayId, View view)
    {
        var channel = _channels.GetOrAdd(host.Grpc, grpc => GrpcChannel.ForAddress(grpc, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), EnableMultipleHttp2Connections = true },
        }));
        var credentials = new Metadata { { "authorization", $"Bearer {host.GatewayCredential}" }, { "x-dispatch-gateway-id", gatewayId } };
        var stopping = view.Stopping.Token;
        try
        {
            using var call = new CameraVideo.CameraVideoClient(channel).SendFrames(credentials, cancellationToken: stopping);
            var ended = call.ResponseAsync;
            ulong sequence = 0;
            var next = Stopwatch.GetTimestamp();
            while (!stopping.IsCancellationRequested)
            {
                var (fps, width, height) = Settings(view.Request);
                var frame = new VideoFrame
                {
                    ViewId = view.ViewId,
                    CameraId = view.CameraId,
                    Sequence = ++sequence,
                    CapturedAt = Timestamp.FromDateTime(DateTime.UtcNow),
                    Jpeg = LivePicture.Jpeg(width, height),
                    WidthPx = (uint)width,
                    HeightPx = (uint)height,
                };
                try
                {
                    await call.RequestStream.WriteAsync(frame, stopping);
                }
                catch (RpcException answered) when (answered.StatusCode == StatusCode.OK)
                {
                    // The host ended the call while this frame was on its way: nobody watches any more.
                    return;
                }

                Interlocked.Increment(ref _framesSent);

                // The next frame is due one interval after this one was due (a late write does not shift the rate).
                next = Math.Max(next + (long)(Stopwatch.Frequency / fps), Stopwatch.GetTimestamp());
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                var due = Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stopping);
                if (await Task.WhenAny(due, ended) == ended)
                {
                    await ended;
                    return;
                }

                await due;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by the host's LiveViewStop, a new view of the camera, the stream's end or the run's.
        }
        catch (Exception error) when (error is RpcException or IOException or HttpRequestException or InvalidOperationException or ObjectDisposedException)
        {
            if (stopping.IsCancellationRequested || error is RpcException { StatusCode: StatusCode.Cancelled })
            {
                return;
            }

            Interlocked.Increment(ref _viewsLost);
            if (FirstLoss.Length == 0)
            {
                FirstLoss = $"view {view.ViewId} of {view.CameraId}: {(error is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : error.Message)}";
            }
        }
        finally
        {
            lock (_lock)
            {
                Retire(gatewayId, view);
            }
        }
    }

    /// <summary>The asked rate and size, with the contract's defaults for what was not asked.</summary>
    private static (double Fps, int WidthPx, int HeightPx) Settings(LiveViewStart request) => (
        request.MaxFps is > 0 and <= 60 ? request.MaxFps : 5,
        request.MaxWidthPx is > 0 and <= 7680 ? (int)request.MaxWidthPx : 640,
        request.MaxHeightPx is > 0 and <= 4320 ? (int)request.MaxHeightPx : 360);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_senders.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _stop.Dispose();
    }

    private sealed class View(LiveViewStart request, CancellationTokenSource stopping)
    {
        private volatile LiveViewStart _request = request;

        public string ViewId { get; } = request.ViewId;

        public string CameraId { get; } = request.CameraId;

        public LiveViewStart Request
        {
            get => _request;
            set => _request = value;
        }

        public CancellationTokenSource Stopping { get; } = stopping;
    }
}
