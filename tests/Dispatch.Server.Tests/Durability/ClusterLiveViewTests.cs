using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Contracts.V1;
using Dispatch.Server.GridEvents;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.SignalR.Client;
using ClusterHost = Dispatch.Server.Tests.Durability.ClusterFailoverTests.ClusterHost;

namespace Dispatch.Server.Tests.Durability;

/// <summary>
/// Two real host processes in one cluster (Redis membership, PostgreSQL): camera health is one view on every host, a
/// gateway that moves between hosts keeps its cameras online, and grid event changes reach hub clients on the other host.
/// </summary>
public sealed class ClusterLiveViewTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Heartbeats every second, an outage after 2 s of silence: the test waits seconds, not minutes.
    private static readonly Dictionary<string, string> Fast = new()
    {
        ["Dispatch:Cameras:HeartbeatIntervalSeconds"] = "1",
        ["Dispatch:Cameras:OfflineAfterSeconds"] = "2",
    };

    [Fact]
    public async Task Camera_health_is_one_view_on_both_hosts_a_moved_gateway_stays_online_and_grid_events_reach_the_other_hosts_pages()
    {
        await using var rig = await ClusterRig.StartAsync("live-view", grids: 4, Token);
        var city = rig.City;
        var gateway = rig.BusiestGateway;
        var cameras = city.Cameras.Where(c => c.GatewayId == gateway).Select(c => c.Id).ToList();

        var one = await rig.StartHostAsync("a", Fast);
        var two = await rig.StartHostAsync("b", Fast);
        try
        {
            using var onOne = TestAccounts.Http(one.Host.Web, TestAccounts.Operator);
            using var onTwo = TestAccounts.Http(two.Host.Web, TestAccounts.Operator);
            await using var operatorOnTwo = TestAccounts.Hub(two.Host.Web, OperationsHub.Path);
            var cameraPushes = new Inbox<LiveDelta<LiveCamera>>(operatorOnTwo, OperationsEvents.CameraChanged);
            await operatorOnTwo.StartAsync(Token);
            await operatorOnTwo.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token);

            // (a) The gateway on host 1 reports one camera offline: host 2's API and page say so.
            var down = cameras[0];
            using (var channel = GrpcChannel.ForAddress(one.Grpc))
            {
                var (session, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(channel), Hello(gateway, cameras));
                await using (session)
                {
                    using var beating = new CancellationTokenSource();
                    var heartbeats = BeatAsync(session, cameras, offline: down, beating.Token);
                    await Eventually.Get(() => StatesAsync(onTwo), s => cameras.All(s.Online.Contains), "the gateway's cameras online on host 2", Within);

                    var offlineOnOne = await Eventually.Get(async () => (await StatesAsync(onOne), Stopwatch.GetTimestamp()),
                        s => s.Item1.Offline.Contains(down), "the camera offline on host 1", Within);
                    var offlineOnTwo = await Eventually.Get(async () => (await StatesAsync(onTwo), Stopwatch.GetTimestamp()),
                        s => s.Item1.Offline.Contains(down), "the camera offline on host 2", Within);
                    var pushed = await cameraPushes.WaitForAsync(d => d.Item.CameraId == down && !d.Item.Online, Within);
                    var health = await onTwo.GetFromJsonAsync<JsonElement>("/api/cameras/health", Token);
                    var listed = health.GetProperty("offline").EnumerateArray().Single(c => c.GetProperty("cameraId").GetString() == down);
                    TestContext.Current.TestOutputHelper?.WriteLine(
                        $"offline on host 1 to offline on host 2: {Stopwatch.GetElapsedTime(offlineOnOne.Item2, offlineOnTwo.Item2).TotalMilliseconds:F0} ms " +
                        $"(each polled every 20 ms); load average {File.ReadAllText("/proc/loadavg").Trim()}");
                    Assert.Equal(gateway, listed.GetProperty("gatewayId").GetString());
                    Assert.False(pushed.Item.Online);
                    Assert.Equal(cameras.Count - 1, (await StatesAsync(onTwo)).Online.Count(cameras.Contains));

                    await beating.CancelAsync();
                    await heartbeats;
                }
            }

            // (b) The gateway moves to host 2 (its stream to host 1 ended) and reports every camera online there: host 1's
            // board finds them silent after 2 s, but neither host calls them offline.
            using (var channel = GrpcChannel.ForAddress(two.Grpc))
            {
                var (session, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(channel), Hello(gateway, cameras));
                await using (session)
                {
                    using var beating = new CancellationTokenSource();
                    var heartbeats = BeatAsync(session, cameras, offline: null, beating.Token);
                    await Eventually.Get(() => StatesAsync(onOne), s => cameras.All(s.Online.Contains), "every camera online again on host 1", Within);
                    var calledOffline = new List<string>();
                    var watchUntil = DateTime.UtcNow.AddSeconds(8);
                    while (DateTime.UtcNow < watchUntil)
                    {
                        foreach (var (name, client) in new[] { ("host 1", onOne), ("host 2", onTwo) })
                        {
                            calledOffline.AddRange((await StatesAsync(client)).Offline.Where(cameras.Contains).Select(c => $"{name}: {c}"));
                        }

                        await Task.Delay(250, Token);
                    }

                    await beating.CancelAsync();
                    await heartbeats;
                    Assert.True(calledOffline.Count == 0, $"called offline after the move: {string.Join(", ", calledOffline.Distinct())}");
                    Assert.DoesNotContain(cameraPushes.Items.Where(d => cameras.Contains(d.Item.CameraId)).GroupBy(d => d.Item.CameraId).Select(g => g.Last()), d => !d.Item.Online);
                }
            }

            // (c) Grid events reported through host 1 reach hub clients on host 2 live, each only what its user may read.
            await using var mapOnTwo = TestAccounts.Hub(two.Host.Web, GridEventsHub.Path, TestAccounts.Operator);
            await using var queueOnTwo = TestAccounts.Hub(two.Host.Web, GridEventsHub.Path, TestAccounts.Department);
            var map = new Inbox<GridEventDelta>(mapOnTwo, GridEventsHub.Changed);
            var queue = new Inbox<GridEventDelta>(queueOnTwo, GridEventsHub.Changed);
            foreach (var hub in new[] { mapOnTwo, queueOnTwo })
            {
                await hub.StartAsync(Token);
                await hub.InvokeAsync<GridEventsSnapshot>("Subscribe", Token);
            }

            var light = await ReportAsync(one, city, "street-light", TestAccounts.GridWorker);
            var parking = await ReportAsync(one, city, "illegal-parking", TestAccounts.Operator);
            using var steps = TestAccounts.Http(one.Host.Web, TestAccounts.Operator);
            using (var accepted = await steps.PostAsJsonAsync($"/api/grid-events/{light}/steps/accept", new { note = (string?)null }, Token))
            {
                Assert.True(accepted.IsSuccessStatusCode, await accepted.Content.ReadAsStringAsync(Token));
            }

            var parkingOnMap = await map.WaitForAsync(d => d.Item.EventId == parking, Within);
            var acceptedOnMap = await map.WaitForAsync(d => d.Item.EventId == light && d.Item.State == "accepted", Within);
            var inQueue = await queue.WaitForAsync(d => d.Item.EventId == light && d.Item.State == "accepted", Within);
            var lightOnMap = map.Items.Where(d => d.Item.EventId == light).ToList();

            // Changes relayed from another host may overtake each other on the way (the host then drops the older one,
            // and the pages keep the newest version they hold): what the map ends with is the accepted step.
            Assert.Equal(acceptedOnMap.Item.Version, lightOnMap.Max(d => d.Item.Version));
            Assert.Equal("reported", parkingOnMap.Change);
            Assert.All(map.Items, d => Assert.Null(d.Item.Contact));
            Assert.Equal(acceptedOnMap.Item.Version, inQueue.Item.Version);
            Assert.DoesNotContain(queue.Items, d => d.Item.EventId == parking);

            // The events themselves are on the cluster's PostgreSQL: host 2 reads the one reported through host 1 and
            // steps it with the version it read; host 1 reads the step, and refuses a step made on the old version.
            using var operatorHttpOnTwo = TestAccounts.Http(two.Host.Web, TestAccounts.Operator);
            var readOnTwo = await operatorHttpOnTwo.GetFromJsonAsync<JsonElement>($"/api/grid-events/{light}", Token);
            using (var assigned = await operatorHttpOnTwo.PostAsJsonAsync($"/api/grid-events/{light}/steps/assign", new { version = acceptedOnMap.Item.Version }, Token))
            {
                Assert.True(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync(Token));
            }

            var readOnOne = await steps.GetFromJsonAsync<JsonElement>($"/api/grid-events/{light}", Token);
            using var stale = await steps.PostAsJsonAsync($"/api/grid-events/{light}/steps/reject", new { version = acceptedOnMap.Item.Version }, Token);
            var listedOnTwo = await operatorHttpOnTwo.GetFromJsonAsync<JsonElement>("/api/grid-events", Token);

            Assert.Equal(("accepted", acceptedOnMap.Item.Version), (readOnTwo.GetProperty("state").GetString(), readOnTwo.GetProperty("version").GetInt64()));
            Assert.Equal(("assigned", acceptedOnMap.Item.Version + 1), (readOnOne.GetProperty("state").GetString(), readOnOne.GetProperty("version").GetInt64()));
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Contains(listedOnTwo.EnumerateArray(), e => e.GetProperty("eventId").GetString() == parking);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw rig.WithHostOutput(ex);
        }
    }

    private static GatewayMessage Hello(string gateway, IEnumerable<string> cameras) =>
        AlertTestHost.Hello(gateway, ClusterHost.GatewayCredential, [.. cameras.Select(id => new CameraInfo { CameraId = id })]);

    /// <summary>A heartbeat a second, every camera online but <paramref name="offline"/>, until cancelled.</summary>
    private static async Task BeatAsync(GatewaySession session, IReadOnlyList<string> cameras, string? offline, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var heartbeat = new Heartbeat { SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
                heartbeat.Cameras.AddRange(cameras.Select(id => new CameraHealth
                {
                    CameraId = id,
                    Status = id == offline ? CameraStatus.Offline : CameraStatus.Online,
                    Detail = id == offline ? "rtsp: no frames" : "",
                }));
                await session.SendRawAsync(new GatewayMessage { Heartbeat = heartbeat });
                await Task.Delay(500, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped
        }
    }

    private static async Task<CameraStatesView> StatesAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<CameraStatesView>("/api/cameras/states", Token))!;

    private static async Task<string> ReportAsync(ClusterHost host, Domain.City.CityModel city, string category, string user)
    {
        var inside = city.Grids[0].Boundary.InteriorPoint;
        using var client = TestAccounts.Http(host.Host.Web, user);
        using var response = await client.PostAsJsonAsync("/api/grid-events", new { category, latitude = inside.Y, longitude = inside.X, text = $"{category} by the gate" }, Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString()!;
    }

    private sealed record CameraStatesView(DateTimeOffset At, List<string> Online, List<string> Offline);
}
