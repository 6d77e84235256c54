using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dispatch.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.LoadTests;

/// <summary>
/// Camera gateways on dispatch.v1.CameraGateway/Connect, one stream each: Hello, then alerts under the flow-control
/// window the Welcome gives, heartbeats, and acks matched by alert id. An alert's clock starts when its gateway
/// takes it (before any wait for the window); an accepted ack hands the incident id to the <see cref="AlertTracker"/>.
/// A retryable refusal is re-sent with the same alert id after the ack's retry_after, as a gateway must.
/// </summary>
public sealed class GatewayFleet : IAsyncDisposable
{
    private const int MaxAttempts = 5;

    private readonly Dictionary<string, Gateway> _gateways;
    private readonly AlertTracker _tracker;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private long _sent;
    private long _acked;
    private long _accepted;
    private long _rejected;
    private long _noIncident;
    private long _retried;

    private GatewayFleet(Dictionary<string, Gateway> gateways, AlertTracker tracker)
    {
        _gateways = gateways;
        _tracker = tracker;
    }

    /// <summary>Alerts taken by a gateway.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Alerts with a final ack (accepted, duplicate, or refused for good).</summary>
    public long Acked => Interlocked.Read(ref _acked);

    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Alerts refused for good (or still refused after the last retry).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Accepted without an incident (inside a camera's cooldown after its incident closed).</summary>
    public long NoIncident => Interlocked.Read(ref _noIncident);

    /// <summary>Re-sends after a retryable refusal (window full, service busy).</summary>
    public long Retried => Interlocked.Read(ref _retried);

    public string FirstRejection { get; private set; } = "";

    /// <summary>From the gateway taking an alert to its final ack (the intake path: camera, correlation, incident opened).</summary>
    public LatencyRecorder AckLatency { get; } = new();

    public static async Task<GatewayFleet> ConnectAsync(HostEndpoints host, IReadOnlyList<string> gatewayIds, AlertTracker tracker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(gatewayIds);
        var fleet = new GatewayFleet([], tracker);
        try
        {
            foreach (var id in gatewayIds)
            {
                fleet._gateways[id] = await Gateway.OpenAsync(fleet, host, id, cancellationToken);
            }
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }

        return fleet;
    }

    /// <summary>Hands an alert to its camera's gateway; returns at once (the send happens on the gateway's stream).</summary>
    public void Send(SimAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!_gateways.TryGetValue(alert.GatewayId, out var gateway))
        {
            throw new InvalidOperationException($"camera '{alert.CameraId}' streams through gateway '{alert.GatewayId}', which this run did not open");
        }

        Interlocked.Increment(ref _sent);
        var pending = new PendingAlert(alert, $"load-{_runId}-{alert.Number}", Stopwatch.GetTimestamp());
        gateway.Enqueue(pending);
    }

