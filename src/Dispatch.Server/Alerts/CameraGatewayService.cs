using System.Globalization;
using System.Threading.Channels;
using Dispatch.Abstractions.Cameras;
using Dispatch.Contracts;
using Dispatch.Contracts.V1;
using Dispatch.Domain.Geo;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Cameras;
using Dispatch.Server.Security;
using Dispatch.Server.Video;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Alerts;

/// <summary>
/// dispatch.v1.CameraGateway: gateways' Connect streams (Hello, alerts, heartbeats) and simple devices' PublishAlert.
/// Every alert gets exactly one ack; a bad alert is refused in its ack and never ends the stream. Every ack, every
/// stream and every camera health change is counted in <see cref="DispatchMetrics"/>. A gateway authenticates with its
/// own credential (checked against the hashed one in the security store) and acts only for its own cameras: in alerts,
/// in heartbeats, and in the cameras it may register (bounded per Hello and in total; beyond, they wait for approval).
/// </summary>
public sealed partial class CameraGatewayService(
    AlertIntake intake,
    GatewayOptions gateways,
    GatewayCredentials credentials,
    GatewayCameraQuota quota,
    GatewayConnectLimiter connects,
    GatewayWindows windows,
    CameraHealthBoard health,
    CameraHealthFeed healthFeed,
    DispatchMetrics metrics,
    IOptions<AlertIntakeOptions> alertOptions,
    IOptions<CameraHealthOptions> healthOptions,
    IGrainFactory grains,
    Dispatch.Grains.City.CityDirectory city,
    GatewayLinks links,
    IOptions<VideoOptions> videoOptions,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<CameraGatewayService> logger) : CameraGateway.CameraGatewayBase
{
    public const string GatewayIdHeader = Schemes.GatewayIdHeader;
    private const int MaxCameraIdLength = 128;

    /// <summary>
    /// Open at the transport on purpose: the contract authenticates a stream by its first message (the Hello's
    /// gateway id and credential), checked below against the same credential store as the gateway scheme.
    /// </summary>
    [AllowAnonymous]
    public override async Task Connect(IAsyncStreamReader<GatewayMessage> requestStream, IServerStreamWriter<ServerMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var cancellation = context.CancellationToken;
        metrics.GatewayStreamOpened();

        // A host that begins to stop (a rolling restart) stops reading at once and ends the stream UNAVAILABLE after
        // answering what it took, so the gateway moves to another host instead of waiting out the shutdown timeout.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellation, lifetime.ApplicationStopping);

        // Bounded: when the gateway stops reading acks, we stop reading its alerts (HTTP/2 flow control does the rest).
        var outbox = Channel.CreateBounded<ServerMessage>(new BoundedChannelOptions(256) { SingleReader = true });
        var writer = WriteAllAsync(outbox.Reader, responseStream, cancellation);
        var processing = new List<Task>();
        string? gatewayId = null;
        GatewayLink? link = null;
        var window = 0;
        var oversized = OversizedMessages.Of(context);
        var ordinal = 0;
        try
        {
            await foreach (var message in requestStream.ReadAllAsync(reading.Token))
            {
                if (oversized?.Take(ordinal++) is { } tooLarge)
                {
                    await AnswerOversizedAsync(tooLarge, outbox.Writer, cancellation);
                    continue;
                }

                switch (message.BodyCase)
                {
                    case GatewayMessage.BodyOneofCase.Hello:
                        var hello = message.Hello;
                        if (hello.GatewayId.Length > AlertLimits.MaxGatewayIdLength)
                        {
                            // Never echoed: a huge id in the status would overflow the client's metadata limit.
                            throw new RpcException(new Status(StatusCode.Unauthenticated,
                                $"gateway_id of {hello.GatewayId.Length} characters is longer than {AlertLimits.MaxGatewayIdLength}"));
                        }

                        if (gatewayId is not null && gatewayId != hello.GatewayId)
                        {
                            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                                $"this stream belongs to gateway '{gatewayId}'; open a new stream for '{hello.GatewayId}'"));
                        }

                        var http = context.GetHttpContext();
                        var refusal = await credentials.AuthenticateAsync(hello.GatewayId, hello.Credential, http.Connection.ClientCertificate,
                            SecurityAudit.RemoteOf(http), cancellation);
                        if (refusal is not null)
                        {
                            LogRefused(logger, SecurityAudit.Bound(hello.GatewayId), refusal);
                            throw new RpcException(new Status(StatusCode.Unauthenticated, refusal));
                        }

                        if (gatewayId is null && connects.TryConnect(hello.GatewayId) is { } wait)
                        {
                            throw new RpcException(new Status(StatusCode.Unavailable,
                                $"gateway '{hello.GatewayId}' opened more than {connects.ConnectsPerMinute} streams within a minute; connect again after {Math.Ceiling(wait.TotalSeconds)} s"),
                                new Metadata { { "grpc-retry-pushback-ms", ((long)wait.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                        }

                        gatewayId = hello.GatewayId;
                        window = WindowOf(gatewayId);
                        var welcome = await WelcomeAsync(gatewayId, hello, window);
                        welcome.ClipPolicy = ClipPolicy(hello);
                        await outbox.Writer.WriteAsync(new ServerMessage { Welcome = welcome }, cancellation);

                        // After the Welcome: live views still watched are asked for again on this stream.
                        if (link is not null)
                        {
                            links.Detach(link);
                        }

                        link = links.Attach(gatewayId, hello, welcome, outbox.Writer);
                        break;

                    case GatewayMessage.BodyOneofCase.Alert:
                        var alert = message.Alert;
                        if (gatewayId is null)
                        {
                            await outbox.Writer.WriteAsync(Ack(Counted(AlertIntake.Rejected(alert.AlertId, RejectReason.NotAuthenticated,
                                "send an accepted Hello before alerts"))), cancellation);
                        }
                        else if (!windows.TryEnter(gatewayId, window))
                        {
                            await outbox.Writer.WriteAsync(Ack(Counted(AlertIntake.Rejected(alert.AlertId, RejectReason.TooManyUnacknowledged,
                                $"gateway '{gatewayId}' already has {window} alerts awaiting an ack; keep alert '{alert.AlertId}' and send it again after an ack"))), cancellation);
                        }
                        else
                        {
                            processing.RemoveAll(t => t.IsCompleted);
                            processing.Add(ProcessAsync(gatewayId, alert, outbox.Writer, cancellation));
                        }

                        break;

                    case GatewayMessage.BodyOneofCase.Heartbeat:
                        if (gatewayId is not null)
                        {
                            await healthFeed.PublishAsync(health.Record(gatewayId, message.Heartbeat));
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "this host is shutting down: connect to another host of the service and send again what was not acknowledged"));
        }
        finally
        {
            if (link is not null)
            {
                links.Detach(link);
            }

            await Task.WhenAll(processing);
            outbox.Writer.TryComplete();
            await writer;
            metrics.GatewayStreamClosed();
        }
    }

    /// <summary>
    /// The gateway authenticates with metadata (the gateway scheme); a refusal, or a call over the gateway's rate,
    /// is answered with an ack (NOT_AUTHENTICATED, or UNAVAILABLE with retry_after) before this runs.
    /// </summary>
    [Authorize(Policy = Policies.Gateway)]
    [EnableRateLimiting(SecuritySetup.GatewayAlertRateLimit)]
    public override async Task<AlertAck> PublishAlert(Alert request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (OversizedMessages.Of(context)?.Take(0) is { } tooLarge)
        {
            return Counted(TooLargeAck(tooLarge));
        }

        // The gateway authenticated by its metadata (the authorization policy on this method).
        var gatewayId = context.GetHttpContext().User.Identity?.Name ?? "";
        return Counted(await intake.ProcessAsync(gatewayId, request, context.CancellationToken));
    }

    /// <summary>
    /// A message over the size limit, which <see cref="OversizedMessageGuard"/> kept from the reader: an alert is
    /// rejected in its ack and the stream carries on; a Hello ends the call; a heartbeat is dropped; a message
    /// whose alert id could not be read (compressed) cannot be answered, so it ends the call.
    /// </summary>
    private async Task AnswerOversizedAsync(OversizedMessage tooLarge, ChannelWriter<ServerMessage> outbox, CancellationToken cancellation)
    {
        LogOversized(logger, tooLarge.Body, tooLarge.Bytes, tooLarge.AlertId);
        switch (tooLarge.Body)
        {
            case OversizedBody.Alert:
                await outbox.WriteAsync(Ack(Counted(TooLargeAck(tooLarge))), cancellation);
                break;
            case OversizedBody.Heartbeat:
                break;
            default:
                if (tooLarge.Body == OversizedBody.Unknown)
                {
                    // Unreadable, so possibly an alert: refused all the same.
                    metrics.AlertRejected(AlertRejection.TooLarge);
                }

                throw new RpcException(new Status(StatusCode.ResourceExhausted, string.Create(CultureInfo.InvariantCulture,
                    $"a {(tooLarge.Body == OversizedBody.Hello ? "Hello" : "compressed or unreadable message")} of {tooLarge.Bytes} bytes is over the {AlertLimits.MaxMessageBytes}-byte message limit")));
        }
    }

    private static AlertAck TooLargeAck(OversizedMessage tooLarge) => AlertIntake.Rejected(tooLarge.AlertId, RejectReason.AlertTooLarge,
        string.Create(CultureInfo.InvariantCulture,
            $"alert '{tooLarge.AlertId}' came in a message of {tooLarge.Bytes} bytes, over the {AlertLimits.MaxMessageBytes}-byte limit (snapshot_jpeg may be at most {AlertLimits.MaxSnapshotBytes} bytes); it was not read"));

    private int WindowOf(string gatewayId) =>
        gateways.Gateways.TryGetValue(gatewayId, out var registration) && registration.MaxUnacknowledgedAlerts is { } own
            ? own
            : alertOptions.Value.MaxUnacknowledgedAlerts;

    private async Task ProcessAsync(string gatewayId, Alert alert, ChannelWriter<ServerMessage> outbox, CancellationToken cancellation)
    {
        var inWindow = true;
        try
        {
            // Not cancelled with the stream: an alert already handed to its camera finishes, and its id is remembered.
            var ack = Counted(await intake.ProcessAsync(gatewayId, alert, CancellationToken.None));

            // Its place is free before the ack can reach the gateway: a gateway that sends its next alert on this
            // ack must find room (the outbox may hold the ack a while when it is full, yet send it before this resumes).
            windows.Leave(gatewayId);
            inWindow = false;
            await outbox.WriteAsync(Ack(ack), cancellation);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // The gateway went away; it re-sends the alert with the same id and gets DUPLICATE.
        }
        finally
        {
            if (inWindow)
            {
                windows.Leave(gatewayId);
            }
        }
    }

    private async Task<Welcome> WelcomeAsync(string gatewayId, Hello hello, int window)
    {
        var refused = new List<(string CameraId, RejectReason Reason)>();
        var accepted = new List<AnnouncedCamera>();
        var allowance = quota.BeginHello();
        foreach (var camera in hello.Cameras)
        {
            var (reason, registered) = await RegisterAsync(gatewayId, camera, allowance);
            if (registered is not null)
            {
                accepted.Add(new AnnouncedCamera(camera.CameraId, registered.Name, registered.Location));
            }
            else
            {
                refused.Add((camera.CameraId, reason));
            }
        }

        await healthFeed.PublishAsync(health.Announce(gatewayId, accepted));
        LogWelcomed(logger, gatewayId, accepted.Count, refused.Count, hello.Software);
        var welcome = new Welcome
        {
            SessionId = Guid.NewGuid().ToString("N"),
            ServerTime = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            FlowControl = new FlowControl { MaxUnacknowledgedAlerts = (uint)window },
            HeartbeatIntervalSeconds = (uint)healthOptions.Value.HeartbeatIntervalSeconds,
        };
        welcome.RefusedCameraIds.AddRange(refused.Select(r => r.CameraId));
        welcome.RefusedReasons.AddRange(refused.Select(r => r.Reason));
        return welcome;
    }

    /// <summary>Registers a camera announced in Hello; returns it as registered when it may send alerts, else why it was refused.</summary>
    private async Task<(RejectReason Reason, CameraRegistration? Registered)> RegisterAsync(string gatewayId, CameraInfo camera, HelloAllowance allowance)
    {
        if (string.IsNullOrWhiteSpace(camera.CameraId) || camera.CameraId.Length > MaxCameraIdLength)
        {
            return (RejectReason.UnknownCamera, null);
        }

        GeoPoint? location = null;
        if (camera.Location is { } given)
        {
            if (GeoPoint.Validate(given.Latitude, given.Longitude) is not null)
            {
                return (RejectReason.CoordinatesOutOfRange, null);
            }

            location = new GeoPoint(given.Latitude, given.Longitude);
        }

        var feed = grains.GetGrain<ICameraFeedGrain>(camera.CameraId);
        var registered = await feed.GetAsync();
        if (registered is not null)
        {
            if (!string.Equals(registered.GatewayId, gatewayId, StringComparison.Ordinal))
            {
                return (RejectReason.CameraOfAnotherGateway, null);
            }

            var kept = new CameraRegistration(registered.Name, registered.Location, registered.HeadingDegrees,
                registered.FieldOfViewDegrees, registered.StationId, registered.GatewayId);
            if (location is { } moved && moved != registered.Location)
            {
                kept = new CameraRegistration(
                    string.IsNullOrWhiteSpace(camera.Name) ? registered.Name : camera.Name, moved,
                    camera.HeadingDegrees, registered.FieldOfViewDegrees, city.FindGrid(moved)?.StationId ?? registered.StationId, gatewayId);
                await feed.RegisterAsync(kept);
            }

            return (RejectReason.Unspecified, kept);
        }

        if (location is not { } at)
        {
            // A camera the service has never seen needs a place on the map before its alerts can be dispatched.
            return (RejectReason.CameraLocationMissing, null);
        }

        var registration = new CameraRegistration(
            string.IsNullOrWhiteSpace(camera.Name) ? camera.CameraId : camera.Name[..Math.Min(camera.Name.Length, MaxCameraIdLength)], at, camera.HeadingDegrees,
            FieldOfViewDegrees: 90, city.FindGrid(at)?.StationId ?? "", gatewayId);

        // Beyond its quota a gateway's new camera waits for an operator (its alerts are refused as unknown until then).
        if (await quota.AdmitAsync(gatewayId, camera.CameraId, registration, allowance, CancellationToken.None) != CameraAdmission.Register)
        {
            return (RejectReason.UnknownCamera, null);
        }

        await feed.RegisterAsync(registration);
        return (RejectReason.Unspecified, registration);
    }

    /// <summary>What a gateway that uploads clips is asked for (contract 1.2; 0 and 0 seconds when clips are off); nothing for one that does not.</summary>
    private ClipPolicy? ClipPolicy(Hello hello)
    {
        var video = videoOptions.Value;
        if (!hello.SupportsEventClips)
        {
            return null;
        }

        var policy = new ClipPolicy { PreSeconds = (uint)video.ClipPreSeconds, PostSeconds = (uint)video.ClipPostSeconds, MaxBytes = (ulong)video.MaxClipBytes };
        policy.MediaTypes.AddRange(CameraVideoService.MediaTypes);
        return policy;
    }

    private static ServerMessage Ack(AlertAck ack) => new() { Ack = ack };

    /// <summary>Counts the ack: accepted, duplicate (apart from refusals; a reused id counted on its own) or rejected by reason.</summary>
    private AlertAck Counted(AlertAck ack)
    {
        switch (ack.Outcome)
        {
            case AlertOutcome.Accepted:
                metrics.AlertAccepted();
                break;
            case AlertOutcome.Duplicate:
                metrics.AlertDuplicate(ack.Message.Length > 0);
                break;
            default:
                metrics.AlertRejected(RejectionOf(ack.RejectReason));
                break;
        }

        return ack;
    }

    /// <summary>The wire's reject reasons folded into the counter's few labels.</summary>
    internal static AlertRejection RejectionOf(RejectReason reason) => reason switch
    {
        RejectReason.UnknownCamera => AlertRejection.UnknownCamera,
        RejectReason.CameraOfAnotherGateway => AlertRejection.CameraOfAnotherGateway,
        RejectReason.NotAuthenticated => AlertRejection.NotAuthenticated,
        RejectReason.TooManyUnacknowledged => AlertRejection.TooManyUnacknowledged,
        RejectReason.Unavailable => AlertRejection.IntakeFailed,
        RejectReason.Overloaded => AlertRejection.Overloaded,
        RejectReason.AlertTooLarge => AlertRejection.TooLarge,
        _ => AlertRejection.Invalid,
    };

    private static async Task WriteAllAsync(ChannelReader<ServerMessage> outbox, IServerStreamWriter<ServerMessage> stream, CancellationToken cancellation)
    {
        try
        {
            await foreach (var message in outbox.ReadAllAsync(cancellation))
            {
                await stream.WriteAsync(message, cancellation);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The call ended; nothing more can reach the gateway.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Body} message of {Bytes} bytes over the size limit was not read (alert id '{AlertId}')")]
    private static partial void LogOversized(ILogger logger, OversizedBody body, long bytes, string alertId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway '{GatewayId}' refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string gatewayId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway '{GatewayId}' connected with {Accepted} cameras ({Refused} refused), software '{Software}'")]
    private static partial void LogWelcomed(ILogger logger, string gatewayId, int accepted, int refused, string software);
}
