using Dispatch.Contracts;
using Dispatch.Contracts.V1;
using Dispatch.Gateway.Spool;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.Gateway.Delivery;

/// <summary>What the service asks of a gateway on its Connect session besides acks: clip settings, live views.</summary>
public interface IGatewaySessionListener
{
    /// <summary>A session began; the Welcome carries the service's clip policy (unset: none).</summary>
    void Welcomed(Welcome welcome);

    void LiveViewStart(LiveViewStart request);

    void LiveViewStop(LiveViewStop request);

    /// <summary>The session ended: live views end with it (the service asks again after the next Hello).</summary>
    void SessionEnded();
}

/// <summary>
/// Keeps a CameraGateway.Connect session open and drains the spool into it: Hello, wait for the
/// Welcome, then every pending alert oldest first within the service's window, heartbeats on
/// schedule, acks applied to the spool as they come. Any failure ends the session and a new one
/// starts after a jittered exponential backoff; unacknowledged alerts are simply sent again with
/// the same alert id, and the service's de-duplication makes that safe.
/// </summary>
public sealed class AlertDelivery
{
    private readonly DeliveryOptions _options;
    private readonly AlertSpool _spool;
    private readonly Func<Heartbeat> _heartbeat;
    private readonly Action<string> _log;
    private readonly IGatewaySessionListener? _listener;
    private readonly Backoff _backoff;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _gate = new();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sentOnce = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _heldUntil = new(StringComparer.Ordinal);
    private int _window;
    private TimeSpan _heartbeatInterval;
    private long _alertsSent;
    private long _alertsAcked;
    private long _alertsRejected;
    private long _sessions;
    private long _failedAttempts;
    private volatile bool _connected;
    private Uri _server;

    public AlertDelivery(DeliveryOptions options, AlertSpool spool, Func<Heartbeat>? heartbeat = null, Action<string>? log = null, Random? random = null,
        IGatewaySessionListener? listener = null)
    {
        _options = options;
        _listener = listener;
        _spool = spool;
        _heartbeat = heartbeat ?? (() => new Heartbeat());
        _log = log ?? (_ => { });
        _backoff = new Backoff(options.InitialBackoff, options.MaxBackoff, random);
        _window = options.DefaultWindow;
        _server = options.Server;
        _heartbeatInterval = options.HeartbeatInterval;
        _spool.Appended += Wake;
    }

    /// <summary>Distinct alerts written to a stream at least once by this process.</summary>
    public long AlertsSent => Interlocked.Read(ref _alertsSent);

    /// <summary>Alerts answered ACCEPTED or DUPLICATE.</summary>
    public long AlertsAcked => Interlocked.Read(ref _alertsAcked);

    /// <summary>Alerts dropped after a permanent rejection.</summary>
    public long AlertsRejected => Interlocked.Read(ref _alertsRejected);

    /// <summary>Sessions that got as far as a Welcome.</summary>
    public long Sessions => Interlocked.Read(ref _sessions);

    /// <summary>Connection attempts that failed before or during a session.</summary>
    public long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    public bool Connected => _connected;

    /// <summary>The host this gateway talks to now (or will try next).</summary>
    public Uri CurrentServer => _server;

