using System.Collections.Concurrent;
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
/// The live views a synthetic gateway runs, answering the host's LiveViewStart as the reference gateway does: a
/// CameraVideo.SendFrames call of its own per view, the picture of the asked size at the asked rate with captured_at
/// stamped, until LiveViewStop or the host ends the call. One per fleet; views are keyed by gateway and view id.
/// </summary>
public sealed class LiveFeeds : IDisposable
{
    private readonly ConcurrentDictionary<Uri, GrpcChannel> _channels = new();
    private readonly ConcurrentDictionary<(string GatewayId, string ViewId), CancellationTokenSource> _views = new();
    private readonly CancellationTokenSource _stop = new();
    private long _framesSent;
    private long _viewsStarted;
    private long _viewsLost;

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long ViewsStarted => Interlocked.Read(ref _viewsStarted);

    /// <summary>Views whose call failed (not stopped by the host's word or ended by it).</summary>
    public long ViewsLost => Interlocked.Read(ref _viewsLost);

    public string FirstLoss { get; private set; } = "";

    /// <summary>Starts a view (or restarts it at the new rate and size when the host asks again for the same view).</summary>
    public void Start(HostEndpoints host, string gatewayId, LiveViewStart request)
    {
        var key = (gatewayId, request.ViewId);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (_views.TryGetValue(key, out var running))
        {
            running.Cancel();
        }

        _views[key] = stop;
        Interlocked.Increment(ref _viewsStarted);
        _ = SendAsync(host, gatewayId, request, stop);
    }

    public void Stop(string gatewayId, LiveViewStop request)
    {
        if (_views.TryRemove((gatewayId, request.ViewId), out var stop))
        {
            stop.Cancel();
        }
    }

    /// <summary>Every view of a gateway whose Connect stream ended (the host asks again on the next stream).</summary>
    public void StopAll(string gatewayId)
    {
        foreach (var key in _views.Keys.Where(k => k.GatewayId == gatewayId).ToList())
        {
            if (_views.TryRemove(key, out var stop))
            {
                stop.Cancel();
            }
        }
    }

    private async Task SendAsync(HostEndpoints host, string gatewayId, LiveViewStart request, CancellationTokenSource stop)
    {
        var fps = request.MaxFps is > 0 and <= 60 ? request.MaxFps : 5;
        var width = request.MaxWidthPx is > 0 and <= 7680 ? (int)request.MaxWidthPx : 640;
        var height = request.MaxHeightPx is > 0 and <= 4320 ? (int)request.MaxHeightPx : 360;
        var jpeg = LivePicture.Jpeg(width, height);
        var channel = _channels.GetOrAdd(host.Grpc, grpc => GrpcChannel.ForAddress(grpc, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), EnableMultipleHttp2Connections = true },
        }));
        var credentials = new Metadata { { "authorization", $"Bearer {host.GatewayCredential}" }, { "x-dispatch-gateway-id", gatewayId } };
        try
        {
            using var call = new CameraVideo.CameraVideoClient(channel).SendFrames(credentials, cancellationToken: stop.Token);
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / fps));
            var ended = call.ResponseAsync;
            ulong sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                var frame = new VideoFrame
                {
                    ViewId = request.ViewId,
                    CameraId = request.CameraId,
                    Sequence = ++sequence,
                    CapturedAt = Timestamp.FromDateTime(DateTime.UtcNow),
                    Jpeg = jpeg,
                    WidthPx = (uint)width,
                    HeightPx = (uint)height,
                };
                try
                {
                    await call.RequestStream.WriteAsync(frame, stop.Token);
                }
                catch (RpcException answered) when (answered.StatusCode == StatusCode.OK)
                {
                    // The host ended the call while this frame was on its way: nobody watches any more.
                    return;
                }

                Interlocked.Increment(ref _framesSent);
                var tick = timer.WaitForNextTickAsync(stop.Token).AsTask();
                if (await Task.WhenAny(tick, ended) == ended)
                {
                    await ended;
                    return;
                }

                await tick;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by the host's LiveViewStop, a new start of the same view, or the end of the run.
        }
        catch (Exception error) when (error is RpcException or IOException or HttpRequestException or InvalidOperationException)
        {
            if (stop.IsCancellationRequested || error is RpcException { StatusCode: StatusCode.Cancelled })
            {
                return;
            }

            Interlocked.Increment(ref _viewsLost);
            if (FirstLoss.Length == 0)
            {
                FirstLoss = $"view {request.ViewId} of {request.CameraId}: {(error is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : error.Message)}";
            }
        }
        finally
        {
            // Not disposed: a new start of the same view may still cancel it.
            _views.TryRemove(new KeyValuePair<(string, string), CancellationTokenSource>((gatewayId, request.ViewId), stop));
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _stop.Dispose();
    }
}
