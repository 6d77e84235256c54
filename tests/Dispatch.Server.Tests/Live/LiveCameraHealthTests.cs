using System.Text.Json;
using Dispatch.Contracts.V1;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// Cameras on the operators' map, fed by gateways over real HTTP/2 gRPC and watched over a real SignalR websocket:
/// debounced online/offline from heartbeats, and cameras a gateway registers in its Hello.
/// </summary>
public sealed class LiveCameraHealthTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_camera_reported_offline_reaches_operators_only_after_the_debounce_and_its_return_at_once()
    {
        using var directory = new TempDirectory("dispatch-live-cameras");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new AlertTestHost(directory, clock);
        var client = host.Start();
        await using var ops = await ConnectOperatorAsync(host);
        var cameras = new Inbox<LiveDelta<LiveCamera>>(ops, OperationsEvents.CameraChanged);
        var subscribed = await ops.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Cancel);
        var (session, _) = await GatewaySession.ConnectAsync(client, Hello(Gateway, Credential, new CameraInfo { CameraId = CameraId(4) }));
        await using var _ = session;
        await cameras.WaitForAsync(c => c.Item.CameraId == CameraId(4) && c.Item.Online);

        await session.SendRawAsync(new GatewayMessage { Heartbeat = Beat((CameraId(4), CameraStatus.Offline)) });
        await session.SendAsync(NewAlert(CameraId(5), AlertKind.Loitering, observedAt: clock.GetUtcNow())); // its ack follows the heartbeat
        clock.Advance(TimeSpan.FromSeconds(20));
        await Task.Delay(500, Cancel); // several sweeps' worth of real time: none may report the blip
        var duringBlip = cameras.Items.Any(c => c.Item.CameraId == CameraId(4) && !c.Item.Online);
        clock.Advance(TimeSpan.FromSeconds(15));
        var wentOffline = await cameras.WaitForAsync(c => c.Item.CameraId == CameraId(4) && !c.Item.Online);
        await session.SendRawAsync(new GatewayMessage { Heartbeat = Beat((CameraId(4), CameraStatus.Online)) });
        var cameBack = await cameras.WaitForAsync(c => c.Item.CameraId == CameraId(4) && c.Item.Online && c.Seq > wentOffline.Seq);

        Assert.False(duringBlip, "a 20 s blip must not reach operators as an outage");
        Assert.True(wentOffline.Seq > subscribed.Seq);
        Assert.True(cameBack.Item.At >= wentOffline.Item.At);
    }

    [Fact]
    public async Task The_operators_camera_count_and_offline_list_are_those_of_the_camera_health_api()
    {
        using var directory = new TempDirectory("dispatch-live-cameras");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new AlertTestHost(directory, clock);
        var client = host.Start();
        var (session, _) = await GatewaySession.ConnectAsync(client, Hello(Gateway, Credential,
            new CameraInfo { CameraId = CameraId(6) }, new CameraInfo { CameraId = CameraId(7) }, new CameraInfo { CameraId = CameraId(8) }));
        await using var _ = session;
        await session.SendRawAsync(new GatewayMessage { Heartbeat = Beat((CameraId(6), CameraStatus.Offline), (CameraId(7), CameraStatus.Offline)) });
        await session.SendAsync(NewAlert(CameraId(9), AlertKind.Loitering, observedAt: clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(20));
        await session.SendRawAsync(new GatewayMessage { Heartbeat = Beat((CameraId(8), CameraStatus.Online)) });
        await session.SendAsync(NewAlert(CameraId(9), AlertKind.Loitering, observedAt: clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(15));
        using var http = host.Http();
        await using var ops = await ConnectOperatorAsync(host);

        using var api = JsonDocument.Parse(await http.GetStringAsync("/api/cameras/health", Cancel));
        var snapshot = await ops.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Cancel);

        var apiOffline = api.RootElement.GetProperty("offline").EnumerateArray().Select(c => c.GetProperty("cameraId").GetString()).ToList();
        Assert.Equal([CameraId(6), CameraId(7)], apiOffline);
        Assert.Equal(apiOffline, snapshot.OfflineCameras.Select(c => c.CameraId));
        Assert.All(snapshot.OfflineCameras, c => Assert.False(c.Online));
        Assert.Equal(api.RootElement.GetProperty("registeredCameras").GetInt32(), snapshot.CameraCount);
    }

    [Fact]
    public async Task A_camera_a_gateway_registers_in_its_hello_reaches_the_map_with_its_place()
    {
        using var directory = new TempDirectory("dispatch-live-cameras");
        await using var host = new AlertTestHost(directory);
        var client = host.Start();
        await using var ops = await ConnectOperatorAsync(host);
        var cameras = new Inbox<LiveDelta<LiveCamera>>(ops, OperationsEvents.CameraChanged);
        await ops.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Cancel);
        var place = Offset(0.01, -0.015);

        var (session, welcome) = await GatewaySession.ConnectAsync(client, Hello(Gateway, Credential,
            new CameraInfo { CameraId = "MAP-NEW-1", Name = "school gate", Location = new GeoLocation { Latitude = place.Latitude, Longitude = place.Longitude } },
            new CameraInfo { CameraId = CameraId(10) }));
        await using var _ = session;
        var announced = (await cameras.WaitForAsync(c => c.Item.CameraId == "MAP-NEW-1")).Item;
        var cityCamera = (await cameras.WaitForAsync(c => c.Item.CameraId == CameraId(10))).Item;
        await using var later = await ConnectOperatorAsync(host);
        var snapshot = await later.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Cancel);

        Assert.Empty(welcome.RefusedCameraIds);
        Assert.Equal(("school gate", place.Latitude, place.Longitude, true), (announced.Name, announced.Latitude, announced.Longitude, announced.Online));
        Assert.Equal("G-1", announced.GridId);
        Assert.Null(cityCamera.Latitude); // already drawn from the city file
        var onMap = Assert.Single(snapshot.Cameras);
        Assert.Equal(("MAP-NEW-1", place.Latitude, place.Longitude), (onMap.CameraId, onMap.Latitude, onMap.Longitude));
    }

    private static async Task<HubConnection> ConnectOperatorAsync(AlertTestHost host)
    {
        var hub = LiveTestHost.Hub(new Uri($"http://127.0.0.1:{host.WebPort}"), OperationsHub.Path);
        await hub.StartAsync(Cancel);
        return hub;
    }

    private static Heartbeat Beat(params (string CameraId, CameraStatus Status)[] cameras)
    {
        var heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        heartbeat.Cameras.AddRange(cameras.Select(c => new CameraHealth { CameraId = c.CameraId, Status = c.Status }));
        return heartbeat;
    }
}
