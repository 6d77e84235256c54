using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Domain.City;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Grpc.Net.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Durability;

/// <summary>
/// Three real host processes in one cluster (Redis membership, the record on one PostgreSQL), alerts over gRPC, one
/// host SIGKILLed mid-stream: what it acknowledged is kept, every alert has one incident, no unit is on two incidents,
/// and the survivors dispatch again within seconds.
/// </summary>
public sealed class ClusterFailoverTests
{
    private const string Credential = "cluster-test-credential-01";
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan DispatchAgainWithin = TimeSpan.FromSeconds(15);
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_silo_killed_under_alerts_loses_nothing_acknowledged_doubles_nothing_and_the_survivors_dispatch_within_15_s()
    {
        await using var rig = await ClusterRig.StartAsync("failover", grids: 24, Token);
        var (city, gateway) = (rig.City, rig.BusiestGateway);
        var cameras = city.Cameras.Where(c => c.GatewayId == gateway).ToList();

        // The first host creates the tables and the cluster; the other two join it together.
        var victim = await rig.StartHostAsync("a");
        var joined = await Task.WhenAll(rig.StartHostAsync("b"), rig.StartHostAsync("c"));
        var (survivor, third) = (joined[0], joined[1]);
        try
        {
            await using var operatorHub = TestAccounts.Hub(third.Host.Web, OperationsHub.Path);
            await operatorHub.StartAsync(Token);

            // Alerts to the victim at a few a second; it is killed while the last burst is in flight.
            var sent = new List<Alert>();
            var acked = new Dictionary<string, AlertAck>(StringComparer.Ordinal);
            using (var channel = GrpcChannel.ForAddress(victim.Grpc))
            {
                var (session, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(channel), AlertTestHost.Hello(gateway, Credential));
                await using (session)
                {
                    for (var i = 0; i < 20; i++)
                    {
                        var alert = NewAlert(cameras[i % cameras.Count]);
                        if (i == 0)
                        {
                            alert.SnapshotJpeg = AlertTestHost.Jpeg();
                        }

                        sent.Add(alert);
                        var ack = await session.SendAsync(alert);
                        Assert.True(ack.Outcome == AlertOutcome.Accepted, $"{ack.Outcome} {ack.RejectReason}: {ack.Message}");
                        await Task.Delay(200, Token);
                    }

                    for (var i = 0; i < 20; i++)
                    {
                        var alert = NewAlert(cameras[(20 + i) % cameras.Count]);
                        sent.Add(alert);
                        _ = await session.PostAsync(alert);
                    }

                    var into = DateTime.UtcNow.AddSeconds(5);
                    while (session.AckCount <= 20 && DateTime.UtcNow < into)
                    {
                        await Task.Delay(1, Token);
                    }

                    await victim.Host.KillHardAsync();
                    foreach (var ack in session.Acks)
                    {
                        acked[ack.AlertId] = ack;
                    }
                }
            }

            var killedAt = Stopwatch.GetTimestamp();
            Assert.True(acked.Count >= 20, $"only {acked.Count} alerts were acknowledged before the kill");

            // The gateway moves to a survivor and sends a new alert until one is accepted and assigned.
            using var again = GrpcChannel.ForAddress(survivor.Grpc);
            var (resender, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(again), AlertTestHost.Hello(gateway, Credential));
            await using var __ = resender;
            var fresh = NewAlert(cameras[0]);
            var ackFresh = await Eventually.Get(
                () => resender.SendAsync(fresh.Clone()),
                a => a.Outcome is AlertOutcome.Accepted or AlertOutcome.Duplicate,
                "a new alert accepted by a survivor", DispatchAgainWithin);
            await Eventually.Get(
                () => operatorHub.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token),
                s => s.Incidents.Any(i => i.IncidentId == ackFresh.IncidentId && i.Assignments.Count > 0),
                "the new incident assigned on the survivors", DispatchAgainWithin);
            var dispatchedAgainSeconds = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;

            // Everything sent before the kill, sent again (what a gateway does with what was not acknowledged).
            var incidentOf = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var alert in sent)
            {
                var resent = await resender.SendAsync(alert.Clone());
                if (acked.TryGetValue(alert.AlertId, out var before))
                {
                    Assert.True((AlertOutcome.Duplicate, before.IncidentId) == (resent.Outcome, resent.IncidentId),
                        $"acknowledged alert {alert.AlertId} (incident {before.IncidentId}) came back {resent.Outcome} {resent.IncidentId} {resent.Message}");
                }
                else
                {
                    Assert.True(resent.Outcome is AlertOutcome.Accepted or AlertOutcome.Duplicate, $"{resent.Outcome} {resent.RejectReason}: {resent.Message}");
                }

                incidentOf[alert.AlertId] = resent.IncidentId;
            }

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"sent {sent.Count}, acknowledged before the kill {acked.Count}; dispatched again {dispatchedAgainSeconds:F1} s after the kill");
            Assert.Equal(sent.Count, incidentOf.Values.Distinct(StringComparer.Ordinal).Count());

            // The whole board, as an operator on another survivor sees it.
            await using var otherOperator = TestAccounts.Hub(survivor.Host.Web, OperationsHub.Path);
            await otherOperator.StartAsync(Token);
            var after = await Eventually.Get(
                () => otherOperator.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token),
                s => incidentOf.Values.Append(ackFresh.IncidentId).All(id => s.Incidents.Any(i => i.IncidentId == id)) && UnitsAgree(s),
                "every incident on the board, each assigned unit showing its incident");
            Assert.Equal(sent.Count + 1, after.Incidents.Count(i => i.Source == IncidentSource.Camera));

            var active = after.Incidents
                .SelectMany(i => i.Assignments.Where(a => a.State is not (AssignmentState.Cleared or AssignmentState.Released))
                    .Select(a => (i.IncidentId, a.UnitId)))
                .ToList();
            var doubled = active.GroupBy(a => a.UnitId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(a => a.IncidentId))}").ToList();
            Assert.True(doubled.Count == 0, $"units on two incidents: {string.Join("; ", doubled)}");
            foreach (var (incidentId, unitId) in active)
            {
                Assert.Equal(incidentId, after.Units.Single(u => u.UnitId == unitId).Assignment?.IncidentId);
            }

            Assert.True(dispatchedAgainSeconds < DispatchAgainWithin.TotalSeconds, $"dispatched again only {dispatchedAgainSeconds:F1} s after the kill");

            await TheArchiveIsTheClustersAsync(sent[0], survivor, third, city, gateway, rig.Postgres);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw rig.WithHostOutput(ex);
        }
    }

    /// <summary>
    /// The alert archive and the video audit are the cluster's: an alert the killed host took is read with its snapshot on
    /// a survivor, a live view watched on one host is in the audit another lists, and with PostgreSQL stopped the archive's
    /// endpoints answer 503 (retry later), not 500.
    /// </summary>
    private static async Task TheArchiveIsTheClustersAsync(Alert takenByTheVictim, ClusterHost reader, ClusterHost watched, CityModel city, string alertGateway, PostgresServer postgres)
    {
        using var operatorHttp = TestAccounts.Http(reader.Host.Web, TestAccounts.Operator);
        var alert = await operatorHttp.GetFromJsonAsync<JsonElement>($"/api/alerts/{takenByTheVictim.AlertId}", Token);
        Assert.Equal((alertGateway, takenByTheVictim.CameraId, true),
            (alert.GetProperty("gatewayId").GetString(), alert.GetProperty("cameraId").GetString(), alert.GetProperty("hasSnapshot").GetBoolean()));
        Assert.Equal(takenByTheVictim.SnapshotJpeg.ToByteArray(),
            await operatorHttp.GetByteArrayAsync($"/api/alerts/{takenByTheVictim.AlertId}/snapshot?variant=original", Token));
        using (var annotated = await operatorHttp.GetAsync($"/api/alerts/{takenByTheVictim.AlertId}/snapshot", Token))
        {
            Assert.Equal((HttpStatusCode.OK, "image/jpeg"), (annotated.StatusCode, annotated.Content.Headers.ContentType?.MediaType));
        }

        // A live view on one host (its camera's gateway is connected there), listed by a supervisor on another.
        var camera = city.Cameras.First(c => c.GatewayId != alertGateway);
        var info = new CameraInfo { CameraId = camera.Id, Name = camera.Name, Location = new GeoLocation { Latitude = camera.Location.Latitude, Longitude = camera.Location.Longitude } };
        await using (var videoGateway = await Video.ScriptedGateway.ConnectAsync(watched.Grpc.ToString(), camera.GatewayId, Credential, [info]))
        {
            await using var viewer = await Video.LiveViewerClient.ConnectAsync(watched.Host.Web.Port, camera.Id, "fps=5");
            await Eventually.Get(() => Task.FromResult(viewer.Frames.Count), n => n >= 3,
                $"frames of {camera.Id} on {watched.Host.Web} (statuses {string.Join(" | ", viewer.Statuses)}; closed {viewer.Closed})", TimeSpan.FromSeconds(30));
            await viewer.CloseAsync();
        }

        using var supervisorHttp = TestAccounts.Http(reader.Host.Web, TestAccounts.Supervisor);
        var entry = await Eventually.Get(
            async () => (await supervisorHttp.GetFromJsonAsync<JsonElement>($"/api/video/audit?cameraId={camera.Id}&kind=live", Token)).EnumerateArray().ToList(),
            entries => entries.Count == 1 && entries[0].GetProperty("seconds").ValueKind == JsonValueKind.Number,
            "the live view, ended, in the audit listed on another host");
        Assert.Equal(TestAccounts.Operator, entry[0].GetProperty("actor").GetString());
        Assert.True(entry[0].GetProperty("frames").GetInt64() >= 3, entry[0].ToString());

        await postgres.StopAsync(Token);
        foreach (var path in (string[])[$"/api/alerts/{takenByTheVictim.AlertId}", "/api/video/audit"])
        {
            using var refused = await supervisorHttp.GetAsync(path, Token);
            var body = await refused.Content.ReadAsStringAsync(Token);
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)refused.StatusCode} {body}");
            Assert.Contains("unreachable", body, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", body, StringComparison.Ordinal);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
    }

    /// <summary>Every unit an incident holds says that incident (the board caught up with the grains that moved).</summary>
    private static bool UnitsAgree(OperationsSnapshot board) => board.Incidents
        .SelectMany(i => i.Assignments.Where(a => a.State is not (AssignmentState.Cleared or AssignmentState.Released)).Select(a => (i.IncidentId, a.UnitId)))
        .All(a => board.Units.Single(u => u.UnitId == a.UnitId).Assignment?.IncidentId == a.IncidentId);

    private static Alert NewAlert(CameraSpec camera) => AlertTestHost.NewAlert(camera.Id, AlertKind.Intrusion);

    internal sealed record ClusterHost(HostChild Host, Uri Grpc)
    {
        public const string GatewayCredential = Credential;

        /// <summary>A cluster member on fresh ports with its own folder for host-local files: every alert its own Low incident taking one unit.</summary>
        public static async Task<ClusterHost> StartAsync(
            TempDirectory directory, string name, CityModel city, string cityPath, string clusterId, RedisServer redis, string database,
            IReadOnlyDictionary<string, string>? more = null)
        {
            int web = TestPorts.GetFreeTcpPort(), grpc = TestPorts.GetFreeTcpPort();
            var own = Directory.CreateDirectory(directory.File(name)).FullName;
            var settings = LoopbackHostSettings.Create(web, grpc, TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(),
                clusterId, Path.Combine(own, "dispatch.db"), cityPath);
            settings["Dispatch:Silo:Membership"] = "Redis";
            settings["Dispatch:Silo:RedisConnectionString"] = redis.ConnectionString;
            settings["Dispatch:Storage:Dialect"] = "PostgreSql";
            settings["Dispatch:Storage:PostgreSqlConnectionString"] = database;
            foreach (var gateway in city.Cameras.Select(c => c.GatewayId).Distinct(StringComparer.Ordinal))
            {
                settings[$"Dispatch:Gateways:{gateway}:Credential"] = Credential;
            }

            settings["Dispatch:Alerts:CooldownSeconds"] = "0";
            settings["Dispatch:Alerts:CorrelationDistanceMeters"] = "0";
            settings["Dispatch:Alerts:CorrelationWindowSeconds"] = "0";
            settings["Dispatch:Alerts:Kinds:Intrusion:Priority"] = "Low";
            settings["Dispatch:ResponsePlan:Tiers:0:RespondersByPriority:Low"] = "0";
            settings["Dispatch:ResponsePlan:Tiers:1:RespondersByPriority:Low"] = "1";
            settings["Dispatch:ResponsePlan:Tiers:2:RespondersByPriority:Low"] = "0";
            settings["Dispatch:ResponsePlan:AckDeadlineSeconds"] = "600";
            foreach (var (key, value) in more ?? new Dictionary<string, string>())
            {
                settings[key] = value;
            }

            var host = await HostChild.StartAsync(own, settings, ReadyWithin, Token);
            return new ClusterHost(host, new Uri($"http://127.0.0.1:{LoopbackHostSettings.Text(grpc)}"));
        }
    }
}
