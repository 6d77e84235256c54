using System.Buffers.Binary;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Geo;
using Dispatch.Server.Alerts;
using Dispatch.Server.Archive;
using Dispatch.Server.Security;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>
/// Every video endpoint of the host, under /api/video: the cameras of a place, an incident or an officer's unit; the
/// live picture of a camera (a WebSocket of JPEG frames); who watches now; alerts' clips and their playbacks; the audit.
/// The actor is always the request's principal (<see cref="VideoAccess"/>).
/// </summary>
public static class VideoApi
{
    /// <summary>Bytes before the JPEG in a frame message to the page (see docs/video.md).</summary>
    public const int FrameHeaderBytes = 32;

    /// <summary>A WebSocket write blocked this long means a dead viewer: its connection is dropped.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapVideoApi(this IEndpointRouteBuilder endpoints)
    {
        // GET /api/video/cameras?lat=&lon=[&count=&radiusMeters=&liveOnly=]: the cameras nearest a point, nearest first.
        endpoints.MapGet("/api/video/cameras", (string? lat, string? lon, string? count, string? radiusMeters, string? liveOnly,
            VideoCameras cameras, IOptions<VideoOptions> options) =>
        {
            var errors = new List<string>();
            var latitude = Number(lat, "lat", errors);
            var longitude = Number(lon, "lon", errors);
            var n = count is null ? options.Value.NearestCameras : (int)Number(count, "count", errors, 1, 50);
            var radius = radiusMeters is null ? options.Value.NearestCamerasRadiusMeters : Number(radiusMeters, "radiusMeters", errors, 1, 100_000);
            var live = liveOnly is null || !bool.TryParse(liveOnly, out var only) || only;
            if (errors.Count == 0 && GeoPoint.Validate(latitude, longitude) is { } invalid)
            {
                errors.Add(invalid);
            }

            return errors.Count > 0
                ? Results.BadRequest(new { error = string.Join("; ", errors) })
                : Results.Ok(cameras.Nearest(new GeoPoint(latitude, longitude), n, radius, live));
        }).WithName("GetVideoCameras").RequireAuthorization(Policies.ViewBoard);

        // GET /api/video/incidents/{id}/cameras: the incident's cameras (the nearest that stream now), for its tile grid.
        endpoints.MapGet("/api/video/incidents/{incidentId}/cameras", async (string incidentId, IGrainFactory grains, VideoCameras cameras) =>
            await grains.GetGrain<IIncidentGrain>(incidentId).GetAsync() is { } incident
                ? Results.Ok(new { incidentId, latitude = incident.Location.Latitude, longitude = incident.Location.Longitude, cameras = cameras.OfIncident(incident.Location) })
                : Results.NotFound(new { error = $"no incident '{incidentId}'" }))
            .WithName("GetIncidentVideoCameras").RequireAuthorization(Policies.ViewBoard);

        // GET /api/video/units/{unitId}/cameras: what an officer's terminal may open: its incident's cameras, at the terminal's caps.
        endpoints.MapGet("/api/video/units/{unitId}/cameras", async (string unitId, HttpContext http, VideoAccess access, IOptions<VideoOptions> options) =>
        {
            var decision = await access.TerminalAsync(http.User, unitId);
            if (!decision.Allowed)
            {
                return Results.Json(new { error = decision.Reason }, statusCode: decision.Status);
            }

            var (incidentId, cameras) = await access.UnitCamerasAsync(unitId);
            var o = options.Value;
            return Results.Ok(new { unitId, incidentId, cameras, maxFps = o.TerminalMaxFps, maxWidthPx = o.TerminalMaxWidthPx, maxHeightPx = o.TerminalMaxHeightPx });
        }).WithName("GetUnitVideoCameras").RequireAuthorization(Policies.Terminal);

        // GET /api/video/access: what the signed-in person may watch from the board, so the page offers no video the host refuses.
        endpoints.MapGet("/api/video/access", (HttpContext http, VideoAccess access) => Results.Ok(access.ConsolePermissions(http.User)))
            .WithName("GetVideoAccess").RequireAuthorization(Policies.ViewBoard);

        // GET /api/video/live/{cameraId}?fps=&width=&height=[&unit=]: a WebSocket of the camera's live picture.
        endpoints.MapGet("/api/video/live/{cameraId}", WatchAsync).WithName("WatchCameraLive").RequireAuthorization(Policies.WatchVideo);

        // GET /api/video/live: the cameras streaming live on this host and who watches them.
        endpoints.MapGet("/api/video/live", (LiveCameras live) => Results.Ok(live.Describe())).WithName("GetLiveCameras").RequireAuthorization(Policies.Command);

        // GET /api/video/alerts/{alertId}/clip[?gatewayId=]: whether an alert has its clip (yet) and what it holds; 404 for no such alert.
        endpoints.MapGet("/api/video/alerts/{alertId}/clip", async (string alertId, string? gatewayId, AlertArchive archive, CancellationToken cancellationToken) =>
        {
            var alert = await archive.FindAsync(alertId, gatewayId, cancellationToken);
            return alert is null
                ? Results.NotFound(new { error = $"no accepted alert '{alertId}'" })
                : Results.Ok(new ClipStatus(alert.AlertId, alert.GatewayId, await archive.ClipInfoAsync(alert.GatewayId, alert.AlertId, cancellationToken)));
        }).WithName("GetAlertClip").WithArchiveOutageAs503().RequireAuthorization(Policies.ViewBoard);

        // POST /api/video/alerts/{alertId}/clip/playbacks: starts a playback (audited); its url serves the clip.
        endpoints.MapPost("/api/video/alerts/{alertId}/clip/playbacks", async (string alertId, string? gatewayId, HttpContext http, AlertArchive archive,
            VideoAccess access, VideoAudit audit, SecurityAudit securityAudit, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            var decision = await access.ClipAsync(http.User, alertId);
            if (!decision.Allowed)
            {
                await securityAudit.RecordAsync(SecurityAudit.AccessDenied, decision.Actor, $"clip of alert {alertId}", decision.Reason, Remote(http) ?? "");
                return Results.Json(new { error = decision.Reason }, statusCode: decision.Status);
            }

            var alert = await archive.FindAsync(alertId, gatewayId, cancellationToken);
            var clip = alert is null ? null : await archive.ClipInfoAsync(alert.GatewayId, alert.AlertId, cancellationToken);
            if (alert is null || clip is null)
            {
                return Results.NotFound(new { error = alert is null ? $"no accepted alert '{alertId}'" : $"alert '{alertId}' has no clip (yet)" });
            }

            var id = await audit.StartAsync(VideoAuditKinds.Clip, decision.Actor, null, clip.CameraId, alert.AlertId, clock.GetUtcNow(), Remote(http));
            await securityAudit.RecordAsync(SecurityAudit.VideoClip, decision.Actor, $"clip of alert {alert.AlertId}",
                string.Create(CultureInfo.InvariantCulture, $"playback {id} started; camera {clip.CameraId}"), Remote(http) ?? "");
            var url = string.Create(CultureInfo.InvariantCulture, $"/api/video/clips/{id}");
            return Results.Created(url, new { playbackId = id, url, clip });
        }).WithName("StartClipPlayback").WithArchiveOutageAs503().RequireAuthorization(Policies.WatchVideo);

        // GET /api/video/clips/{playbackId}: the clip of a playback (WebM, byte ranges for seeking), to whoever started it.
        endpoints.MapGet("/api/video/clips/{playbackId:long}", async (long playbackId, HttpContext http, VideoAudit audit, VideoAccess access,
            AlertArchive archive, CancellationToken cancellationToken) =>
        {
            var playback = await audit.FindAsync(playbackId, cancellationToken);
            if (playback is not { Kind: VideoAuditKinds.Clip, AlertId: { } alertId })
            {
                return Results.NotFound(new { error = $"no clip playback {playbackId}" });
            }

            var decision = await access.ClipAsync(http.User, alertId);
            if (!decision.Allowed || decision.Actor != playback.Actor)
            {
                return Results.Json(new { error = $"playback {playbackId} was started by '{playback.Actor}'; start your own" }, statusCode: 403);
            }

            var alert = await archive.FindAsync(alertId, null, cancellationToken);
            var bytes = alert is null ? null : await archive.ClipBytesAsync(alert.GatewayId, alertId, cancellationToken);
            return bytes is null
                ? Results.NotFound(new { error = $"alert '{alertId}' has no clip" })
                : Results.File(bytes, "video/webm", enableRangeProcessing: true);
        }).WithName("GetClipPlayback").WithArchiveOutageAs503().RequireAuthorization(Policies.WatchVideo);

        // POST /api/video/clips/{playbackId}/end {"watchedSeconds": s}: the player says how long it played.
        endpoints.MapPost("/api/video/clips/{playbackId:long}/end", async (long playbackId, HttpContext http, VideoAudit audit, VideoAccess access,
            SecurityAudit securityAudit, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            var playback = await audit.FindAsync(playbackId, cancellationToken);
            if (playback is not { Kind: VideoAuditKinds.Clip })
            {
                return Results.NotFound(new { error = $"no clip playback {playbackId}" });
            }

            var decision = await access.ClipAsync(http.User, playback.AlertId ?? "");
            if (!decision.Allowed || decision.Actor != playback.Actor)
            {
                return Results.Json(new { error = $"playback {playbackId} was started by '{playback.Actor}'" }, statusCode: 403);
            }

            PlaybackEnd? end;
            try
            {
                end = await JsonSerializer.DeserializeAsync<PlaybackEnd>(http.Request.Body, Json, cancellationToken);
            }
            catch (JsonException error)
            {
                return Results.BadRequest(new { error = $"body must be {{\"watchedSeconds\": number}}: {error.Message}" });
            }

            if (end is null || !double.IsFinite(end.WatchedSeconds) || end.WatchedSeconds is < 0 or > 86_400)
            {
                return Results.BadRequest(new { error = string.Create(CultureInfo.InvariantCulture, $"watchedSeconds must be within 0..86400, got {end?.WatchedSeconds}") });
            }

            await audit.EndAsync(playbackId, clock.GetUtcNow(), end.WatchedSeconds);
            await securityAudit.RecordAsync(SecurityAudit.VideoClip, decision.Actor, $"clip of alert {playback.AlertId}",
                string.Create(CultureInfo.InvariantCulture, $"playback {playbackId} ended: played {end.WatchedSeconds:0.#} s; camera {playback.CameraId}"), Remote(http) ?? "");
            return Results.NoContent();
        }).WithName("EndClipPlayback").WithArchiveOutageAs503().RequireAuthorization(Policies.WatchVideo);

        // GET /api/video/audit?from=&to=&cameraId=&actor=&kind=live|clip&limit=: who watched what, newest first.
        endpoints.MapGet("/api/video/audit", async (string? from, string? to, string? cameraId, string? actor, string? kind, string? limit,
            VideoAudit audit, CancellationToken cancellationToken) =>
        {
            var errors = new List<string>();
            var fromAt = Time(from, "from", errors);
            var toAt = Time(to, "to", errors);
            var n = limit is null ? 200 : (int)Number(limit, "limit", errors, 1, 5000);
            if (kind is not (null or VideoAuditKinds.Live or VideoAuditKinds.Clip))
            {
                errors.Add($"kind must be live or clip, got '{kind}'");
            }

            return errors.Count > 0
                ? Results.BadRequest(new { error = string.Join("; ", errors) })
                : Results.Ok(await audit.QueryAsync(new VideoAuditQuery(fromAt, toAt, cameraId, actor, kind, n), cancellationToken));
        }).WithName("GetVideoAudit").WithArchiveOutageAs503().RequireAuthorization(Policies.ReadAudit);

        return endpoints;
    }

