using System.Collections.Concurrent;
using Dispatch.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.Server.Tests.Video;

/// <summary>
/// A camera gateway of contract 1.2 over real gRPC, scripted for tests: it says Hello with live view, and answers each
/// LiveViewStart by sending frames (a JPEG whose brightness encodes nothing in particular) on a SendFrames call at the
/// asked rate until LiveViewStop comes or the service ends the call. <see cref="DisposeAsync"/> drops its streams
/// abruptly, as a gateway that loses power or its network does.
/// </summary>
public sealed class ScriptedGateway : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<GatewayMessage, ServerMessage> _connect;
    private readonly Metadata _credentials;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, View> _views = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<Welcome> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private readonly byte[] _jpeg;
    private long _framesOfEndedViews;

    private ScriptedGateway(string server, string gatewayId, string credential, byte[] jpeg, int widthPx, int heightPx)
    {
        _channel = GrpcChannel.ForAddress(server);
        _credentials = new Metadata { { "authorization", $"Bearer {credential}" }, { "x-dispatch-gateway-id", gatewayId } };
        _jpeg = jpeg;
        WidthPx = widthPx;
        HeightPx = heightPx;
        _connect = new CameraGateway.CameraGatewayClient(_channel).Connect(cancellationToken: _stop.Token);
        _reader = ReadAsync();
    }

    public int WidthPx { get; }

    public int HeightPx { get; }

    /// <summary>Every live-view request received, in order.</summary>
    public ConcurrentQueue<LiveViewStart> Starts { get; } = new();

    /// <summary>Every stop received, in order.</summary>
    public ConcurrentQueue<LiveViewStop> Stops { get; } = new();

    /// <summary>How SendFrames calls ended: the service's result message, or the status it ended them with.</summary>
    public ConcurrentQueue<string> Endings { get; } = new();

    /// <summary>Frames sent, all views together.</summary>
    public long FramesSent => _views.Values.Sum(v => v.Sent) + _framesOfEndedViews;

    /// <summary>Views sending now, by camera.</summary>
    public IReadOnlyCollection<string> LiveCameras => [.. _views.Values.Select(v => v.CameraId)];

    public Task<Welcome> Welcome => _welcome.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

    /// <summary>Connects and says Hello for <paramref name="cameras"/>; every frame it sends is <paramref name="jpeg"/> (default: <see cref="Frame"/>).</summary>
    public static async Task<ScriptedGateway> ConnectAsync(string server, string gatewayId, string credential, IEnumerable<CameraInfo> cameras,
        int widthPx = 640, int heightPx = 360, bool liveView = true, byte[]? jpeg = null)
    {
        var gateway = new ScriptedGateway(server, gatewayId, credential, jpeg ?? Frame(widthPx, heightPx), widthPx, heightPx);
        var hello = new Hello { GatewayId = gatewayId, Credential = credential, Software = "scripted-gateway/1.2", SupportsLiveView = liveView, SupportsEventClips = true };
        hello.Cameras.AddRange(cameras);
        await gateway._connect.RequestStream.WriteAsync(new GatewayMessage { Hello = hello }, TestContext.Current.CancellationToken);
        await gateway.Welcome;
        return gateway;
    }

    /// <summary>A frame of noise: a JPEG as large as a busy scene at this size gets (for viewers that cannot keep up).</summary>
    public static byte[] NoisyFrame(int widthPx, int heightPx)
    {
        using var frame = new OpenCvSharp.Mat(heightPx, widthPx, OpenCvSharp.MatType.CV_8UC3);
        OpenCvSharp.Cv2.Randu(frame, OpenCvSharp.Scalar.All(0), OpenCvSharp.Scalar.All(255));
        return Dispatch.Vision.Snapshots.Snapshot.Encode(frame, 90);
    }

    /// <summary>A frame of the given size: a dark street with a bright box, as a baseline JPEG.</summary>
    public static byte[] Frame(int widthPx, int heightPx)
    {
        using var frame = new OpenCvSharp.Mat(heightPx, widthPx, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(60, 70, 80));
        OpenCvSharp.Cv2.Rectangle(frame, new OpenCvSharp.Rect(widthPx / 4, heightPx / 4, widthPx / 2, heightPx / 2), new OpenCvSharp.Scalar(200, 180, 160), -1);
        return Dispatch.Vision.Snapshots.Snapshot.Encode(frame);
    }

    /// <summary>Sends a heartbeat over the Connect stream.</summary>
    public Task HeartbeatAsync(Heartbeat beat) =>
        _connect.RequestStream.WriteAsync(new GatewayMessage { Heartbeat = beat }, TestContext.Current.CancellationToken);

    /// <summary>Drops every stream at once, without a goodbye.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var view in _views.Values)
        {
            await view.Stopping.CancelAsync();
        }

        try
        {
            await _reader;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // dropped
        }

        _connect.Dispose();
        _channel.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _connect.ResponseStream.ReadAllAsync(_stop.Token))
            {
                switch (message.BodyCase)
                {
                    case ServerMessage.BodyOneofCase.Welcome:
                        _welcome.TrySetResult(message.Welcome);
                        break;
                    case ServerMessage.BodyOneofCase.LiveViewStart:
                        Start(message.LiveViewStart);
                        break;
                    case ServerMessage.BodyOneofCase.LiveViewStop:
                        Stops.Enqueue(message.LiveViewStop);
                        if (_views.TryGetValue(message.LiveViewStop.CameraId, out var stopped) && stopped.ViewId == message.LiveViewStop.ViewId)
                        {
                            await stopped.Stopping.CancelAsync();
                        }

                        break;
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            _welcome.TrySetException(ex);
        }
    }

    private void Start(LiveViewStart request)
    {
        Starts.Enqueue(request);
        if (_views.TryGetValue(request.CameraId, out var running))
        {
            if (running.ViewId == request.ViewId)
            {
                running.Fps = request.MaxFps;
                return;
            }

            running.Stopping.Cancel();
        }

        var view = new View(request.ViewId, request.CameraId, request.MaxFps);
        _views[request.CameraId] = view;
        _ = Task.Run(() => SendAsync(view));
    }

    private async Task SendAsync(View view)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(view.Stopping.Token, _stop.Token);
        try
        {
            using var call = new CameraVideo.CameraVideoClient(_channel).SendFrames(_credentials, cancellationToken: linked.Token);
            ulong sequence = 0;
            var endedByService = false;
            while (!linked.IsCancellationRequested && !call.ResponseAsync.IsCompleted)
            {
                try
                {
                    await WriteFrameAsync();
                }
                catch (RpcException ended) when (ended.StatusCode == StatusCode.OK)
                {
                    // The service answered (nobody watches any more) while this frame was on its way.
                    endedByService = true;
                    break;
                }

                Interlocked.Increment(ref view.Sent);
                await Task.WhenAny(Task.Delay(TimeSpan.FromSeconds(1 / Math.Max(0.1, view.Fps)), linked.Token), call.ResponseAsync);
            }

            if (endedByService || call.ResponseAsync.IsCompleted)
            {
                Endings.Enqueue((await call.ResponseAsync).Message);
            }
            else
            {
                await call.RequestStream.CompleteAsync();
                Endings.Enqueue("stopped by the gateway");
            }

            Task WriteFrameAsync() => call.RequestStream.WriteAsync(new VideoFrame
            {
                ViewId = view.ViewId,
                CameraId = view.CameraId,
                Sequence = ++sequence,
                CapturedAt = Timestamp.FromDateTime(DateTime.UtcNow),
                Jpeg = ByteString.CopyFrom(_jpeg),
                WidthPx = (uint)WidthPx,
                HeightPx = (uint)HeightPx,
            }, linked.Token);
        }
        catch (RpcException ex) when (!(ex.StatusCode == StatusCode.Cancelled && linked.IsCancellationRequested))
        {
            Endings.Enqueue($"{ex.StatusCode}: {ex.Status.Detail}");
        }
        catch (RpcException)
        {
            Endings.Enqueue("stopped by the gateway");
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            Endings.Enqueue("stopped by the gateway");
        }
        finally
        {
            if (_views.TryGetValue(view.CameraId, out var current) && ReferenceEquals(current, view))
            {
                _views.TryRemove(view.CameraId, out _);
            }

            Interlocked.Add(ref _framesOfEndedViews, view.Sent);
        }
    }

    private sealed class View(string viewId, string cameraId, float fps)
    {
        public long Sent;

        public string ViewId { get; } = viewId;

        public string CameraId { get; } = cameraId;

        public float Fps { get; set; } = fps;

        public CancellationTokenSource Stopping { get; } = new();
    }
}