    /// <summary>Waits (bounded) until every alert taken has its final ack and every accepted one reached a terminal.</summary>
    public async Task<bool> DrainAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Acked < Sent || _tracker.AssignedCount < Accepted - NoIncident)
        {
            if (Stopwatch.GetElapsedTime(started) > within)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    private void OnAck(PendingAlert pending, AlertAck ack, Gateway gateway)
    {
        if (ack.Outcome != AlertOutcome.Rejected || !Retryable(ack.RejectReason) || pending.Attempts + 1 >= MaxAttempts)
        {
            AckLatency.RecordSince(pending.SentAt);
        }

        switch (ack.Outcome)
        {
            case AlertOutcome.Accepted or AlertOutcome.Duplicate when ack.IncidentId.Length > 0:
                Interlocked.Increment(ref _accepted);
                _ = _tracker.SentAsync(ack.IncidentId, pending.SentAt);
                break;
            case AlertOutcome.Accepted or AlertOutcome.Duplicate:
                Interlocked.Increment(ref _accepted);
                Interlocked.Increment(ref _noIncident);
                break;
            case AlertOutcome.Rejected when Retryable(ack.RejectReason) && ++pending.Attempts < MaxAttempts:
                Interlocked.Increment(ref _retried);
                var wait = ack.RetryAfter?.ToTimeSpan() ?? TimeSpan.FromSeconds(1);
                _ = RetryLaterAsync(gateway, pending, wait);
                return;
            default:
                Interlocked.Increment(ref _rejected);
                if (FirstRejection.Length == 0)
                {
                    FirstRejection = $"{ack.RejectReason}: {ack.Message}";
                }

                break;
        }

        Interlocked.Increment(ref _acked);
    }

    private static bool Retryable(RejectReason reason) =>
        Dispatch.Contracts.AlertValidation.IsRetryable(reason);

    private static async Task RetryLaterAsync(Gateway gateway, PendingAlert pending, TimeSpan wait)
    {
        await Task.Delay(wait);
        gateway.Enqueue(pending);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways.Values)
        {
            await gateway.DisposeAsync();
        }
    }

    private sealed class PendingAlert(SimAlert alert, string alertId, long sentAt)
    {
        public SimAlert Alert { get; } = alert;

        public string AlertId { get; } = alertId;

        public long SentAt { get; } = sentAt;

        public int Attempts { get; set; }
    }

    /// <summary>One gateway: its channel, its Connect stream, its window, its alerts awaiting an ack.</summary>
    private sealed class Gateway : IAsyncDisposable
    {
        private readonly GatewayFleet _fleet;
        private readonly GrpcChannel _channel;
        private readonly AsyncDuplexStreamingCall<GatewayMessage, ServerMessage> _call;
        private readonly Channel<PendingAlert> _queue = Channel.CreateUnbounded<PendingAlert>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentDictionary<string, PendingAlert> _awaitingAck = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _window;
        private readonly Task _writer;
        private readonly Task _reader;

        private Gateway(GatewayFleet fleet, GrpcChannel channel, AsyncDuplexStreamingCall<GatewayMessage, ServerMessage> call, Welcome welcome)
        {
            _fleet = fleet;
            _channel = channel;
            _call = call;
            _window = new SemaphoreSlim((int)Math.Max(1, welcome.FlowControl?.MaxUnacknowledgedAlerts ?? 1));
            var heartbeat = TimeSpan.FromSeconds(Math.Max(1, welcome.HeartbeatIntervalSeconds));
            _writer = WriteAsync(heartbeat, _stop.Token);
            _reader = ReadAsync(_stop.Token);
        }

        public static async Task<Gateway> OpenAsync(GatewayFleet fleet, HostEndpoints host, string gatewayId, CancellationToken cancellationToken)
        {
            var channel = GrpcChannel.ForAddress(host.Grpc, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    ConnectTimeout = TimeSpan.FromSeconds(10),
                    KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                    KeepAlivePingTimeout = TimeSpan.FromSeconds(60),
                    EnableMultipleHttp2Connections = true,
                },
            });
            var call = new CameraGateway.CameraGatewayClient(channel).Connect(cancellationToken: CancellationToken.None);
            try
            {
                // Cameras are registered to this gateway in the city file, so the Hello need not list them.
                await call.RequestStream.WriteAsync(new GatewayMessage
                {
                    Hello = new Hello { GatewayId = gatewayId, Credential = host.GatewayCredential, Software = "dispatch-load/1.0" },
                }, cancellationToken);
                if (!await call.ResponseStream.MoveNext(cancellationToken) || call.ResponseStream.Current.BodyCase != ServerMessage.BodyOneofCase.Welcome)
                {
                    throw new InvalidOperationException($"gateway '{gatewayId}': the host did not answer the Hello with a Welcome");
                }

                return new Gateway(fleet, channel, call, call.ResponseStream.Current.Welcome);
            }
            catch (RpcException ex)
            {
                call.Dispose();
                channel.Dispose();
                throw new InvalidOperationException($"gateway '{gatewayId}' could not connect to {host.Grpc}: {ex.Status.StatusCode} {ex.Status.Detail}", ex);
            }
        }

        public void Enqueue(PendingAlert pending) => _queue.Writer.TryWrite(pending);

        private async Task WriteAsync(TimeSpan heartbeatInterval, CancellationToken cancellationToken)
        {
            var nextHeartbeat = Stopwatch.GetTimestamp();
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (Stopwatch.GetElapsedTime(nextHeartbeat) >= TimeSpan.Zero)
                    {
                        await _call.RequestStream.WriteAsync(new GatewayMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTime(DateTime.UtcNow) } }, cancellationToken);
                        nextHeartbeat = Stopwatch.GetTimestamp() + (long)(heartbeatInterval.TotalSeconds * Stopwatch.Frequency);
                    }

                    using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    tick.CancelAfter(TimeSpan.FromSeconds(1));
                    PendingAlert pending;
                    try
                    {
                        pending = await _queue.Reader.ReadAsync(tick.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        continue;
                    }

                    // Flow control: at most the window awaiting an ack; the alert waits here (its clock running).
                    await _window.WaitAsync(cancellationToken);
                    _awaitingAck[pending.AlertId] = pending;
                    var alert = new Alert
                    {
                        AlertId = pending.AlertId,
                        CameraId = pending.Alert.CameraId,
                        Kind = AlertKind.Intrusion,
                        Confidence = 0.9f,
                        ObservedAt = Timestamp.FromDateTime(DateTime.UtcNow),
                    };
                    await _call.RequestStream.WriteAsync(new GatewayMessage { Alert = alert }, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException)
            {
                // The stream ended; alerts not yet acked stay counted as unacked.
            }
        }

        private async Task ReadAsync(CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var message in _call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    if (message.BodyCase == ServerMessage.BodyOneofCase.Ack && _awaitingAck.TryRemove(message.Ack.AlertId, out var pending))
                    {
                        _window.Release();
                        _fleet.OnAck(pending, message.Ack, this);
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or RpcException)
            {
                // The stream ended.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or TimeoutException or OperationCanceledException)
            {
                // Already over.
            }

            await Task.WhenAll(_writer, _reader).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            _call.Dispose();
            _channel.Dispose();
            _window.Dispose();
            _stop.Dispose();
        }
    }
}
