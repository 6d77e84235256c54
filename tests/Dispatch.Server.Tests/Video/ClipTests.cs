using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dispatch.Contracts.V1;
using Dispatch.Server.Security;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Dispatch.Server.Tests.Video;

/// <summary>Event clips over CameraVideo.UploadClip into the alert archive, and their audited playback over HTTP.</summary>
public sealed class ClipTests(VideoHostFixture fixture) : IClassFixture<VideoHostFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_clip_uploaded_for_an_accepted_alert_is_stored_beside_it_played_in_byte_ranges_and_its_playback_audited()
    {
        var (alert, _) = await AcceptedAlertAsync(7, "CL1");
        var clip = TestClips.WebM(seconds: 3);
        var observed = alert.ObservedAt.ToDateTimeOffset();

        var ack = await UploadAsync(7, Header(alert, clip.Length, observed.AddSeconds(-1.5), observed.AddSeconds(1.5)), Chunks(clip, 4096));
        var again = await UploadAsync(7, Header(alert, clip.Length, observed.AddSeconds(-1.5), observed.AddSeconds(1.5)), Chunks(clip, 65536));
        using var http = fixture.Host.Http();
        var status = await http.GetFromJsonAsync<JsonElement>($"/api/video/alerts/{alert.AlertId}/clip", Cancel);
        var info = status.GetProperty("clip");
        using var started = await http.PostAsync($"/api/video/alerts/{alert.AlertId}/clip/playbacks", null, Cancel);
        var playback = await started.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var url = playback.GetProperty("url").GetString()!;
        using var whole = await http.GetAsync(url, Cancel);
        using var ranged = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(100, 199) } };
        using var part = await http.SendAsync(ranged, Cancel);
        using var ended = await http.PostAsJsonAsync($"{url}/end", new { watchedSeconds = 2.75 }, Cancel);
        using var badEnd = await http.PostAsync($"{url}/end", new StringContent("{\"watchedSeconds\": -3}", Encoding.UTF8, "application/json"), Cancel);
        using var supervisor = fixture.Host.Http(TestAccounts.Supervisor);
        using var othersPlayback = await supervisor.GetAsync(url, Cancel);
        using var viewer = fixture.Host.Http(TestAccounts.Viewer);
        using var viewerStart = await viewer.PostAsync($"/api/video/alerts/{alert.AlertId}/clip/playbacks", null, Cancel);
        using var officer = fixture.Host.Http(TestAccounts.Officer);
        using var officerStart = await officer.PostAsync($"/api/video/alerts/{alert.AlertId}/clip/playbacks", null, Cancel);
        var audit = await supervisor.GetFromJsonAsync<JsonElement>($"/api/video/audit?kind=clip&cameraId={alert.CameraId}", Cancel);
        var securityAudit = await supervisor.GetFromJsonAsync<JsonElement>($"/api/audit?kind={SecurityAudit.VideoClip}&limit=500", Cancel);

        Assert.Equal(ClipOutcome.Accepted, ack.Outcome);
        Assert.Equal(ClipOutcome.Duplicate, again.Outcome);
        Assert.True(status.GetProperty("available").GetBoolean());
        Assert.Equal(("video/webm", clip.Length, 15), (info.GetProperty("mediaType").GetString(), info.GetProperty("bytes").GetInt32(), info.GetProperty("frameCount").GetInt32()));
        Assert.Equal(3.0, info.GetProperty("durationSeconds").GetDouble(), 3);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        Assert.Equal(clip, await whole.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal("video/webm", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(clip[100..200], await part.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badEnd.StatusCode);
        Assert.Contains("watchedSeconds must be within 0..86400, got -3", await badEnd.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, othersPlayback.StatusCode);
        Assert.Contains("start your own", await othersPlayback.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, viewerStart.StatusCode);
        Assert.Contains("ViewersMayWatch is off", await viewerStart.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, officerStart.StatusCode);
        var entry = Assert.Single(audit.EnumerateArray());
        var logged = securityAudit.EnumerateArray().Where(e => e.GetProperty("subject").GetString() == $"clip of alert {alert.AlertId}").Select(e => e.GetProperty("detail").GetString()).ToList();
        Assert.Contains($"playback {entry.GetProperty("id").GetInt64()} ended: played 2.8 s; camera {alert.CameraId}", logged);
        Assert.Equal(("clip", TestAccounts.Operator, alert.AlertId, 2.75),
            (entry.GetProperty("kind").GetString(), entry.GetProperty("actor").GetString(), entry.GetProperty("alertId").GetString(), entry.GetProperty("seconds").GetDouble()));
        Assert.Equal(playback.GetProperty("playbackId").GetInt64(), entry.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task The_board_learns_what_its_person_may_watch_as_the_video_endpoints_decide_it_and_why_not()
    {
        var (alert, _) = await AcceptedAlertAsync(12, "AC1");
        var access = new Dictionary<string, JsonElement>();
        var playbackStarts = new Dictionary<string, HttpStatusCode>();
        foreach (var user in new[] { TestAccounts.Operator, TestAccounts.Supervisor, TestAccounts.Viewer, TestAccounts.Admin })
        {
            using var http = fixture.Host.Http(user);
            access[user] = await http.GetFromJsonAsync<JsonElement>("/api/video/access", Cancel);
            using var start = await http.PostAsync($"/api/video/alerts/{alert.AlertId}/clip/playbacks", null, Cancel);
            playbackStarts[user] = start.StatusCode;
        }

        // What the page is told matches what the clip endpoint then does (no clip was uploaded: allowed is 404, not 403).
        foreach (var (user, said) in access)
        {
            Assert.Equal(said.GetProperty("clips").GetBoolean(), playbackStarts[user] != HttpStatusCode.Forbidden);
            Assert.Equal(said.GetProperty("live").GetBoolean(), said.GetProperty("clips").GetBoolean());
            Assert.Equal(user, said.GetProperty("actor").GetString());
        }

        Assert.True(access[TestAccounts.Operator].GetProperty("live").GetBoolean());
        Assert.Equal(JsonValueKind.Null, access[TestAccounts.Operator].GetProperty("reason").ValueKind);
        Assert.True(access[TestAccounts.Supervisor].GetProperty("live").GetBoolean());
        Assert.False(access[TestAccounts.Viewer].GetProperty("live").GetBoolean());
        Assert.Equal($"'{TestAccounts.Viewer}' is a viewer, and viewers may not watch live pictures or clips here (Dispatch:Video:ViewersMayWatch is off)",
            access[TestAccounts.Viewer].GetProperty("reason").GetString());
        Assert.False(access[TestAccounts.Admin].GetProperty("live").GetBoolean());
        Assert.StartsWith($"'{TestAccounts.Admin}' may not watch live pictures or clips", access[TestAccounts.Admin].GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clips_are_refused_naming_why_and_only_an_unknown_alert_is_worth_sending_again()
    {
        var (alert, session) = await AcceptedAlertAsync(8, "CL2");
        var clip = TestClips.WebM(seconds: 2);
        var at = alert.ObservedAt.ToDateTimeOffset();

        var unknown = await UploadAsync(8, With(Header(alert, clip.Length, at, at.AddSeconds(2)), h => h.AlertId = "never-sent"), Chunks(clip, 65536));
        var tooLarge = await UploadAsync(8, Header(alert, 2 * 1024 * 1024, at, at.AddSeconds(2)), []);
        var notWebm = await UploadAsync(8, Header(alert, 4, at, at.AddSeconds(2)), [Encoding.ASCII.GetBytes("RIFF")]);
        var wrongCamera = await UploadAsync(8, With(Header(alert, clip.Length, at, at.AddSeconds(2)), h => h.CameraId = "CL2-02"), Chunks(clip, 65536));
        var short_ = await UploadAsync(8, Header(alert, clip.Length, at, at.AddSeconds(2)), Chunks(clip[..^10], 65536));
        var mp4 = await UploadAsync(8, With(Header(alert, clip.Length, at, at.AddSeconds(2)), h => h.MediaType = "video/mp4"), Chunks(clip, 65536));
        var backwards = await UploadAsync(8, Header(alert, clip.Length, at, at.AddSeconds(-2)), Chunks(clip, 65536));
        var stillNone = await ClipAvailableAsync(alert.AlertId);
        var unknownAlert = await StatusOfClipAsync("never-sent");
        await session.DisposeAsync();

        Assert.Equal((ClipOutcome.Rejected, ClipRejectReason.UnknownAlert), (unknown.Outcome, unknown.RejectReason));
        Assert.Equal(TimeSpan.FromSeconds(2), unknown.RetryAfter.ToTimeSpan());
        Assert.Equal($"no accepted alert 'never-sent' of gateway '{VideoHostFixture.GatewayId(8)}' (yet)", unknown.Message);
        Assert.Equal((ClipRejectReason.ClipTooLarge, "total_bytes 2097152 must be within 1..1048576 (Dispatch:Video:MaxClipBytes)"), (tooLarge.RejectReason, tooLarge.Message));
        Assert.Equal((ClipRejectReason.UnsupportedMedia, "the clip is not a WebM file (no EBML header)"), (notWebm.RejectReason, notWebm.Message));
        Assert.Equal((ClipRejectReason.Invalid, $"alert '{alert.AlertId}' came from camera 'CL2-01', not 'CL2-02'"), (wrongCamera.RejectReason, wrongCamera.Message));
        Assert.Equal((ClipRejectReason.Invalid, $"the chunks add up to {clip.Length - 10} bytes, not total_bytes {clip.Length}"), (short_.RejectReason, short_.Message));
        Assert.Equal((ClipRejectReason.UnsupportedMedia, "media_type 'video/mp4' is not one of video/webm"), (mp4.RejectReason, mp4.Message));
        Assert.Equal(ClipRejectReason.Invalid, backwards.RejectReason);
        Assert.False(stillNone);
        Assert.Equal(HttpStatusCode.NotFound, unknownAlert);
        Assert.All((ClipAck[])[tooLarge, notWebm, wrongCamera, short_, mp4, backwards], a => Assert.Null(a.RetryAfter));
    }

    [Fact]
    public async Task Video_calls_without_the_gateways_credential_end_unauthenticated_naming_the_gateway()
    {
        var client = new CameraVideo.CameraVideoClient(fixture.Host.Channel);
        var wrong = new Metadata { { "authorization", "Bearer not-the-credential" }, { "x-dispatch-gateway-id", VideoHostFixture.GatewayId(9) } };

        using var frames = client.SendFrames(wrong, cancellationToken: Cancel);
        var framesRefusal = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await frames.RequestStream.WriteAsync(new VideoFrame { ViewId = "v", CameraId = "c" }, Cancel);
            await frames.ResponseAsync;
        });
        using var upload = client.UploadClip(new Metadata { { "x-dispatch-gateway-id", VideoHostFixture.GatewayId(9) } }, cancellationToken: Cancel);
        var uploadRefusal = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await upload.RequestStream.WriteAsync(new ClipChunk { Header = new ClipHeader { AlertId = "a" } }, Cancel);
            await upload.ResponseAsync;
        });
        using var stale = client.SendFrames(VideoCredentials(9), cancellationToken: Cancel);
        var staleRefusal = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await stale.RequestStream.WriteAsync(new VideoFrame { ViewId = "old-view", CameraId = "CL9-01" }, Cancel);
            await stale.ResponseAsync;
        });

        Assert.Equal((StatusCode.Unauthenticated, $"the credential for gateway '{VideoHostFixture.GatewayId(9)}' is wrong"), (framesRefusal.StatusCode, framesRefusal.Status.Detail));
        Assert.Equal((StatusCode.Unauthenticated, $"missing 'authorization: Bearer <credential>' metadata for gateway '{VideoHostFixture.GatewayId(9)}'"),
            (uploadRefusal.StatusCode, uploadRefusal.Status.Detail));
        Assert.Equal(StatusCode.NotFound, staleRefusal.StatusCode);
        Assert.Contains("no live view 'old-view' of camera 'CL9-01' is wanted", staleRefusal.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_welcome_asks_a_clip_gateway_for_the_configured_seconds_and_says_nothing_to_an_older_gateway()
    {
        var client = new CameraGateway.CameraGatewayClient(fixture.Host.Channel);
        var cameras = VideoHostFixture.Cameras("CL10", 1, northDegrees: -0.010);
        var (modern, welcome) = await GatewaySession.ConnectAsync(client, Hello(10, cameras, clips: true));
        await using var _ = modern;
        var (older, oldWelcome) = await GatewaySession.ConnectAsync(client, Hello(11, VideoHostFixture.Cameras("CL11", 1, northDegrees: -0.011), clips: false));
        await using var __ = older;

        Assert.Equal((5u, 5u, 1048576ul), (welcome.ClipPolicy.PreSeconds, welcome.ClipPolicy.PostSeconds, welcome.ClipPolicy.MaxBytes));
        Assert.Equal(new[] { "video/webm" }, welcome.ClipPolicy.MediaTypes);
        Assert.Null(oldWelcome.ClipPolicy);
    }

    private async Task<bool> ClipAvailableAsync(string alertId)
    {
        using var http = fixture.Host.Http();
        var status = await http.GetFromJsonAsync<JsonElement>($"/api/video/alerts/{alertId}/clip", Cancel);
        return status.GetProperty("available").GetBoolean();
    }

    private async Task<HttpStatusCode> StatusOfClipAsync(string alertId)
    {
        using var http = fixture.Host.Http();
        using var response = await http.GetAsync($"/api/video/alerts/{alertId}/clip", Cancel);
        return response.StatusCode;
    }

    /// <summary>Connects gateway <paramref name="n"/> with a camera of its own and sends an alert that is accepted.</summary>
    private async Task<(Alert Alert, GatewaySession Session)> AcceptedAlertAsync(int n, string prefix)
    {
        var cameras = VideoHostFixture.Cameras(prefix, 2, northDegrees: -0.02 - (n * 0.003));
        var (session, welcome) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(fixture.Host.Channel), Hello(n, cameras, clips: true));
        Assert.Empty(welcome.RefusedCameraIds);
        var alert = AlertTestHost.NewAlert(cameras[0].CameraId, AlertKind.Intrusion);
        var ack = await session.SendAsync(alert);
        Assert.Equal(AlertOutcome.Accepted, ack.Outcome);
        return (alert, session);
    }

    private static GatewayMessage Hello(int n, IEnumerable<CameraInfo> cameras, bool clips)
    {
        var message = AlertTestHost.Hello(VideoHostFixture.GatewayId(n), AlertTestHost.Credential, [.. cameras]);
        message.Hello.SupportsEventClips = clips;
        message.Hello.SupportsLiveView = clips;
        return message;
    }

    private static ClipHeader Header(Alert alert, long bytes, DateTimeOffset startsAt, DateTimeOffset endsAt) => new()
    {
        AlertId = alert.AlertId,
        CameraId = alert.CameraId,
        MediaType = "video/webm",
        StartsAt = Timestamp.FromDateTimeOffset(startsAt),
        EndsAt = Timestamp.FromDateTimeOffset(endsAt),
        WidthPx = 320,
        HeightPx = 180,
        FrameCount = 15,
        TotalBytes = (ulong)bytes,
    };

    private static ClipHeader With(ClipHeader header, Action<ClipHeader> change)
    {
        var changed = header.Clone();
        change(changed);
        return changed;
    }

    private static List<byte[]> Chunks(byte[] bytes, int size) => [.. bytes.Chunk(size)];

    private static Metadata VideoCredentials(int n) => AlertTestHost.Credentials(VideoHostFixture.GatewayId(n));

    private async Task<ClipAck> UploadAsync(int n, ClipHeader header, IReadOnlyList<byte[]> chunks)
    {
        var client = new CameraVideo.CameraVideoClient(fixture.Host.Channel);
        using var call = client.UploadClip(VideoCredentials(n), cancellationToken: Cancel);
        try
        {
            await call.RequestStream.WriteAsync(new ClipChunk { Header = header }, Cancel);
            foreach (var chunk in chunks)
            {
                await call.RequestStream.WriteAsync(new ClipChunk { Data = ByteString.CopyFrom(chunk) }, Cancel);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when ((ex is RpcException or InvalidOperationException) && call.ResponseAsync.IsCompletedSuccessfully)
        {
            // answered early (a refusal after the header)
        }

        return await call.ResponseAsync;
    }
}
