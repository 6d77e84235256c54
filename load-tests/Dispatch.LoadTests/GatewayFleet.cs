using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dispatch.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dispatch.LoadTests;

/// <summary>An alert a host acknowledged with an incident (accepted, or a duplicate naming the original incident).</summary>
public sealed record AckedAlert(string GatewayId, string AlertId, string IncidentId, AlertOutcome Outcome, long AckedAt);

/// <summary>A refusal of an alert: which, when (Stopwatch timestamp), why, and whether it carried a retry_after.</summary>
public sealed record AlertRefusal(string AlertId, long At, RejectReason Reason, bool HasRetryAfter);

/// <summary>
/// A client (gateway or terminal) that lost its host at <c>LostAt</c> (how: <c>Reason</c>, e.g. a gRPC status) and was
/// connected to <c>To</c> again at <c>BackAt</c> (0: never).
/// </summary>
public sealed record Reconnection(string Client, long LostAt, long BackAt, Uri? To, string Reason = "");

/// <summary>
/// Camera gateways on dispatch.v1.CameraGateway/Connect, one stream each: Hello, then alerts under the flow-control
/// window the Welcome gives, heartbeats, and acks matched by alert id. An alert's clock starts when its gateway
/// takes it (before any wait for the window); an accepted ack hands the incident id to the <see cref="AlertTracker"/>.
/// A retryable refusal is re-sent with the same alert id after the ack's retry_after, as a gateway must.
/// Given several hosts (a cluster), gateway i starts on host i mod N; a stream that ends or fails moves to the next
/// host of the list at once (a pause once per round of all hosts), and every alert the lost host had not acknowledged
/// is sent again with the same id; such a gateway keeps an alert until it is acknowledged, however many refusals.
/// </summary>
public sealed class GatewayFleet : IAsyncDisposable
{
    private const int MaxAttemptsOnOneHost = 5;
    private static readonly TimeSpan RoundPause = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, Gateway> _gateways;
    private readonly AlertTracker _tracker;
    private readonly bool _failover;
    private readonly LiveFeeds? _video;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentQueue<AckedAlert> _acks = new();
    private readonly ConcurrentQueue<AlertRefusal> _refusals = new();
    private readonly ConcurrentQueue<Reconnection> _reconnections = new();
    private long _sent;
    private long _acked;
    private long _accepted;
    private long _rejected;
    private long _noIncident;
    private long _retried;

