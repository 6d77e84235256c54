using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;

namespace Dispatch.LoadTests;

/// <summary>What the live viewers saw during the timed phase, beside the alert path's figures.</summary>
/// <param name="FpsMin">The slowest viewer's frames per second over the phase.</param>
/// <param name="FpsMedian">The median viewer's frames per second over the phase.</param>
/// <param name="LatencyP50Ms">From the gateway's captured_at to the viewer receiving the frame.</param>
/// <param name="HostDropped">Frames the host dropped for slow viewers over the load phase and its drain, by its /metrics (NaN when it has none).</param>
/// <param name="GatewayFramesSent">Frames the gateways sent during the whole run (views start a little before the phase).</param>
public sealed record WatchFigures(
    int Cameras, int Viewers, double AskedFps, int WidthPx, int HeightPx, long Frames, double FpsMin, double FpsMedian,
    double LatencyP50Ms, double LatencyP95Ms, double HostDropped, long GatewayFramesSent, double FrameKb, IReadOnlyList<string> Refusals)
{
    public string Line() => string.Create(CultureInfo.InvariantCulture,
        $"watch_cameras={Cameras} watch_viewers={Viewers} watch_fps_min={FpsMin:F1} watch_fps_median={FpsMedian:F1} frame_latency_p50_ms={LatencyP50Ms:F0} frame_latency_p95_ms={LatencyP95Ms:F0} frames_dropped={HostDropped:F0}");
}

/// <summary>
/// Operator pages' live tiles: M WebSockets on GET /api/video/live/{camera}, signed in with the driver's bearer token,
/// spread over the watched cameras in turn. Each reads every frame (a 32-byte header with captured_at, then the JPEG)
/// and counts, between <see cref="BeginPhase"/> and <see cref="EndPhase"/>, the frames it received and how late.
/// </summary>
public sealed class LiveWatchers : IAsyncDisposable
{
    private const int HeaderBytes = 32;
    private readonly List<Viewer> _viewers = [];
    private readonly CancellationTokenSource _stop = new();
    private long _phaseStarted;
    private long _phaseEnded;

    public LatencyRecorder Latency { get; } = new();

    public int Count => _viewers.Count;

    /// <summary>Why a viewer was refused or closed by the host, if one was.</summary>
    public IReadOnlyList<string> Refusals => [.. _viewers.Select(v => v.Refusal).Where(r => r.Length > 0)];

    /// <summary>Frames per second each viewer received over the phase.</summary>
    public IReadOnlyList<double> FramesPerSecond
    {
        get
        {
            var seconds = Stopwatch.GetElapsedTime(_phaseStarted, _phaseEnded == 0 ? Stopwatch.GetTimestamp() : _phaseEnded).TotalSeconds;
            return [.. _viewers.Select(v => seconds > 0 ? Interlocked.Read(ref v.PhaseFrames) / seconds : 0)];
        }
    }

    public long PhaseFrames => _viewers.Sum(v => Interlocked.Read(ref v.PhaseFrames));

    /// <summary>Mean JPEG size received, in KB.</summary>
    public double FrameKb
    {
        get
        {
            var frames = _viewers.Sum(v => Interlocked.Read(ref v.AllFrames));
            return frames == 0 ? double.NaN : _viewers.Sum(v => Interlocked.Read(ref v.JpegBytes)) / (double)frames / 1024;
        }
    }

    /// <summary>Connects <paramref name="viewers"/> viewers to <paramref name="cameraIds"/> in turn.</summary>
    public static async Task<LiveWatchers> ConnectAsync(Uri web, string accessToken, IReadOnlyList<string> cameraIds, int viewers, double fps, int widthPx, int heightPx, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(web);
        ArgumentNullException.ThrowIfNull(cameraIds);
        var watchers = new LiveWatchers();
        try
        {
            for (var i = 0; i < viewers; i++)
            {
                var camera = cameraIds[i % cameraIds.Count];
                var uri = new Uri(string.Create(CultureInfo.InvariantCulture,
                    $"ws://{web.Authority}/api/video/live/{Uri.EscapeDataString(camera)}?fps={fps}&width={widthPx}&height={heightPx}"));
                var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", "Bearer " + accessToken);
                var viewer = new Viewer(camera, socket);
                watchers._viewers.Add(viewer);
                await socket.ConnectAsync(uri, cancellationToken);
                viewer.Reader = watchers.ReadAsync(viewer, watchers._stop.Token);
            }
        }
        catch
        {
            await watchers.DisposeAsync();
            throw;
        }

        return watchers;
    }