    /// <summary>An alert's clip: <see cref="Clip"/> is null until its gateway has uploaded it (a few seconds after the alert).</summary>
    public sealed record ClipStatus(string AlertId, string GatewayId, ArchivedClip? Clip)
    {
        public bool Available => Clip is not null;
    }

    /// <summary>The player's word on a playback: how long it played.</summary>
    public sealed record PlaybackEnd(double WatchedSeconds);

    /// <summary>
    /// One tile's live picture. Refusals are said on the socket (a "refused" message, then a close code of 44xx with the
    /// reason), since a browser cannot read the body of a refused WebSocket handshake.
    /// </summary>
    private static async Task<IResult> WatchAsync(string cameraId, string? fps, string? width, string? height, string? unit, HttpContext http,
        LiveCameras live, VideoCameras cameras, VideoAccess access, VideoAudit audit, SecurityAudit securityAudit, VideoMetrics metrics, IOptions<VideoOptions> options, TimeProvider clock)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return Results.BadRequest(new { error = $"/api/video/live/{cameraId} is a WebSocket (ws://); it sends the camera's frames as binary messages" });
        }

        var o = options.Value;
        var terminal = unit is not null;
        var (maxFps, maxWidth, maxHeight) = terminal ? (o.TerminalMaxFps, o.TerminalMaxWidthPx, o.TerminalMaxHeightPx) : (o.MaxFps, o.MaxWidthPx, o.MaxHeightPx);
        var errors = new List<string>();
        var askedFps = fps is null ? Math.Min(o.DefaultFps, maxFps) : Number(fps, "fps", errors, 0.1, double.MaxValue);
        var askedWidth = width is null ? Math.Min(o.DefaultWidthPx, maxWidth) : Number(width, "width", errors, 16, int.MaxValue);
        var askedHeight = height is null ? Math.Min(o.DefaultHeightPx, maxHeight) : Number(height, "height", errors, 16, int.MaxValue);
        var request = new ViewRequest(Math.Min(askedFps, maxFps), (int)Math.Min(askedWidth, maxWidth), (int)Math.Min(askedHeight, maxHeight));

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        if (errors.Count > 0)
        {
            metrics.ViewRefused("bad_request");
            await RefuseAsync(socket, 4400, string.Join("; ", errors));
            return Results.Empty;
        }

        var decision = await access.LiveAsync(http.User, cameraId, unit);
        if (!decision.Allowed)
        {
            metrics.ViewRefused(decision.Status == 404 ? "unknown_unit" : "forbidden");
            await securityAudit.RecordAsync(SecurityAudit.AccessDenied, decision.Actor, $"camera {cameraId} live", decision.Reason, Remote(http) ?? "");
            await RefuseAsync(socket, decision.Status == 404 ? 4404 : decision.Status == 401 ? 4401 : 4403, decision.Reason);
            return Results.Empty;
        }

        if (cameras.GatewayOf(cameraId) is not { } gatewayId)
        {
            metrics.ViewRefused("unknown_camera");
            await RefuseAsync(socket, 4404, $"unknown camera '{cameraId}': neither in the city file nor announced by a gateway");
            return Results.Empty;
        }

        var viewer = new LiveViewer(decision.Actor, decision.Profile, decision.UnitId, request, o.ViewerQueueFrames, clock.GetUtcNow());
        if (live.Join(cameraId, gatewayId, viewer) is { } refusal)
        {
            metrics.ViewRefused(refusal.MetricReason);
            await RefuseAsync(socket, refusal.CloseCode, refusal.Reason);
            return Results.Empty;
        }

        long auditId;
        try
        {
            auditId = await audit.StartAsync(VideoAuditKinds.Live, viewer.Actor, viewer.UnitId, cameraId, null, viewer.JoinedAt, Remote(http));
        }
        catch (Exception ex) when (ArchiveDatabase.IsUnavailable(ex))
        {
            // No view without its audit record: refused, retryable, until the audit's database is back.
            live.Leave(viewer);
            metrics.ViewRefused("audit_unavailable");
            await RefuseAsync(socket, 4503, $"the video audit cannot record this view now ({ex.Message}); retry in {ArchiveOutage.RetryAfterSeconds} s");
            return Results.Empty;
        }

        using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        try
        {
            var reading = ReadUntilClosedAsync(socket, gone);
            await SendAsync(socket, viewer, metrics, gone.Token);
            await gone.CancelAsync();
            await reading;
        }
        finally
        {
            live.Leave(viewer);
            var ended = clock.GetUtcNow();
            var seconds = (ended - viewer.JoinedAt).TotalSeconds;
            try
            {
                await audit.EndAsync(auditId, ended, seconds, viewer.FramesSent, viewer.FramesDropped);
            }
            catch (Exception ex) when (ArchiveDatabase.IsUnavailable(ex))
            {
                // The record stays as started (open, no duration); the security audit below still says how long.
            }

            await securityAudit.RecordAsync(SecurityAudit.VideoLive, viewer.Actor, $"camera {cameraId} live", string.Create(CultureInfo.InvariantCulture,
                $"watched {seconds:0.#} s from {viewer.JoinedAt:u}{(viewer.UnitId is null ? "" : $" on unit {viewer.UnitId}'s terminal")}; {viewer.FramesSent} frames, {viewer.FramesDropped} dropped"), Remote(http) ?? "");
        }

        return Results.Empty;
    }

    /// <summary>Writes statuses (text) and frames (binary: a 32-byte header, then the JPEG) until the viewer or the camera goes.</summary>
    private static async Task SendAsync(WebSocket socket, LiveViewer viewer, VideoMetrics metrics, CancellationToken cancellationToken)
    {
        var header = new byte[FrameHeaderBytes];
        try
        {
            while (socket.State == WebSocketState.Open && await viewer.TakeAsync(cancellationToken) is { } message)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(SendTimeout);
                if (message is LiveStatus status)
                {
                    var text = JsonSerializer.SerializeToUtf8Bytes(new
                    {
                        type = "status",
                        cameraId = status.CameraId,
                        state = status.State,
                        message = status.Message,
                        fps = status.Fps,
                        maxWidthPx = status.MaxWidthPx,
                        maxHeightPx = status.MaxHeightPx,
                    }, Json);
                    await socket.SendAsync(text, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                    continue;
                }

                var frame = (LiveFrame)message;
                WriteHeader(header, frame, viewer.FramesDropped);
                await socket.SendAsync(header, WebSocketMessageType.Binary, endOfMessage: false, timeout.Token);
                await socket.SendAsync(frame.Jpeg, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
                viewer.Sent(frame.Jpeg.Length);
                metrics.FrameSent(frame.Jpeg.Length);
            }

            if (socket.State == WebSocketState.Open)
            {
                // The camera stopped (the host is stopping, or it made room for another): say so and close.
                await socket.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "the live view ended", CancellationToken.None);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException or IOException)
        {
            // The viewer left, or stopped reading for longer than the send timeout.
        }
    }

    /// <summary>Little-endian: version 1, 3 spare bytes, captured and received (Unix ms, float64), sequence, width, height (uint16), dropped (uint32).</summary>
    internal static void WriteHeader(Span<byte> header, LiveFrame frame, long dropped)
    {
        header.Clear();
        header[0] = 1;
        BinaryPrimitives.WriteDoubleLittleEndian(header[4..], frame.CapturedAt.ToUnixTimeMilliseconds() + (frame.CapturedAt.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond));
        BinaryPrimitives.WriteDoubleLittleEndian(header[12..], frame.ReceivedAt.ToUnixTimeMilliseconds() + (frame.ReceivedAt.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond));
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)frame.Sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(header[24..], (ushort)Math.Min(frame.WidthPx, ushort.MaxValue));
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)Math.Min(frame.HeightPx, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], (uint)Math.Min(dropped, uint.MaxValue));
    }

    /// <summary>Reads (and ignores) what the page sends, until it closes; then ends the sending side too.</summary>
    private static async Task ReadUntilClosedAsync(WebSocket socket, CancellationTokenSource gone)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, gone.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or WebSocketException or IOException)
        {
            // gone
        }
        finally
        {
            await gone.CancelAsync();
        }
    }

    private static async Task RefuseAsync(WebSocket socket, int closeCode, string reason)
    {
        try
        {
            var text = JsonSerializer.SerializeToUtf8Bytes(new { type = "refused", code = closeCode, message = reason }, Json);
            await socket.SendAsync(text, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

            // A close reason may hold 123 bytes; the message above carries the whole of it.
            var shortReason = reason.Length <= 60 ? reason : reason[..57] + "...";
            await socket.CloseAsync((WebSocketCloseStatus)closeCode, shortReason, CancellationToken.None);
        }
        catch (Exception error) when (error is WebSocketException or IOException)
        {
            // The page is gone already.
        }
    }

    private static double Number(string? text, string name, List<string> errors, double min = double.MinValue, double max = double.MaxValue)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
        {
            errors.Add(min == double.MinValue
                ? $"{name} must be a number, got '{text}'"
                : max == double.MaxValue || max == int.MaxValue
                    ? string.Create(CultureInfo.InvariantCulture, $"{name} must be a number of at least {min}, got '{text}'")
                    : string.Create(CultureInfo.InvariantCulture, $"{name} must be a number within {min}..{max}, got '{text}'"));
            return double.NaN;
        }

        return value;
    }

    private static DateTimeOffset? Time(string? text, string name, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        errors.Add($"{name} must be a date and time (ISO 8601), got '{text}'");
        return null;
    }

    private static string? Remote(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();
}
