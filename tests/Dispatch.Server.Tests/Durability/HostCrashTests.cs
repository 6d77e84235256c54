using Dispatch.Contracts.V1;
using Dispatch.Domain.City;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Durability;

/// <summary>
/// The real host killed with SIGKILL while alerts stream in, then started again on the same files: what it
/// acknowledged before it died is all there, what was in flight is there once, and no unit is on two incidents.
/// </summary>
public sealed class HostCrashTests
{
    private const string Credential = "crash-test-credential-0001";
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(120);
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Kill_9_under_alerts_loses_nothing_acknowledged_doubles_nothing_in_flight_and_dispatches_again()
    {
        using var directory = new TempDirectory("dispatch-crash");
        var city = LiveCluster.SmallCity(grids: 12);
        var cityPath = directory.File("city.geojson");
        await File.WriteAllTextAsync(cityPath, CityGeoJson.Write(city), Token);
        var gateway = city.Cameras.GroupBy(c => c.GatewayId).OrderByDescending(g => g.Count()).First().Key;
        var cameras = city.Cameras.Where(c => c.GatewayId == gateway).ToList();

        // Before the kill: alerts at a steady pace, then a burst written without waiting, killed mid-burst.
        var sent = new List<Alert>();
        var acked = new Dictionary<string, AlertAck>(StringComparer.Ordinal);
        OperationsSnapshot seen;
        await using (var first = await StartAsync(directory, city, cityPath))
        {
            await using var operatorHub = TestAccounts.Hub(first.Web, OperationsHub.Path);
            await operatorHub.StartAsync(Token);
            using var channel = GrpcChannel.ForAddress(GrpcUrl(first));
            var (session, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(channel), AlertTestHost.Hello(gateway, Credential));
            await using (session)
            {
                for (var i = 0; i < 24; i++)
                {
                    var alert = NewAlert(cameras[i % cameras.Count]);
                    sent.Add(alert);
                    var ack = await session.SendAsync(alert);
                    Assert.True(ack.Outcome == AlertOutcome.Accepted, $"{ack.Outcome} {ack.RejectReason}: {ack.Message}");
                }

                // What the operator saw assigned; all of it was committed before it was shown.
                seen = await Eventually.Get(
                    () => operatorHub.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token),
                    s => s.Incidents.Count(i => i.Assignments.Count > 0) >= 12, "the first incidents assigned");

                // The burst is written while the test watches the acks, so the kill lands inside it however fast the
                // host answers: some of it answered, the rest mid-way or unread. An alert whose write the kill broke
                // counts as sent: the gateway sends it again like any other it has no ack for.
                var posting = Task.Run(async () =>
                {
                    for (var i = 0; i < 30; i++)
                    {
                        var alert = NewAlert(cameras[(24 + i) % cameras.Count]);
                        sent.Add(alert);
                        try
                        {
                            _ = await session.PostAsync(alert);
                        }
                        catch (Exception exception) when (exception is RpcException or InvalidOperationException or IOException or ObjectDisposedException)
                        {
                            return;
                        }
                    }
                }, Token);
                var into = DateTime.UtcNow.AddSeconds(5);
                while (session.AckCount <= 25 && DateTime.UtcNow < into)
                {
                    await Task.Delay(1, Token);
                }

                await first.KillHardAsync();
                await posting;
                foreach (var ack in session.Acks)
                {
                    acked[ack.AlertId] = ack;
                }
            }
        }

        Assert.True(acked.Count >= 24, $"only {acked.Count} alerts were acknowledged before the kill");
        Assert.True(acked.Count < sent.Count, "every alert was acknowledged before the kill: nothing was in flight");

        // After the restart on the same files.
        await using var second = await StartAsync(directory, city, cityPath);
        await using var hub = TestAccounts.Hub(second.Web, OperationsHub.Path);
        await hub.StartAsync(Token);
        using var again = GrpcChannel.ForAddress(GrpcUrl(second));
        var (resender, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(again), AlertTestHost.Hello(gateway, Credential));
        await using var __ = resender;