    /// <summary>Waits (bounded) until every viewer has received a frame: the views run before the phase is timed.</summary>
    public async Task<bool> WaitForPicturesAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (_viewers.Any(v => Interlocked.Read(ref v.AllFrames) == 0))
        {
            if (Stopwatch.GetElapsedTime(started) > within || _viewers.Any(v => v.Refusal.Length > 0))
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    public void BeginPhase() => Volatile.Write(ref _phaseStarted, Stopwatch.GetTimestamp());

    public void EndPhase() => Volatile.Write(ref _phaseEnded, Stopwatch.GetTimestamp());

    private bool InPhase => Volatile.Read(ref _phaseStarted) != 0 && Volatile.Read(ref _phaseEnded) == 0;

    private async Task ReadAsync(Viewer viewer, CancellationToken cancellationToken)
    {
        var buffer = new byte[2 * 1024 * 1024];
        try
        {
            while (viewer.Socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    received = await viewer.Socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    length += received.Count;
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);

                var now = DateTimeOffset.UtcNow;
                var arrivedMs = now.ToUnixTimeMilliseconds() + (now.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond);
                switch (received.MessageType)
                {
                    case WebSocketMessageType.Close:
                        if (viewer.Socket.CloseStatus is { } status && status != WebSocketCloseStatus.NormalClosure)
                        {
                            viewer.Refusal = $"camera {viewer.CameraId}: closed {(int)status} {viewer.Socket.CloseStatusDescription}";
                        }

                        return;
                    case WebSocketMessageType.Text:
                        var text = Encoding.UTF8.GetString(buffer, 0, length);
                        if (text.Contains("\"refused\"", StringComparison.Ordinal))
                        {
                            viewer.Refusal = $"camera {viewer.CameraId}: {text}";
                        }

                        break;
                    case WebSocketMessageType.Binary when length >= HeaderBytes:
                        var capturedMs = BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(4));
                        Interlocked.Increment(ref viewer.AllFrames);
                        Interlocked.Add(ref viewer.JpegBytes, length - HeaderBytes);
                        if (InPhase)
                        {
                            Interlocked.Increment(ref viewer.PhaseFrames);
                            Latency.Record(TimeSpan.FromMilliseconds(Math.Max(0, arrivedMs - capturedMs)));
                        }

                        break;
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException or IOException)
        {
            // The run ended, or the host dropped the viewer.
            if (!cancellationToken.IsCancellationRequested && viewer.Refusal.Length == 0)
            {
                viewer.Refusal = $"camera {viewer.CameraId}: {error.Message}";
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var viewer in _viewers)
        {
            try
            {
                if (viewer.Socket.State == WebSocketState.Open)
                {
                    using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await viewer.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", bound.Token);
                }
            }
            catch (Exception error) when (error is OperationCanceledException or WebSocketException or IOException)
            {
                // Already gone.
            }

            await viewer.Reader.WaitAsync(TimeSpan.FromSeconds(3)).ContinueWith(_ => { }, TaskScheduler.Default);
            viewer.Socket.Dispose();
        }

        _stop.Dispose();
    }

    private sealed class Viewer(string cameraId, ClientWebSocket socket)
    {
        public long PhaseFrames;
        public long AllFrames;
        public long JpegBytes;

        public string CameraId { get; } = cameraId;

        public ClientWebSocket Socket { get; } = socket;

        public Task Reader { get; set; } = Task.CompletedTask;

        public string Refusal { get; set; } = "";
    }
}
