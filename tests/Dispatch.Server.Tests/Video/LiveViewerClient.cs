using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Video;

/// <summary>A frame as a viewer received it: the header's fields, the JPEG's size, and when it arrived.</summary>
public sealed record ReceivedFrame(uint Sequence, double CapturedAtMs, double ReceivedByHostMs, int WidthPx, int HeightPx, uint Dropped, int JpegBytes, DateTimeOffset ArrivedAt);

/// <summary>
/// A viewer of GET /api/video/live/{camera} over a real WebSocket, as the page connects: it collects status messages and
/// frames. A slow viewer (<paramref name="reading"/> false) stops reading after connecting, with a small socket receive
/// buffer, so the host's writes to it block quickly: what a viewer on a bad link looks like to the host.
/// </summary>
public sealed class LiveViewerClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reader = Task.CompletedTask;

    public ConcurrentQueue<JsonElement> Messages { get; } = new();

    public ConcurrentQueue<ReceivedFrame> Frames { get; } = new();

    /// <summary>The close code and reason the host ended the socket with, once it did.</summary>
    public (int? Code, string? Reason) Closed { get; private set; }

    public WebSocketState State => _socket.State;

    /// <summary>
    /// Connects signed in as <paramref name="user"/> (a bearer token on the handshake; null: anonymous), or with exactly
    /// <paramref name="headers"/> when given.
    /// </summary>
    public static async Task<LiveViewerClient> ConnectAsync(int webPort, string cameraId, string query = "", bool reading = true, string? user = TestAccounts.Operator,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var viewer = new LiveViewerClient();
        if (headers is not null)
        {
            foreach (var (name, value) in headers)
            {
                viewer._socket.Options.SetRequestHeader(name, value);
            }
        }
        else if (user is not null)
        {
            viewer._socket.Options.SetRequestHeader("Authorization", "Bearer " + await TestAccounts.TokenAsync(new Uri($"http://127.0.0.1:{webPort}"), user));
        }

        var uri = new Uri($"ws://127.0.0.1:{webPort}/api/video/live/{Uri.EscapeDataString(cameraId)}{(query.Length > 0 ? "?" + query : "")}");
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (!reading)
                {
                    // A tiny window: the host's writes stall as soon as a few frames are in flight.
                    socket.ReceiveBufferSize = 4096;
                }

                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        await viewer._socket.ConnectAsync(uri, new HttpMessageInvoker(handler), TestContext.Current.CancellationToken);
        viewer._reader = viewer.ReadAsync(reading);
        return viewer;
    }

    /// <summary>The status messages received (type "status" or "refused"), in order.</summary>
    public IReadOnlyList<JsonElement> Statuses => [.. Messages];

    public bool HasState(string state) => Messages.Any(m => m.TryGetProperty("state", out var s) && s.GetString() == state);

    /// <summary>Starts reading (a slow viewer that recovers).</summary>
    public void Resume() => _reading.TrySetResult();

    /// <summary>Closes the socket as a page does when its tile closes.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "tile closed", CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // already gone
            }
        }

        await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        _reading.TrySetResult();
        await CloseAsync();
        await _stop.CancelAsync();
        _socket.Dispose();
    }

    private async Task ReadAsync(bool reading)
    {
        if (!reading)
        {
            await _reading.Task.WaitAsync(_stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var buffer = new byte[4 * 1024 * 1024];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Closed = ((int?)_socket.CloseStatus, _socket.CloseStatusDescription);
                    break;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    Messages.Enqueue(JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement.Clone());
                    continue;
                }

                var header = buffer.AsSpan(0, length);
                Frames.Enqueue(new ReceivedFrame(
                    BinaryPrimitives.ReadUInt32LittleEndian(header[20..]),
                    BinaryPrimitives.ReadDoubleLittleEndian(header[4..]),
                    BinaryPrimitives.ReadDoubleLittleEndian(header[12..]),
                    BinaryPrimitives.ReadUInt16LittleEndian(header[24..]),
                    BinaryPrimitives.ReadUInt16LittleEndian(header[26..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(header[28..]),
                    length - 32,
                    DateTimeOffset.UtcNow));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            Closed = ((int?)_socket.CloseStatus, _socket.CloseStatusDescription);
        }
    }
}