        // Every alert sent again, as a gateway does with what it has not had acknowledged (and a careful one with all).
        var incidentOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var committedUnacknowledged = 0;
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
                committedUnacknowledged += resent.Outcome == AlertOutcome.Duplicate ? 1 : 0;
            }

            incidentOf[alert.AlertId] = resent.IncidentId;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"sent {sent.Count}, acknowledged before the kill {acked.Count}, in flight {sent.Count - acked.Count} (of which committed before the kill {committedUnacknowledged}); assignments seen {seen.Incidents.Sum(i => i.Assignments.Count)}");

        // One incident per alert: none lost, none made twice by a half-finished step before the kill.
        Assert.Equal(sent.Count, incidentOf.Values.Distinct(StringComparer.Ordinal).Count());
        var after = await Eventually.Get(
            () => hub.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token),
            s => incidentOf.Values.All(id => s.Incidents.Any(i => i.IncidentId == id)), "every incident on the board");
        var alertBorn = after.Incidents.Where(i => i.Source == Dispatch.Abstractions.Incidents.IncidentSource.Camera).ToList();
        Assert.Equal(sent.Count, alertBorn.Count);

        // Every assignment the operator saw before the kill is still there.
        foreach (var incident in seen.Incidents)
        {
            var now = after.Incidents.Single(i => i.IncidentId == incident.IncidentId);
            foreach (var assignment in incident.Assignments.Where(a => a.State is Dispatch.Abstractions.Incidents.AssignmentState.Dispatched or Dispatch.Abstractions.Incidents.AssignmentState.Acknowledged or Dispatch.Abstractions.Incidents.AssignmentState.EnRoute or Dispatch.Abstractions.Incidents.AssignmentState.OnScene))
            {
                Assert.Contains(now.Assignments, a => a.UnitId == assignment.UnitId);
            }
        }

        // No unit on two incidents, and each unit says the incident that lists it.
        var active = after.Incidents
            .SelectMany(i => i.Assignments.Where(a => a.State is not (Dispatch.Abstractions.Incidents.AssignmentState.Cleared or Dispatch.Abstractions.Incidents.AssignmentState.Released))
                .Select(a => (IncidentId: i.IncidentId, UnitId: a.UnitId)))
            .ToList();
        var doubled = active.GroupBy(a => a.UnitId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(a => a.IncidentId))}").ToList();
        Assert.True(doubled.Count == 0, $"units on two incidents: {string.Join("; ", doubled)}");
        foreach (var (incidentId, unitId) in active)
        {
            Assert.Equal(incidentId, after.Units.Single(u => u.UnitId == unitId).Assignment?.IncidentId);
        }

        // And the host dispatches again: a new alert gets a unit.
        var fresh = NewAlert(cameras[0]);
        var ackFresh = await resender.SendAsync(fresh);
        Assert.Equal(AlertOutcome.Accepted, ackFresh.Outcome);
        await Eventually.Get(
            () => hub.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token),
            s => s.Incidents.Any(i => i.IncidentId == ackFresh.IncidentId && i.Assignments.Count > 0), "the new incident assigned");
    }

    private static Alert NewAlert(CameraSpec camera) => AlertTestHost.NewAlert(camera.Id, AlertKind.Intrusion);

    private static string GrpcUrl(HostChild host) => host.Web.ToString().Replace(host.Web.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Ports[host.Web.Port].ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> Ports = new();

    /// <summary>A host on fresh ports over the directory's database: every alert its own Low incident taking one unit.</summary>
    private static async Task<HostChild> StartAsync(TempDirectory directory, CityModel city, string cityPath)
    {
        int web = TestPorts.GetFreeTcpPort(), grpc = TestPorts.GetFreeTcpPort();
        Ports[web] = grpc;
        var settings = LoopbackHostSettings.Create(web, grpc, TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(),
            LoopbackHostSettings.NewClusterId("crash"), directory.File("dispatch.db"), cityPath);
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

        // Nobody acknowledges on a terminal here: assignments must not lapse while the test runs.
        settings["Dispatch:ResponsePlan:AckDeadlineSeconds"] = "600";
        return await HostChild.StartAsync(directory.Path, settings, ReadyWithin, Token);
    }
}
