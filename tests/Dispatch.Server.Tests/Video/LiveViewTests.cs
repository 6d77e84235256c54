using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Microsoft.Extensions.DependencyInjection;

using Dispatch.Server.Security;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Video;

/// <summary>
/// Live views end to end on the real host: a gateway over real gRPC (HTTP/2), viewers over real websockets. Each test
/// has its own gateway and cameras.
/// </summary>
public sealed class LiveViewTests(VideoHostFixture fixture) : IClassFixture<VideoHostFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_viewer_gets_the_cameras_frames_and_the_gateway_stops_sending_once_nobody_watches()
    {
        var cameras = VideoHostFixture.Cameras("LV1", 1, northDegrees: 0.010);
        await using var gateway = await fixture.GatewayAsync(1, cameras);
        await using var viewer = await fixture.ViewerAsync("LV1-01", "fps=5");

        await Eventually.True(() => viewer.Frames.Count >= 8, Patience, () => $"{viewer.Frames.Count} frames; statuses {string.Join(" | ", viewer.Statuses)}");
        var start = Assert.Single(gateway.Starts);
        var frames = viewer.Frames.ToList();
        var live = await LiveAsync();
        await viewer.CloseAsync();
        await Eventually.True(() => !gateway.Stops.IsEmpty && !gateway.Endings.IsEmpty, Patience,
            () => $"stops {gateway.Stops.Count}, endings {string.Join(" | ", gateway.Endings)}");
        var stop = Assert.Single(gateway.Stops);
        var sentAtStop = gateway.FramesSent;
        await Task.Delay(TimeSpan.FromSeconds(1), Cancel);
        await Eventually.True(async () => (await LiveAsync()).All(c => c.GetProperty("cameraId").GetString() != "LV1-01"), Patience, () => "LV1-01 is still live");
        using var supervisor = fixture.Host.Http(TestAccounts.Supervisor);
        var audit = await supervisor.GetFromJsonAsync<JsonElement>("/api/video/audit?cameraId=LV1-01&kind=live", Cancel);
        var securityAudit = await supervisor.GetFromJsonAsync<JsonElement>($"/api/audit?kind={SecurityAudit.VideoLive}&limit=500", Cancel);

        Assert.Equal(("LV1-01", 5f, 640u, 360u), (start.CameraId, start.MaxFps, start.MaxWidthPx, start.MaxHeightPx));
        Assert.Equal(start.ViewId, stop.ViewId);
        // The stop on Connect and the end of the frames call race; either way the call is over and no frame follows.
        Assert.Matches("nobody watches|stopped by the gateway", Assert.Single(gateway.Endings));
        Assert.Empty(gateway.LiveCameras);
        Assert.Equal(sentAtStop, gateway.FramesSent);
        // A status not yet sent is replaced by a newer one, so "starting" may never show when the first frame is quick.
        Assert.Equal("live", viewer.Statuses.Select(s => s.GetProperty("state").GetString()).Last());
        Assert.All(viewer.Statuses, s => Assert.Contains(s.GetProperty("state").GetString(), (string[])["starting", "live"]));
        Assert.All(frames, f => Assert.Equal((640, 360), (f.WidthPx, f.HeightPx)));
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence), "frames arrive in order");

        // Captured at the gateway, drawn here: the same machine's clock, so the latency is real and small.
        var latencies = frames.Select(f => (f.ArrivedAt.ToUnixTimeMilliseconds() - f.CapturedAtMs)).ToList();
        Assert.All(latencies, l => Assert.InRange(l, -50, 2000));
        var watching = Assert.Single(Assert.Single(live, c => c.GetProperty("cameraId").GetString() == "LV1-01").GetProperty("watching").EnumerateArray());
        Assert.Equal(TestAccounts.Operator, watching.GetProperty("actor").GetString());
        var entry = Assert.Single(audit.EnumerateArray());
        var logged = Assert.Single(securityAudit.EnumerateArray(), e => e.GetProperty("subject").GetString() == "camera LV1-01 live");
        Assert.Equal(TestAccounts.Operator, logged.GetProperty("actor").GetString());
        Assert.Matches(@"^watched \d+(\.\d)? s from .*; \d+ frames, \d+ dropped$", logged.GetProperty("detail").GetString());
        Assert.Equal(("live", TestAccounts.Operator, "LV1-01"), (entry.GetProperty("kind").GetString(), entry.GetProperty("actor").GetString(), entry.GetProperty("cameraId").GetString()));
        Assert.True(entry.GetProperty("seconds").GetDouble() > 1, entry.ToString());
        Assert.True(entry.GetProperty("frames").GetInt64() >= 8, entry.ToString());
    }

    [Fact]
    public async Task A_third_camera_of_a_gateway_is_refused_while_two_stream_and_gets_its_picture_once_one_is_closed()
    {
        var cameras = VideoHostFixture.Cameras("LV2", 3, northDegrees: 0.012);
        await using var gateway = await fixture.GatewayAsync(2, cameras);
        await using var first = await fixture.ViewerAsync("LV2-01");
        await using var second = await fixture.ViewerAsync("LV2-02");
        await Eventually.True(() => !first.Frames.IsEmpty && !second.Frames.IsEmpty, Patience, () => "the first two cameras never sent a frame");

        await using var third = await fixture.ViewerAsync("LV2-03");
        await Eventually.True(() => third.Closed.Code is not null, Patience, () => "the third viewer was not closed");
        var refusal = Assert.Single(third.Statuses);
        var thirdAskedWhileFull = gateway.Starts.Any(s => s.CameraId == "LV2-03");
        await first.CloseAsync();
        await using var again = await fixture.ViewerAsync("LV2-03");
        await Eventually.True(() => !again.Frames.IsEmpty, Patience, () => $"no frame for the third camera after one closed: {string.Join(" | ", again.Statuses)}");

        Assert.Equal("refused", refusal.GetProperty("type").GetString());
        Assert.Equal(4429, refusal.GetProperty("code").GetInt32());
        Assert.Equal(4429, third.Closed.Code);
        Assert.Equal(
            $"gateway '{VideoHostFixture.GatewayId(2)}' already streams 2 cameras live (LV2-01, LV2-02), the most it may (Dispatch:Video:MaxLiveCamerasPerGateway); close one of them first",
            refusal.GetProperty("message").GetString());
        Assert.Empty(third.Frames);
        Assert.False(thirdAskedWhileFull);
        Assert.True(gateway.LiveCameras.Count <= VideoHostFixture.MaxLiveCamerasPerGateway, string.Join(",", gateway.LiveCameras));
    }

    [Fact]
    public async Task A_slow_viewer_loses_frames_while_another_viewer_of_the_same_camera_keeps_the_full_rate()
    {
        // Big frames (noise, 1280x720, some hundreds of KB each) at 8 fps, so a viewer that does not read falls behind in a second.
        var cameras = VideoHostFixture.Cameras("LV3", 1, northDegrees: 0.014);
        await using var gateway = await fixture.GatewayAsync(3, cameras, 1280, 720, ScriptedGateway.NoisyFrame(1280, 720));
        const string Query = "fps=8&width=1280&height=720";
        await using var fast = await fixture.ViewerAsync("LV3-01", Query);
        await using var slow = await fixture.ViewerAsync("LV3-01", Query, reading: false);
        await Eventually.True(() => fast.Frames.Count >= 4, Patience, () => $"the fast viewer got {fast.Frames.Count} frames");

        var sentBefore = gateway.FramesSent;
        var fastBefore = fast.Frames.Count;
        await Task.Delay(TimeSpan.FromSeconds(5), Cancel);
        var sent = gateway.FramesSent - sentBefore;
        var fastGot = fast.Frames.Count - fastBefore;
        var slowDropped = (await LiveAsync()).Single(c => c.GetProperty("cameraId").GetString() == "LV3-01").GetProperty("watching").EnumerateArray()
            .Select(w => w.GetProperty("framesDropped").GetInt64()).Max();
        slow.Resume();
        await Eventually.True(() => slow.Frames.Any(f => f.Dropped > 0), Patience, () => $"the slow viewer's frames never said they dropped some ({slow.Frames.Count} frames)");

        Assert.True(sent >= 20, $"the gateway sent {sent} frames in 5 s");
        Assert.True(fastGot >= sent * 0.8, $"the fast viewer got {fastGot} of the {sent} frames the gateway sent while the slow one stalled");
        Assert.True(slowDropped > 0, "the slow viewer dropped nothing");
        var slowSequences = slow.Frames.Select(f => f.Sequence).ToList();
        Assert.Contains(slowSequences.Zip(slowSequences.Skip(1)), p => p.Second - p.First > 1);
    }

    [Fact]
    public async Task The_gateway_gone_mid_view_is_told_to_the_viewer_and_the_picture_comes_back_when_it_reconnects()
    {
        var cameras = VideoHostFixture.Cameras("LV4", 1, northDegrees: 0.016);
        var gateway = await fixture.GatewayAsync(4, cameras);
        await using var viewer = await fixture.ViewerAsync("LV4-01");
        await Eventually.True(() => viewer.Frames.Count >= 3, Patience, () => "no frames before the gateway went");
        var firstView = Assert.Single(gateway.Starts).ViewId;

        await gateway.DisposeAsync();
        await Eventually.True(() => viewer.HasState("gateway-offline"), Patience, () => string.Join(" | ", viewer.Statuses));
        var framesWhileGone = viewer.Frames.Count;
        await using var back = await fixture.GatewayAsync(4, cameras);
        await Eventually.True(() => viewer.Frames.Count >= framesWhileGone + 3, Patience, () => $"no frames after the gateway came back: {string.Join(" | ", viewer.Statuses)}");

        var states = viewer.Statuses.Select(s => s.GetProperty("state").GetString()).ToList();
        Assert.Equal("live", states[^1]);
        Assert.True(states.LastIndexOf("gateway-offline") < states.LastIndexOf("live"), string.Join(",", states));
        var offline = viewer.Statuses.First(s => s.GetProperty("state").GetString() == "gateway-offline");
        Assert.Contains($"gateway '{VideoHostFixture.GatewayId(4)}'", offline.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(firstView, Assert.Single(back.Starts).ViewId);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, viewer.State);
    }

    [Fact]
    public async Task Rate_and_size_above_the_caps_are_lowered_to_them_and_bad_values_or_unknown_cameras_are_refused_by_name()
    {
        var cameras = VideoHostFixture.Cameras("LV5", 1, northDegrees: 0.018);
        await using var gateway = await fixture.GatewayAsync(5, cameras);
        await using var greedy = await fixture.ViewerAsync("LV5-01", "fps=50&width=4000&height=3000");
        await Eventually.True(() => !gateway.Starts.IsEmpty && greedy.Statuses.Count > 0, Patience, () => "the gateway was never asked");
        await using var badRate = await fixture.ViewerAsync("LV5-01", "fps=abc");
        await using var unknown = await fixture.ViewerAsync("NO-SUCH-CAMERA");
        await Eventually.True(() => badRate.Closed.Code is not null && unknown.Closed.Code is not null, Patience, () => "the bad viewers were not closed");
        using var http = fixture.Host.Http();
        using var plain = await http.GetAsync("/api/video/live/LV5-01", Cancel);

        var status = greedy.Statuses[0];
        Assert.Equal((10.0, 1280, 720), (status.GetProperty("fps").GetDouble(), status.GetProperty("maxWidthPx").GetInt32(), status.GetProperty("maxHeightPx").GetInt32()));
        var start = Assert.Single(gateway.Starts);
        Assert.Equal((10f, 1280u, 720u), (start.MaxFps, start.MaxWidthPx, start.MaxHeightPx));
        Assert.Equal(4400, badRate.Closed.Code);
        Assert.Equal("fps must be a number of at least 0.1, got 'abc'", Assert.Single(badRate.Statuses).GetProperty("message").GetString());
        Assert.Equal(4404, unknown.Closed.Code);
        Assert.Equal("unknown camera 'NO-SUCH-CAMERA': neither in the city file nor announced by a gateway", Assert.Single(unknown.Statuses).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("is a WebSocket", await plain.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_officers_terminal_sees_its_incidents_camera_smaller_and_slower_and_another_officers_terminal_is_refused()
    {
        var cameras = VideoHostFixture.Cameras("LV6", 1, northDegrees: 0.020);
        await using var gateway = await fixture.GatewayAsync(6, cameras);
        var at = cameras[0].Location;
        var (assigned, other) = await IncidentWithOneUnitAsync(at.Latitude, at.Longitude + 0.0002);
        var (officer, otherOfficer) = (VideoHostFixture.OfficerOf(assigned), VideoHostFixture.OfficerOf(other));
        using var officerHttp = fixture.Host.Http(officer);
        using var otherHttp = fixture.Host.Http(otherOfficer);
        var offered = await officerHttp.GetFromJsonAsync<JsonElement>($"/api/video/units/{assigned}/cameras", Cancel);
        var offeredOther = await otherHttp.GetFromJsonAsync<JsonElement>($"/api/video/units/{other}/cameras", Cancel);
        using var notTheirs = await otherHttp.GetAsync($"/api/video/units/{assigned}/cameras", Cancel);

        // The control room watches in full size, so the gateway sends 640 px and the host scales the terminal's copy.
        await using var console = await fixture.ViewerAsync("LV6-01", "fps=5");
        await using var terminal = await fixture.ViewerAsync("LV6-01", $"unit={assigned}&fps=10&width=1280&height=720", user: officer);
        await using var stranger = await fixture.ViewerAsync("LV6-01", $"unit={other}", user: otherOfficer);
        await using var impostor = await fixture.ViewerAsync("LV6-01", $"unit={assigned}", user: otherOfficer);
        await Eventually.True(() => terminal.Frames.Count >= 3 && stranger.Closed.Code is not null && impostor.Closed.Code is not null, Patience,
            () => $"terminal {terminal.Frames.Count} frames {string.Join(" | ", terminal.Statuses)}; stranger {string.Join(" | ", stranger.Statuses)}; impostor {string.Join(" | ", impostor.Statuses)}");
        var started = DateTimeOffset.UtcNow;
        var before = terminal.Frames.Count;
        await Task.Delay(TimeSpan.FromSeconds(3), Cancel);
        var rate = (terminal.Frames.Count - before) / (DateTimeOffset.UtcNow - started).TotalSeconds;

        Assert.Contains(offered.GetProperty("cameras").EnumerateArray(), c => c.GetProperty("cameraId").GetString() == "LV6-01");
        Assert.Equal(2, offered.GetProperty("maxFps").GetDouble());
        Assert.Equal(JsonValueKind.Null, offeredOther.GetProperty("incidentId").ValueKind);
        Assert.Equal(HttpStatusCode.Forbidden, notTheirs.StatusCode);
        var status = terminal.Statuses[0];
        Assert.Equal((2.0, 320, 180), (status.GetProperty("fps").GetDouble(), status.GetProperty("maxWidthPx").GetInt32(), status.GetProperty("maxHeightPx").GetInt32()));
        Assert.All(terminal.Frames, f => Assert.Equal((320, 180), (f.WidthPx, f.HeightPx)));
        Assert.All(console.Frames, f => Assert.Equal((640, 360), (f.WidthPx, f.HeightPx)));
        Assert.InRange(rate, 0.5, 2.7);
        Assert.Equal(4403, stranger.Closed.Code);
        Assert.StartsWith($"unit '{other}' has no assignment now", Assert.Single(stranger.Statuses).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(stranger.Frames);
        Assert.Equal(4403, impostor.Closed.Code);
        Assert.Equal($"'{otherOfficer}' may not watch for unit '{assigned}': only an officer who may act for that unit may",
            Assert.Single(impostor.Statuses).GetProperty("message").GetString());
        Assert.Empty(impostor.Frames);
    }

    /// <summary>Reports an incident at the point and makes sure exactly one of the test city's two units holds it.</summary>
    private async Task<(string Assigned, string Other)> IncidentWithOneUnitAsync(double latitude, double longitude)
    {
        var grains = fixture.Host.Services.GetRequiredService<IGrainFactory>();
        var result = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport("fight", IncidentPriority.Low, latitude, longitude, "video test", IncidentSource.Call, "tests"));
        Assert.True(result.Ok, result.Error);
        var incident = grains.GetGrain<IIncidentGrain>(result.IncidentId!);
        string[] units = ["U-1", "U-2"];
        await Eventually.True(async () => (await incident.GetAsync())!.ActiveAssignments.Any(), Patience, () => "nobody was dispatched");
        var holding = (await incident.GetAsync())!.ActiveAssignments.Select(a => a.UnitId).ToList();
        foreach (var extra in holding.Skip(1))
        {
            Assert.True((await incident.UnassignAsync(extra, "tests")).Ok);
        }

        var assigned = holding[0];
        var other = units.First(u => u != assigned);
        await Eventually.True(async () => (await grains.GetGrain<IPatrolUnitGrain>(other).GetAsync())?.Assignment is null, Patience, () => $"{other} still holds an assignment");
        return (assigned, other);
    }

    private async Task<List<JsonElement>> LiveAsync()
    {
        using var http = fixture.Host.Http();
        return [.. (await http.GetFromJsonAsync<JsonElement>("/api/video/live", Cancel)).EnumerateArray()];
    }
}
