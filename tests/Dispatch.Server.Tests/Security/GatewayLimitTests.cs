using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Contracts.V1;
using Dispatch.Server.Cameras;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Security;

/// <summary>A host with small gateway limits, so each limit is reached with a handful of calls.</summary>
public sealed class LimitedGatewayHost : IAsyncLifetime
{
    public const int NewCamerasPerHello = 3;
    public const int SelfRegistered = 2;
    public const int Pending = 2;
    public const int ConnectsPerMinute = 3;

    private readonly TempDirectory _directory = new("dispatch-gateway-limits");

    public AlertTestHost Host { get; private set; } = null!;

    public CameraGateway.CameraGatewayClient Client { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = new AlertTestHost(_directory, settings: new Dictionary<string, string?>
        {
            ["Dispatch:GatewayLimits:MaxNewCamerasPerHello"] = $"{NewCamerasPerHello}",
            ["Dispatch:GatewayLimits:MaxSelfRegisteredCameras"] = $"{SelfRegistered}",
            ["Dispatch:GatewayLimits:MaxPendingCameras"] = $"{Pending}",
            ["Dispatch:GatewayLimits:PublishAlertsPerSecond"] = "1",
            ["Dispatch:GatewayLimits:PublishAlertBurst"] = "2",
            ["Dispatch:GatewayLimits:ConnectsPerMinute"] = $"{ConnectsPerMinute}",
        });
        Client = Host.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>What one gateway may do: cameras it registers (per Hello, in total, then approval), calls per second and per minute, its credential rotated.</summary>
public sealed class GatewayLimitTests(LimitedGatewayHost fixture) : IClassFixture<LimitedGatewayHost>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task New_cameras_beyond_the_quota_wait_for_an_operator_and_deliver_alerts_once_approved()
    {
        var cameras = Enumerable.Range(1, 5).Select(i => new CameraInfo
        {
            CameraId = $"NEW-{i}",
            Name = $"new camera {i}",
            Location = new GeoLocation { Latitude = Center.Latitude + (i * 0.0003), Longitude = Center.Longitude },
        }).ToArray();

        var (session, welcome) = await GatewaySession.ConnectAsync(fixture.Client, Hello(Gateway, Credential, cameras));
        await using var _ = session;
        using var http = fixture.Host.Http();
        var pending = await http.GetFromJsonAsync<JsonElement>("/api/cameras/pending", Cancel);
        var waiting = pending.EnumerateArray().Where(c => c.GetProperty("gatewayId").GetString() == Gateway).Select(c => c.GetProperty("cameraId").GetString()).ToList();
        var beforeApproval = await session.SendAsync(NewAlert("NEW-3"));
        using var approval = await http.PostAsync("/api/cameras/pending/NEW-3/approve", null, Cancel);
        var afterApproval = await session.SendAsync(NewAlert("NEW-3"));

        // 3 new cameras per Hello: NEW-1 and NEW-2 fill the quota of 2, NEW-3 waits, NEW-4 and NEW-5 are over the Hello's allowance.
        Assert.Equal(["NEW-3", "NEW-4", "NEW-5"], welcome.RefusedCameraIds);
        Assert.Equal(["NEW-3"], waiting);
        Assert.Equal((AlertOutcome.Rejected, RejectReason.UnknownCamera), (beforeApproval.Outcome, beforeApproval.RejectReason));
        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        Assert.Equal(AlertOutcome.Accepted, afterApproval.Outcome);
    }

    [Fact]
    public async Task A_rejected_camera_is_forgotten_and_the_waiting_list_is_bounded()
    {
        // The quota of the other gateway is used up by its first two.
        var cameras = Enumerable.Range(1, 3).Select(i => new CameraInfo
        {
            CameraId = $"OTHER-NEW-{i}",
            Location = new GeoLocation { Latitude = Center.Latitude - (i * 0.0003), Longitude = Center.Longitude },
        }).ToArray();
        var (first, _) = await GatewaySession.ConnectAsync(fixture.Client, Hello(OtherGateway, Credential, cameras));
        await first.DisposeAsync();
        var more = Enumerable.Range(4, 3).Select(i => new CameraInfo
        {
            CameraId = $"OTHER-NEW-{i}",
            Location = new GeoLocation { Latitude = Center.Latitude - (i * 0.0003), Longitude = Center.Longitude },
        }).ToArray();
        var (second, _) = await GatewaySession.ConnectAsync(fixture.Client, Hello(OtherGateway, Credential, more));
        await second.DisposeAsync();
        using var http = fixture.Host.Http();

        var waiting = (await http.GetFromJsonAsync<JsonElement>("/api/cameras/pending", Cancel)).EnumerateArray()
            .Select(c => c.GetProperty("cameraId").GetString()!).Where(id => id.StartsWith("OTHER-NEW", StringComparison.Ordinal)).ToList();
        using var rejected = await http.PostAsync($"/api/cameras/pending/{waiting[0]}/reject", null, Cancel);
        using var again = await http.PostAsync($"/api/cameras/pending/{waiting[0]}/approve", null, Cancel);

        Assert.Equal(LimitedGatewayHost.Pending, waiting.Count);
        Assert.Equal(HttpStatusCode.NoContent, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task PublishAlert_over_the_gateways_rate_is_refused_retryably_with_retry_after()
    {
        var metadata = Credentials(CappedGateway);
        var acks = new List<AlertAck>();
        for (var i = 0; i < 4; i++)
        {
            acks.Add(await fixture.Client.PublishAlertAsync(NewAlert($"K-0{1 + (i % 4)}"), metadata, cancellationToken: Cancel));
        }

        var limited = acks.Where(a => a.RejectReason == RejectReason.Unavailable).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, a => Assert.Contains($"gateway '{CappedGateway}' is over 1 PublishAlert calls per second", a.Message, StringComparison.Ordinal));
        Assert.All(limited, a => Assert.True(a.RetryAfter.ToTimeSpan() > TimeSpan.Zero, $"retry_after {a.RetryAfter}"));
        Assert.Equal(AlertOutcome.Accepted, acks[0].Outcome);
    }

    [Fact]
    public async Task Connect_streams_beyond_the_gateways_rate_end_unavailable_with_a_pushback()
    {
        const string Gateway = "gw-reconnecting";
        await fixture.Host.Services.GetRequiredService<Dispatch.Server.Security.GatewayCredentials>()
            .SaveAsync(Gateway, Credential, null, demo: false, "test", "", Dispatch.Server.Security.SecurityAudit.GatewaySaved, Cancel);
        for (var i = 0; i < LimitedGatewayHost.ConnectsPerMinute; i++)
        {
            var (session, _) = await GatewaySession.ConnectAsync(fixture.Client, Hello(Gateway, Credential));
            await session.CloseAsync();
            await session.DisposeAsync();
        }

        await using var refused = GatewaySession.Open(fixture.Client);
        await refused.SendRawAsync(Hello(Gateway, Credential));
        var failure = await refused.FailureAsync();

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Contains($"gateway '{Gateway}' opened more than {LimitedGatewayHost.ConnectsPerMinute} streams within a minute", failure.Status.Detail, StringComparison.Ordinal);
        Assert.NotNull(failure.Trailers.GetValue("grpc-retry-pushback-ms"));
    }

    [Fact]
    public async Task An_admin_rotates_a_gateway_credential_without_a_restart_and_the_old_one_stops_working()
    {
        const string Gateway = "gw-rotated";
        var credentials = fixture.Host.Services.GetRequiredService<Dispatch.Server.Security.GatewayCredentials>();
        await credentials.SaveAsync(Gateway, "first-credential-0001", null, demo: false, "test", "", Dispatch.Server.Security.SecurityAudit.GatewaySaved, Cancel);
        using var admin = fixture.Host.Http(TestAccounts.Admin);

        using var response = await admin.PostAsync($"/api/admin/gateways/{Gateway}/rotate", null, Cancel);
        var rotated = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("credential").GetString()!;
        var (withNew, _) = await GatewaySession.ConnectAsync(fixture.Client, Hello(Gateway, rotated));
        await withNew.DisposeAsync();
        await using var withOld = GatewaySession.Open(fixture.Client);
        await withOld.SendRawAsync(Hello(Gateway, "first-credential-0001"));
        var refused = await withOld.FailureAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal($"the credential for gateway '{Gateway}' is wrong", refused.Status.Detail);
    }
}

/// <summary>A gateway's heartbeat speaks only for the cameras it announced and owns.</summary>
public sealed class HeartbeatOwnershipTests
{
    [Fact]
    public void A_heartbeat_about_another_gateways_camera_or_unannounced_ids_changes_nothing()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var board = new CameraHealthBoard(clock, new CameraHealthOptions { HeartbeatIntervalSeconds = 10, OfflineAfterSeconds = 30 }, () => 1);
        board.Announce("gw-a", ["cam-1"]);
        var beat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()) };
        beat.Cameras.Add(new CameraHealth { CameraId = "cam-1", Status = CameraStatus.Offline, Detail = "reported by gw-b" });
        beat.Cameras.AddRange(Enumerable.Range(0, 1000).Select(i => new CameraHealth { CameraId = $"made-up-{i}", Status = CameraStatus.Online }));

        var changes = board.Record("gw-b", beat);
        clock.Advance(TimeSpan.FromSeconds(31));
        board.Sweep();
        var summary = board.Summarize();

        Assert.Empty(changes);
        Assert.Equal(1, summary.ReportedCameras);
        var offline = Assert.Single(summary.Offline);
        Assert.Equal(("cam-1", "gw-a", "online"), (offline.CameraId, offline.GatewayId, offline.LastStatus));
    }
}