    /// <summary>
    /// Runs sessions until cancelled. A lost or refused session moves on to the next host of
    /// <see cref="DeliveryOptions.Servers"/> at once; the backoff applies once every host has been tried in turn.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var servers = _options.Servers;
        var current = 0;
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunSessionAsync(() => attempt = 0, cancellationToken);
            }
            catch (Exception error) when (cancellationToken.IsCancellationRequested
                && error is OperationCanceledException or RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                // Asked to stop (end of --duration, Ctrl+C): the stream ends because we end it, not because it was lost.
                _log($"delivery stopped; {_spool.Count} alerts left in the spool");
                break;
            }
            catch (Exception error) when (error is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                Interlocked.Increment(ref _failedAttempts);
                _log($"connection to {_server} lost or refused: {Describe(error)}");
            }
            finally
            {
                _connected = false;
                _listener?.SessionEnded();
                lock (_gate)
                {
                    _inFlight.Clear();
                }
            }

            current = (current + 1) % servers.Count;
            _server = servers[current];
            var delay = (attempt + 1) % servers.Count == 0 ? _backoff.Delay(attempt / servers.Count) : TimeSpan.Zero;
            attempt++;
            _log($"reconnecting to {_server} in {delay.TotalSeconds:F2} s (attempt {attempt})");
            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RunSessionAsync(Action onWelcome, CancellationToken stopping)
    {
        // The call's own life, ended when the session ends: after a clean close when the gateway is asked to stop, so
        // the service sees the stream finish rather than a reset.
        using var sessionCts = new CancellationTokenSource();
        using var channel = GrpcChannel.ForAddress(_server, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(20),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                EnableMultipleHttp2Connections = true,
            },
        });
        var client = new CameraGateway.CameraGatewayClient(channel);
        using var call = client.Connect(cancellationToken: sessionCts.Token);
        Task? reader = null;
        try
        {
            var hello = new Hello
            {
                GatewayId = _options.GatewayId,
                Credential = _options.Credential,
                Software = "dispatch-gateway/1.2",
                SupportsLiveView = _options.SupportsLiveView,
                SupportsEventClips = _options.SupportsEventClips,
            };
            hello.Cameras.AddRange(_options.Cameras);
            await call.RequestStream.WriteAsync(new GatewayMessage { Hello = hello }, stopping);

            var welcomed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            reader = ReadAsync(call.ResponseStream, welcomed, sessionCts.Token);
            await Task.WhenAny(welcomed.Task, reader, Task.Delay(_options.WelcomeTimeout, stopping));
            stopping.ThrowIfCancellationRequested();
            if (!welcomed.Task.IsCompletedSuccessfully)
            {
                if (!reader.IsCompleted)
                {
                    throw new InvalidOperationException($"no Welcome from {_server} within {_options.WelcomeTimeout.TotalSeconds:F0} s");
                }

                // Refused (e.g. UNAUTHENTICATED) or unreachable: the reader holds the service's status.
                await reader;
                throw new InvalidOperationException($"{_server} ended the stream without a Welcome");
            }

            onWelcome();
            _connected = true;
            Interlocked.Increment(ref _sessions);
            _log($"connected to {_server}; {_spool.Count} alerts pending, window {Volatile.Read(ref _window)}");
            var nextHeartbeat = DateTime.UtcNow;
            while (!reader.IsCompleted && !stopping.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= nextHeartbeat)
                {
                    var beat = _heartbeat();
                    beat.SentAt = Timestamp.FromDateTime(DateTime.UtcNow);
                    beat.SpooledAlerts = (uint)_spool.Count;
                    await call.RequestStream.WriteAsync(new GatewayMessage { Heartbeat = beat }, stopping);
                    nextHeartbeat = DateTime.UtcNow + _heartbeatInterval;
                }

                foreach (var alert in NextToSend())
                {
                    await call.RequestStream.WriteAsync(new GatewayMessage { Alert = alert }, stopping);
                }

                var untilHeartbeat = nextHeartbeat - DateTime.UtcNow;
                var wait = TimeSpan.FromMilliseconds(Math.Clamp(untilHeartbeat.TotalMilliseconds, 1, 250));
                await Task.WhenAny(_wake.WaitAsync(wait, stopping), reader);
            }

            if (!reader.IsCompleted)
            {
                // Asked to stop: end our half of the stream; the service answers what it has and ends the call.
                await call.RequestStream.CompleteAsync();
                await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None));
                throw new OperationCanceledException(stopping);
            }

            // The service closed the stream (or it broke): surface why.
            await reader;
            throw new InvalidOperationException("the service ended the stream");
        }
        finally
        {
            await sessionCts.CancelAsync();
            if (reader is not null)
            {
                await Observe(reader);
            }
        }
    }

    /// <summary>Pending alerts that may go out now: not in flight, not held back, within the window.</summary>
    private List<Alert> NextToSend()
    {
        var batch = new List<Alert>();
        var now = DateTime.UtcNow;
        lock (_gate)
        {
            var room = Volatile.Read(ref _window) - _inFlight.Count;
            if (room <= 0)
            {
                return batch;
            }

            foreach (var alert in _spool.Pending())
            {
                if (batch.Count >= room)
                {
                    break;
                }

                if (_inFlight.Contains(alert.AlertId) || (_heldUntil.TryGetValue(alert.AlertId, out var until) && until > now))
                {
                    continue;
                }

                _heldUntil.Remove(alert.AlertId);
                _inFlight.Add(alert.AlertId);
                if (_sentOnce.Add(alert.AlertId))
                {
                    Interlocked.Increment(ref _alertsSent);
                }

                batch.Add(alert);
            }
        }

        return batch;
    }

    private async Task ReadAsync(IAsyncStreamReader<ServerMessage> responses, TaskCompletionSource welcomed, CancellationToken cancellationToken)
    {
        try
        {
            while (await responses.MoveNext(cancellationToken))
            {
                var message = responses.Current;
                switch (message.BodyCase)
                {
                    case ServerMessage.BodyOneofCase.Welcome:
                        ApplyWindow(message.Welcome.FlowControl);
                        if (message.Welcome.HeartbeatIntervalSeconds > 0)
                        {
                            _heartbeatInterval = TimeSpan.FromSeconds(message.Welcome.HeartbeatIntervalSeconds);
                        }

                        for (var i = 0; i < message.Welcome.RefusedCameraIds.Count; i++)
                        {
                            var reason = i < message.Welcome.RefusedReasons.Count ? message.Welcome.RefusedReasons[i] : RejectReason.Unspecified;
                            _log($"camera {message.Welcome.RefusedCameraIds[i]} refused by the service: {reason}");
                        }

                        _listener?.Welcomed(message.Welcome);
                        welcomed.TrySetResult();
                        break;
                    case ServerMessage.BodyOneofCase.LiveViewStart:
                        _listener?.LiveViewStart(message.LiveViewStart);
                        break;
                    case ServerMessage.BodyOneofCase.LiveViewStop:
                        _listener?.LiveViewStop(message.LiveViewStop);
                        break;
                    case ServerMessage.BodyOneofCase.FlowControl:
                        ApplyWindow(message.FlowControl);
                        break;
                    case ServerMessage.BodyOneofCase.Ack:
                        Apply(message.Ack);
                        break;
                    default:
                        // A newer service may send messages this gateway does not know; ignoring them is the contract.
                        break;
                }

                Wake();
            }
        }
        finally
        {
            welcomed.TrySetCanceled(CancellationToken.None);
        }
    }

    private void ApplyWindow(FlowControl? flow)
    {
        if (flow is { MaxUnacknowledgedAlerts: > 0 })
        {
            Volatile.Write(ref _window, (int)Math.Min(flow.MaxUnacknowledgedAlerts, 100_000));
        }
    }

    private void Apply(AlertAck ack)
    {
        lock (_gate)
        {
            _inFlight.Remove(ack.AlertId);
            switch (ack.Outcome)
            {
                case AlertOutcome.Accepted or AlertOutcome.Duplicate:
                    if (_spool.Acknowledge(ack.AlertId))
                    {
                        Interlocked.Increment(ref _alertsAcked);
                    }

                    _sentOnce.Remove(ack.AlertId);
                    break;
                case AlertOutcome.Rejected when AlertValidation.IsRetryable(ack.RejectReason):
                    var wait = ack.RetryAfter?.ToTimeSpan() is { } after && after > TimeSpan.Zero ? after : _options.RetryRejectedAfter;
                    _heldUntil[ack.AlertId] = DateTime.UtcNow + wait;
                    break;
                case AlertOutcome.Rejected:
                    _log($"alert {ack.AlertId} rejected for good: {ack.RejectReason} {ack.Message}");
                    if (_spool.Acknowledge(ack.AlertId))
                    {
                        Interlocked.Increment(ref _alertsRejected);
                    }

                    _sentOnce.Remove(ack.AlertId);
                    break;
                default:
                    _log($"alert {ack.AlertId}: ack without outcome ignored; the alert stays spooled");
                    break;
            }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private static async Task Observe(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception error) when (error is RpcException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The session is over either way; its cause was logged or is being raised elsewhere.
        }
    }

    private static string Describe(Exception error) => error switch
    {
        RpcException rpc => $"{rpc.StatusCode} {rpc.Status.Detail}",
        _ => error.Message,
    };
}
