using System.Collections.Concurrent;
using System.Net;
using Dispatch.Contracts.V1;
using Dispatch.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dispatch.Gateway.Tests;

/// <summary>
/// A CameraGateway service for tests: authenticates the Hello, answers every alert ACCEPTED the
/// first time and DUPLICATE after, and records everything that arrives.
/// </summary>
public sealed class RecordingGateway : CameraGateway.CameraGatewayBase
{
    private readonly ConcurrentDictionary<string, string> _incidents = new();
    private int _nextIncident;

    public string Credential { get; init; } = "secret";

    public uint Window { get; init; } = 16;

    /// <summary>When set, the stream is broken (without acks) after this many alerts in a session.</summary>
    public int? DropSessionAfterAlerts { get; set; }

    /// <summary>Answer for chosen alerts instead of accepting them (once per alert id).</summary>
    public Func<Alert, AlertAck?>? Override { get; set; }

    public ConcurrentQueue<Alert> Received { get; } = new();

    public ConcurrentQueue<Heartbeat> Heartbeats { get; } = new();

    public ConcurrentQueue<Hello> Hellos { get; } = new();

    private int _duplicates;

    /// <summary>Alerts answered DUPLICATE.</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>While closed, acks are queued and not sent (the gateway sees a service that is slow to answer).</summary>
    public ManualResetEventSlim AckGate { get; } = new(initialState: true);

    public IReadOnlyCollection<string> DistinctAccepted => [.. _incidents.Keys];

    public override async Task Connect(IAsyncStreamReader<GatewayMessage> requestStream, IServerStreamWriter<ServerMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.BodyCase != GatewayMessage.BodyOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the first message must be a Hello"));
        }

        var hello = requestStream.Current.Hello;
        Hellos.Enqueue(hello);
        if (hello.Credential != Credential)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"bad credential for {hello.GatewayId}"));
        }

        await responseStream.WriteAsync(new ServerMessage
        {
            Welcome = new Welcome
            {
                SessionId = Guid.NewGuid().ToString("N"),
                ServerTime = Timestamp.FromDateTime(DateTime.UtcNow),
                FlowControl = new FlowControl { MaxUnacknowledgedAlerts = Window },
                HeartbeatIntervalSeconds = 1,
            },
        });

        var acks = Channel.CreateUnbounded<AlertAck>();
        var writer = Task.Run(async () =>
        {
            await foreach (var ack in acks.Reader.ReadAllAsync(context.CancellationToken))
            {
                AckGate.Wait(context.CancellationToken);
                await responseStream.WriteAsync(new ServerMessage { Ack = ack }, context.CancellationToken);
            }
        });

        try
        {
            var alertsThisSession = 0;
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var message = requestStream.Current;
                if (message.BodyCase == GatewayMessage.BodyOneofCase.Heartbeat)
                {
                    Heartbeats.Enqueue(message.Heartbeat);
                    continue;
                }

                if (message.BodyCase != GatewayMessage.BodyOneofCase.Alert)
                {
                    continue;
                }

                var alert = message.Alert;
                Received.Enqueue(alert);
                alertsThisSession++;
                if (DropSessionAfterAlerts is { } drop && alertsThisSession >= drop)
                {
                    DropSessionAfterAlerts = null;
                    throw new RpcException(new Status(StatusCode.Unavailable, "simulated outage"));
                }

                acks.Writer.TryWrite(Answer(alert));
            }
        }
        finally
        {
            acks.Writer.TryComplete();
            try
            {
                await writer;
            }
            catch (OperationCanceledException)
            {
                // The call ended while acks were held back.
            }
        }
    }

    private AlertAck Answer(Alert alert)
    {
        if (Override?.Invoke(alert) is { } custom)
        {
            return custom;
        }

        if (_incidents.TryGetValue(alert.AlertId, out var first))
        {
            Interlocked.Increment(ref _duplicates);
            return new AlertAck { AlertId = alert.AlertId, Outcome = AlertOutcome.Duplicate, IncidentId = first };
        }

        var incident = $"inc-{Interlocked.Increment(ref _nextIncident)}";
        _incidents[alert.AlertId] = incident;
        return new AlertAck { AlertId = alert.AlertId, Outcome = AlertOutcome.Accepted, IncidentId = incident };
    }
}

/// <summary>Kestrel on 127.0.0.1 speaking HTTP/2 without TLS, hosting one <see cref="RecordingGateway"/>.</summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingServer(WebApplication app, int port, RecordingGateway gateway)
    {
        _app = app;
        Port = port;
        Gateway = gateway;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public RecordingGateway Gateway { get; }

    public static int ReservePort() => TestPorts.GetFreeTcpPort();

    public static async Task<RecordingServer> StartAsync(int port, RecordingGateway? gateway = null)
    {
        gateway ??= new RecordingGateway();
        var builder = WebApplication.CreateSlimBuilder();

        // Only the endpoint below: the Dispatch host's appsettings.json sits in this output folder too (for DispatchHost).
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();

        // Gateways hold their streams open; do not wait the default 30 s for them on stop.
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton(gateway);
        var app = builder.Build();
        app.MapGrpcService<RecordingGateway>();
        await app.StartAsync();
        return new RecordingServer(app, port, gateway);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