    private GatewayFleet(Dictionary<string, Gateway> gateways, AlertTracker tracker, bool failover, LiveFeeds? video)
    {
        _video = video;
        _gateways = gateways;
        _tracker = tracker;
        _failover = failover;
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

    /// <summary>Every alert acknowledged with an incident, in the order the acks came.</summary>
    public IReadOnlyCollection<AckedAlert> Acks => _acks;

    /// <summary>Every refusal of an alert (each attempt of a retried one counts).</summary>
    public IReadOnlyCollection<AlertRefusal> Refusals => _refusals;

    /// <summary>Every stream a gateway lost and where (and when) it connected again.</summary>
    public IReadOnlyCollection<Reconnection> Reconnections => _reconnections;

    /// <summary>Gateways without a stream right now.</summary>
    public int Disconnected => _gateways.Values.Count(g => !g.Connected);

    /// <summary>The gateways on one host; a lost stream ends that gateway (no host to move to).</summary>
    public static Task<GatewayFleet> ConnectAsync(HostEndpoints host, IReadOnlyList<string> gatewayIds, AlertTracker tracker, CancellationToken cancellationToken, LiveFeeds? video = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return ConnectAsync([host], gatewayIds, tracker, failover: false, cancellationToken, video);
    }

    /// <summary>The gateways spread over <paramref name="hosts"/>; with <paramref name="failover"/> a lost stream moves to the next host.</summary>
    /// <param name="video">When given, the gateways offer live views (Hello's supports_live_view) and answer the host's LiveViewStart with frames.</param>
    public static async Task<GatewayFleet> ConnectAsync(
        IReadOnlyList<HostEndpoints> hosts, IReadOnlyList<string> gatewayIds, AlertTracker tracker, bool failover, CancellationToken cancellationToken, LiveFeeds? video = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(gatewayIds);
        if (hosts.Count == 0)
        {
            throw new ArgumentException("at least one host is needed", nameof(hosts));
        }

        var fleet = new GatewayFleet([], tracker, failover, video);
        try
        {
            for (var i = 0; i < gatewayIds.Count; i++)
            {
                fleet._gateways[gatewayIds[i]] = await Gateway.OpenAsync(fleet, hosts, i % hosts.Count, gatewayIds[i], cancellationToken);
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
        var maxAttempts = _failover ? int.MaxValue : MaxAttemptsOnOneHost;
        if (ack.Outcome == AlertOutcome.Rejected)
        {
            _refusals.Enqueue(new AlertRefusal(pending.AlertId, Stopwatch.GetTimestamp(), ack.RejectReason, ack.RetryAfter is not null));
        }

        if (ack.Outcome != AlertOutcome.Rejected || !Retryable(ack.RejectReason) || pending.Attempts + 1 >= maxAttempts)
        {
            AckLatency.RecordSince(pending.SentAt);
        }

        switch (ack.Outcome)
        {
            case AlertOutcome.Accepted or AlertOutcome.Duplicate when ack.IncidentId.Length > 0:
                Interlocked.Increment(ref _accepted);
                _acks.Enqueue(new AckedAlert(gateway.Id, pending.AlertId, ack.IncidentId, ack.Outcome, Stopwatch.GetTimestamp()));
                _ = _tracker.SentAsync(ack.IncidentId, pending.SentAt);
                break;
            case AlertOutcome.Accepted or AlertOutcome.Duplicate:
                Interlocked.Increment(ref _accepted);
                Interlocked.Increment(ref _noIncident);
                break;
            case AlertOutcome.Rejected when Retryable(ack.RejectReason) && ++pending.Attempts < maxAttempts:
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

    /// <summary>
    /// One gateway: its queue of alerts to send and its alerts awaiting an ack (both outlive a stream), and its current
    /// session on one host. When a session ends, what it had not acknowledged goes back to the queue for the next one.
    /// </summary>
    private sealed class Gateway : IAsyncDisposable
    {
        private readonly GatewayFleet _fleet;
        private readonly IReadOnlyList<HostEndpoints> _hosts;
        private readonly Channel<PendingAlert> _queue = Channel.CreateUnbounded<PendingAlert>(new UnboundedChannelOptions { SingleReader = true });
        private readonly ConcurrentDictionary<string, PendingAlert> _awaitingAck = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private Session? _session;
        private int _host;
        private Task _run = Task.CompletedTask;

        private Gateway(GatewayFleet fleet, IReadOnlyList<HostEndpoints> hosts, int host, string id)
        {
            _fleet = fleet;
            _hosts = hosts;
            _host = host;
            Id = id;
        }

        public string Id { get; }

        public bool Connected => Volatile.Read(ref _session) is not null;

        public static async Task<Gateway> OpenAsync(GatewayFleet fleet, IReadOnlyList<HostEndpoints> hosts, int first, string gatewayId, CancellationToken cancellationToken)
        {
            var gateway = new Gateway(fleet, hosts, first, gatewayId);
            gateway._session = await Session.OpenAsync(gateway, hosts[first], cancellationToken);
            gateway._run = gateway.RunAsync();
            return gateway;
        }

        public void Enqueue(PendingAlert pending) => _queue.Writer.TryWrite(pending);

        /// <summary>Keeps a session while the fleet runs: a lost one is replaced by one on the next host (failover) or not at all.</summary>
        private async Task RunAsync()
        {
            while (_session is { } session)
            {
                await session.Ended;
                var lostAt = Stopwatch.GetTimestamp();
                Volatile.Write(ref _session, null);
                await session.DisposeAsync();
                if (_stop.IsCancellationRequested || !_fleet._failover)
                {
                    return;
                }

                // The lost host may have committed some of these: the same ids come back DUPLICATE with their incident.
                foreach (var key in _awaitingAck.Keys)
                {
                    if (_awaitingAck.TryRemove(key, out var pending))
                    {
                        Enqueue(pending);
                    }
                }

                var next = await ReconnectAsync();
                _fleet._reconnections.Enqueue(new Reconnection(Id, lostAt, next is null ? 0 : Stopwatch.GetTimestamp(), next is null ? null : _hosts[_host].Grpc, session.EndReason));
                Volatile.Write(ref _session, next);
            }
        }

        private async Task<Session?> ReconnectAsync()
        {
            for (var attempt = 0; !_stop.IsCancellationRequested; attempt++)
            {
                _host = (_host + 1) % _hosts.Count;
                if (attempt > 0 && attempt % _hosts.Count == 0)
                {
                    // Every host refused in turn: pause once per round, not per host.
                    try
                    {
                        await Task.Delay(RoundPause, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return null;
                    }
                }

                try
                {
                    return await Session.OpenAsync(this, _hosts[_host], _stop.Token);
                }
                catch (Exception ex) when (ex is InvalidOperationException or RpcException or OperationCanceledException or HttpRequestException or IOException)
                {
                    // Refused or not answering: the next host.
                }
            }

            return null;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (Volatile.Read(ref _session) is { } session)
            {
                await session.CloseAsync();
            }

            await _run.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        /// <summary>One Connect stream on one host: its window, its writer (alerts from the gateway's queue, heartbeats) and its reader (acks).</summary>
        private sealed class Session : IAsyncDisposable
        {
            private readonly Gateway _gateway;
            private readonly HostEndpoints _host;
            private readonly GrpcChannel _channel;
            private readonly AsyncDuplexStreamingCall<GatewayMessage, ServerMessage> _call;
            private readonly CancellationTokenSource _stop;
            private readonly SemaphoreSlim _window;
            private readonly Task _writer;
            private readonly Task _reader;

            private Session(Gateway gateway, HostEndpoints host, GrpcChannel channel, AsyncDuplexStreamingCall<GatewayMessage, ServerMessage> call, Welcome welcome)
            {
                _gateway = gateway;
                _host = host;
                _channel = channel;
                _call = call;
                _stop = CancellationTokenSource.CreateLinkedTokenSource(gateway._stop.Token);
                _window = new SemaphoreSlim((int)Math.Max(1, welcome.FlowControl?.MaxUnacknowledgedAlerts ?? 1));
                var heartbeat = TimeSpan.FromSeconds(Math.Max(1, welcome.HeartbeatIntervalSeconds));
                _writer = WriteAsync(heartbeat, _stop.Token);
                _reader = ReadAsync(_stop.Token);
                Ended = Task.WhenAny(_writer, _reader);
            }

            /// <summary>Completes when the writer or the reader stopped (the stream ended, failed, or the fleet stops).</summary>
            public Task Ended { get; }

            /// <summary>How the stream ended: the gRPC status the host (or the transport) gave, or that the host completed it.</summary>
            public string EndReason { get; private set; } = "";

            public static async Task<Session> OpenAsync(Gateway gateway, HostEndpoints host, CancellationToken cancellationToken)
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
                        Hello = new Hello { GatewayId = gateway.Id, Credential = host.GatewayCredential, Software = "dispatch-load/1.0", SupportsLiveView = gateway._fleet._video is not null },
                    }, cancellationToken);
                    if (!await call.ResponseStream.MoveNext(cancellationToken) || call.ResponseStream.Current.BodyCase != ServerMessage.BodyOneofCase.Welcome)
                    {
                        throw new InvalidOperationException($"gateway '{gateway.Id}': the host did not answer the Hello with a Welcome");
                    }

                    return new Session(gateway, host, channel, call, call.ResponseStream.Current.Welcome);
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException)
                {
                    call.Dispose();
                    channel.Dispose();
                    if (ex is RpcException rpc)
                    {
                        throw new InvalidOperationException($"gateway '{gateway.Id}' could not connect to {host.Grpc}: {rpc.Status.StatusCode} {rpc.Status.Detail}", ex);
                    }

                    throw;
                }
            }

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
                            pending = await _gateway._queue.Reader.ReadAsync(tick.Token);
                        }
                        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                        {
                            continue;
                        }

                        // Awaiting its ack from now on: if this stream is lost before the ack, the alert goes to the next host.
                        _gateway._awaitingAck[pending.AlertId] = pending;

                        // Flow control: at most the window awaiting an ack; the alert waits here (its clock running).
                        await _window.WaitAsync(cancellationToken);
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
                catch (Exception ex) when (ex is OperationCanceledException or RpcException or InvalidOperationException or IOException)
                {
                    // The stream ended; alerts not yet acked stay awaiting (sent again on the next stream, or counted as unacked).
                    if (EndReason.Length == 0 && ex is RpcException rpc)
                    {
                        EndReason = rpc.StatusCode.ToString();
                    }
                }
            }

            private async Task ReadAsync(CancellationToken cancellationToken)
            {
                try
                {
                    await foreach (var message in _call.ResponseStream.ReadAllAsync(cancellationToken))
                    {
                        if (message.BodyCase == ServerMessage.BodyOneofCase.Ack && _gateway._awaitingAck.TryRemove(message.Ack.AlertId, out var pending))
                        {
                            _window.Release();
                            _gateway._fleet.OnAck(pending, message.Ack, _gateway);
                        }
                        else if (_gateway._fleet._video is { } video)
                        {
                            if (message.BodyCase == ServerMessage.BodyOneofCase.LiveViewStart)
                            {
                                video.Start(_host, _gateway.Id, message.LiveViewStart);
                            }
                            else if (message.BodyCase == ServerMessage.BodyOneofCase.LiveViewStop)
                            {
                                video.Stop(_gateway.Id, message.LiveViewStop);
                            }
                        }
                    }

                    if (EndReason.Length == 0)
                    {
                        EndReason = "completed by the host";
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException)
                {
                    // The stream ended.
                    if (EndReason.Length == 0 && ex is RpcException rpc)
                    {
                        EndReason = rpc.StatusCode.ToString();
                    }
                }
            }

            /// <summary>Ends the stream politely (the fleet stops).</summary>
            public async Task CloseAsync()
            {
                try
                {
                    await _call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(2));
                }
                catch (Exception ex) when (ex is RpcException or InvalidOperationException or TimeoutException or OperationCanceledException)
                {
                    // Already over.
                }
            }

            public async ValueTask DisposeAsync()
            {
                await _stop.CancelAsync();
                _gateway._fleet._video?.StopAll(_gateway.Id);
                await Task.WhenAll(_writer, _reader).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
                _call.Dispose();
                _channel.Dispose();
                _window.Dispose();
                _stop.Dispose();
            }
        }
    }
}
