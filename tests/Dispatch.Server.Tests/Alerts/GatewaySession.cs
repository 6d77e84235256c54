using System.Collections.Concurrent;
using Dispatch.Contracts.V1;
using Grpc.Core;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>A gateway's Connect stream as a test drives it: acks are matched to alerts by alert id.</summary>
public sealed class GatewaySession : IAsyncDisposable
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    private readonly AsyncDuplexStreamingCall<GatewayMessage, ServerMessage> _call;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<AlertAck>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<Welcome> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Task _reader;
    private int _acks;

    private GatewaySession(CameraGateway.CameraGatewayClient client)
    {
        _call = client.Connect(cancellationToken: TestContext.Current.CancellationToken);
        _reader = ReadAsync();
    }

    /// <summary>Every ack received, in arrival order.</summary>
    public ConcurrentQueue<AlertAck> Acks { get; } = new();

    public int AckCount => Volatile.Read(ref _acks);

    /// <summary>Opens a stream without saying hello.</summary>
    public static GatewaySession Open(CameraGateway.CameraGatewayClient client) => new(client);

    /// <summary>Opens a stream and completes the Hello.</summary>
    public static async Task<(GatewaySession Session, Welcome Welcome)> ConnectAsync(CameraGateway.CameraGatewayClient client, GatewayMessage hello)
    {
        var session = new GatewaySession(client);
        await session.SendRawAsync(hello);
        var welcome = await session.WelcomeAsync();
        return (session, welcome);
    }

    public Task<Welcome> WelcomeAsync() => _welcome.Task.WaitAsync(AckTimeout, TestContext.Current.CancellationToken);

    public async Task SendRawAsync(GatewayMessage message)
    {
        await _sendGate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            await _call.RequestStream.WriteAsync(message, TestContext.Current.CancellationToken);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends without waiting; the ack's task completes when it arrives.</summary>
    public async Task<Task<AlertAck>> PostAsync(Alert alert)
    {
        var pending = new TaskCompletionSource<AlertAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[alert.AlertId] = pending;
        await SendRawAsync(new GatewayMessage { Alert = alert });
        return pending.Task.WaitAsync(AckTimeout, TestContext.Current.CancellationToken);
    }

    /// <summary>Sends one alert and waits for its ack.</summary>
    public async Task<AlertAck> SendAsync(Alert alert) => await await PostAsync(alert);

    /// <summary>How the stream ended (OK while open), after the client half-closes.</summary>
    public async Task<RpcException?> CloseAsync()
    {
        await _call.RequestStream.CompleteAsync();
        try
        {
            await _reader.WaitAsync(AckTimeout, TestContext.Current.CancellationToken);
            return null;
        }
        catch (RpcException ex)
        {
            return ex;
        }
    }

    /// <summary>The error that ended the call (e.g. UNAUTHENTICATED).</summary>
    public async Task<RpcException> FailureAsync()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _reader.WaitAsync(AckTimeout, TestContext.Current.CancellationToken));
        return ex;
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // disposed while open
        }

        _sendGate.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync())
            {
                switch (message.BodyCase)
                {
                    case ServerMessage.BodyOneofCase.Welcome:
                        _welcome.TrySetResult(message.Welcome);
                        break;
                    case ServerMessage.BodyOneofCase.Ack:
                        Acks.Enqueue(message.Ack);
                        Interlocked.Increment(ref _acks);
                        if (_pending.TryRemove(message.Ack.AlertId, out var pending))
                        {
                            pending.TrySetResult(message.Ack);
                        }

                        break;
                }
            }
        }
        catch (Exception ex)
        {
            _welcome.TrySetException(ex);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(ex);
            }

            throw;
        }
    }
}
