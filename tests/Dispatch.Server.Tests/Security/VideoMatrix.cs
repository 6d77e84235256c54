using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Domain.City;
using Dispatch.Domain.Plans;
using Dispatch.Server.Security;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Video;
using Dispatch.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static Dispatch.Server.Tests.Security.AuthorizationMatrix;
using static Dispatch.Server.Tests.Security.Who;

namespace Dispatch.Server.Tests.Security;

/// <summary>
/// The video surfaces of the matrix (/api/video and dispatch.v1.CameraVideo). Live views: operators and supervisors, and
/// the officer of the unit assigned to the camera's incident (viewers only where Dispatch:Video:ViewersMayWatch allows,
/// off here). Clips: operators and supervisors. The audit: supervisors and admins. Frames and clips: gateways, a clip only
/// for the gateway's own alert.
/// </summary>
public static class VideoMatrix
{
    public static readonly IReadOnlySet<Who> Watchers = new HashSet<Who> { Operator, Supervisor, OfficerA };

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (Alert Alert, string CameraId)? _clipAlert;
    private static string? _sceneIncident;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static IReadOnlyList<MatrixRow> Rows { get; } =
    [
        new("GET /api/video/cameras", Board, c => c.CallAsync(HttpMethod.Get,
            string.Create(CultureInfo.InvariantCulture, $"/api/video/cameras?lat={c.Host.City.Center.Latitude}&lon={c.Host.City.Center.Longitude}&liveOnly=false"))),
        new("GET /api/video/incidents/{incidentId}/cameras", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/video/incidents/{await c.Host.OpenIncidentAsync()}/cameras")),
        new("GET /api/video/units/{unitId}/cameras", OfficerOfUnitA, c => c.CallAsync(HttpMethod.Get, $"/api/video/units/{c.Host.UnitA}/cameras")),
        new("GET /api/video/access", Board, c => c.CallAsync(HttpMethod.Get, "/api/video/access")),
        new("GET /api/video/live/{cameraId}", Watchers, WatchLiveAsync),
        new("GET /api/video/live", Commanders, c => c.CallAsync(HttpMethod.Get, "/api/video/live")),
        new("GET /api/video/alerts/{alertId}/clip", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/video/alerts/{(await ClipAlertAsync(c)).AlertId}/clip")),
        new("POST /api/video/alerts/{alertId}/clip/playbacks", Commanders, async c =>
            await c.CallAsync(HttpMethod.Post, $"/api/video/alerts/{(await ClipAlertAsync(c)).AlertId}/clip/playbacks")),
        new("GET /api/video/clips/{playbackId:long}", Commanders, async c => await c.CallAsync(HttpMethod.Get, $"/api/video/clips/{await PlaybackAsync(c)}")),
        new("POST /api/video/clips/{playbackId:long}/end", Commanders, async c =>
            await c.CallAsync(HttpMethod.Post, $"/api/video/clips/{await PlaybackAsync(c)}/end", new { watchedSeconds = 1.5 })),
        new("GET /api/video/audit", AccountAdmins, c => c.CallAsync(HttpMethod.Get, "/api/video/audit?limit=5")),
        new("grpc /dispatch.v1.CameraVideo/SendFrames", Gateways, SendNoFramesAsync),
        new("grpc /dispatch.v1.CameraVideo/UploadClip", GatewayOfTheCamera, UploadClipAsync),
    ];

    /// <summary>
    /// A live view of a GW-01 camera served by a scripted gateway: a console view for the board's people, the terminal
    /// view of unit A (assigned to an incident at the camera) for officers. Frames arriving is success; a refused
    /// handshake (401/403) or a refusal on the socket (4401/4403) is a denial.
    /// </summary>
    private static async Task WatchLiveAsync(Caller caller)
    {
        var host = caller.Host;
        var spec = host.CameraOf(host.GatewayOne, 20);
        var camera = new CameraInfo { CameraId = spec.Id, Name = spec.Name, Location = new GeoLocation { Latitude = spec.Location.Latitude, Longitude = spec.Location.Longitude } };
        await using var gateway = await ScriptedGateway.ConnectAsync($"http://127.0.0.1:{host.Host.GrpcPort}", host.GatewayOne, MatrixHost.GatewayOneCredential, [camera], 320, 180);
        var officer = caller.Who is OfficerA or OfficerB;
        if (officer)
        {
            await SceneIncidentAsync(caller, spec);
        }

        var headers = new Dictionary<string, string>();
        if (await caller.BearerAsync() is { } bearer)
        {
            headers["Authorization"] = "Bearer " + bearer;
        }

        if (caller.GatewayId is { } gatewayId)
        {
            headers[Schemes.GatewayIdHeader] = gatewayId;
        }

        LiveViewerClient viewer;
        try
        {
            viewer = await LiveViewerClient.ConnectAsync(host.Host.Port, spec.Id, officer ? $"unit={host.UnitA}&fps=2" : "fps=2", headers: headers);
        }
        catch (WebSocketException refused) when (refused.Message.Contains("'401'", StringComparison.Ordinal) || refused.Message.Contains("'403'", StringComparison.Ordinal))
        {
            throw new DeniedException(refused.Message);
        }

        await using (viewer)
        {
            var until = DateTime.UtcNow.AddSeconds(15);
            while (viewer.Frames.IsEmpty && viewer.Closed.Code is null && DateTime.UtcNow < until)
            {
                await Task.Delay(50, Token);
            }

            if (!viewer.Frames.IsEmpty)
            {
                return;
            }

            var said = string.Join(" | ", viewer.Statuses);
            throw viewer.Closed.Code is 4401 or 4403
                ? new DeniedException($"{viewer.Closed.Code}: {said}")
                : new InvalidOperationException($"no frame within 15 s (closed {viewer.Closed.Code}): {said}");
        }
    }

    /// <summary>Unit A holds an incident at the camera (opened at Low, which the matrix's plan dispatches to nobody), once.</summary>
    private static async Task SceneIncidentAsync(Caller caller, CameraSpec camera)
    {
        await Gate.WaitAsync(Token);
        try
        {
            if (_sceneIncident is not null)
            {
                return;
            }

            var grains = caller.Host.Host.Grains;
            var opened = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
                "theft", IncidentPriority.Low, camera.Location.Latitude, camera.Location.Longitude, "matrix video", IncidentSource.Operator, "operator:matrix"));
            var incidentId = opened.IncidentId ?? throw new InvalidOperationException(opened.Error);
            var assigned = await grains.GetGrain<IIncidentGrain>(incidentId).AssignAsync(caller.Host.UnitA, null, "operator:matrix");
            _sceneIncident = assigned.Ok ? incidentId : throw new InvalidOperationException(assigned.Error);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>An alert of a GW-01 camera whose clip GW-01 uploaded, once.</summary>
    private static async Task<Alert> ClipAlertAsync(Caller caller)
    {
        await Gate.WaitAsync(Token);
        try
        {
            if (_clipAlert is { } known)
            {
                return known.Alert;
            }

            var host = caller.Host;
            var camera = host.CameraOf(host.GatewayOne, 21);
            var (session, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(host.Channel), AlertTestHost.Hello(host.GatewayOne, MatrixHost.GatewayOneCredential));
            Alert alert;
            await using (session)
            {
                alert = AlertTestHost.NewAlert(camera.Id, AlertKind.Intrusion);
                var ack = await session.SendAsync(alert);
                if (ack.Outcome != AlertOutcome.Accepted)
                {
                    throw new InvalidOperationException($"the clip's alert was {ack.Outcome} {ack.RejectReason}: {ack.Message}");
                }
            }

            var stored = await UploadAsync(host, alert, GatewayMetadata(host.GatewayOne, MatrixHost.GatewayOneCredential));
            if (stored.Outcome is not (ClipOutcome.Accepted or ClipOutcome.Duplicate))
            {
                throw new InvalidOperationException($"the clip was {stored.Outcome} {stored.RejectReason}: {stored.Message}");
            }

            _clipAlert = (alert, camera.Id);
            return alert;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A clip playback the caller may read: its own when it may start one, else an operator's (which is not its to read).</summary>
    private static async Task<long> PlaybackAsync(Caller caller)
    {
        var path = $"/api/video/alerts/{(await ClipAlertAsync(caller)).AlertId}/clip/playbacks";
        using var own = await caller.SendAsync(HttpMethod.Post, path);
        if (own.IsSuccessStatusCode)
        {
            return (await own.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("playbackId").GetInt64();
        }

        using var http = TestAccounts.Http(caller.Host.Host.BaseAddress, TestAccounts.Operator);
        using var operators = await http.PostAsync(path, null, Token);
        operators.EnsureSuccessStatusCode();
        return (await operators.Content.ReadFromJsonAsync<JsonElement>(Token)).GetProperty("playbackId").GetInt64();
    }

    /// <summary>A SendFrames call that sends nothing and completes: the service answers it once the caller may send frames at all.</summary>
    private static async Task SendNoFramesAsync(Caller caller)
    {
        var client = new CameraVideo.CameraVideoClient(caller.Host.Channel);
        var metadata = await caller.MetadataAsync();
        await Caller.GrpcAsync(async () =>
        {
            using var call = client.SendFrames(metadata, cancellationToken: Token);
            try
            {
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                // A refused call may end before the request completes: its status is read below.
            }

            return await call.ResponseAsync;
        });
    }

    /// <summary>The clip of GW-01's alert: GW-01 stores it (or already has); another gateway has no such alert of its own.</summary>
    private static async Task UploadClipAsync(Caller caller)
    {
        var alert = await ClipAlertAsync(caller);
        var ack = await Caller.GrpcAsync(async () => await UploadAsync(caller.Host, alert, await caller.MetadataAsync()));
        if (ack.RejectReason == ClipRejectReason.UnknownAlert)
        {
            throw new DeniedException($"{ack.RejectReason}: {ack.Message}");
        }

        if (ack.Outcome is not (ClipOutcome.Accepted or ClipOutcome.Duplicate))
        {
            throw new InvalidOperationException($"{ack.Outcome} {ack.RejectReason}: {ack.Message}");
        }
    }

    private static async Task<ClipAck> UploadAsync(MatrixHost host, Alert alert, Metadata metadata)
    {
        var clip = TestClips.WebM(seconds: 2);
        var observed = alert.ObservedAt.ToDateTimeOffset();
        using var call = new CameraVideo.CameraVideoClient(host.Channel).UploadClip(metadata, cancellationToken: Token);
        try
        {
            await call.RequestStream.WriteAsync(new ClipChunk
            {
                Header = new ClipHeader
                {
                    AlertId = alert.AlertId,
                    CameraId = alert.CameraId,
                    MediaType = "video/webm",
                    StartsAt = Timestamp.FromDateTimeOffset(observed.AddSeconds(-1)),
                    EndsAt = Timestamp.FromDateTimeOffset(observed.AddSeconds(1)),
                    WidthPx = 320,
                    HeightPx = 180,
                    FrameCount = 10,
                    TotalBytes = (ulong)clip.Length,
                },
            }, Token);
            await call.RequestStream.WriteAsync(new ClipChunk { Data = ByteString.CopyFrom(clip) }, Token);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
        {
            // A refused call may end before the request is written: its status is read below.
        }

        return await call.ResponseAsync;
    }

    private static Metadata GatewayMetadata(string gatewayId, string credential) => new()
    {
        { "authorization", $"Bearer {credential}" },
        { Schemes.GatewayIdHeader, gatewayId },
    };
}
