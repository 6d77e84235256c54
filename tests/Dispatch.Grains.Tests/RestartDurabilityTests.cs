using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Abstractions.Records;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;
using Microsoft.Data.Sqlite;

namespace Dispatch.Grains.Tests;

/// <summary>Stops a cluster and starts a new one on the same SQLite file: what an auditor would ask about is back.</summary>
public sealed class RestartDurabilityTests : IDisposable
{
    private readonly TempDirectory _directory = new("dispatch-grains");

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _directory.File("dispatch.db") }.ToString();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task Incident_timeline_unit_assignment_and_registries_survive_a_restart_and_deadlines_are_rearmed()
    {
        var city = new TestCity("durable", new Domain.Geo.GeoPoint(36.66, 117.0), stationResponders: 3);
        var responder = city.AddUnit("responder", 0, 400);
        var idle = city.AddUnit("idle", 900, 0);
        var camera = city.AddCamera("cam", 50, 50);

        IncidentView before;
        UnitView unitBefore;
        IReadOnlyList<UnitAssignmentRecord> historyBefore;
        StationView stationBefore;
        CameraView cameraBefore;
        Microsoft.Extensions.Time.Testing.FakeTimeProvider clock;
        await using (var first = await DispatchTestCluster.StartAsync(ConnectionString))
        {
            clock = first.Clock;
            await first.AddCityAsync(city.Build());
            var report = await first.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
                "robbery", IncidentPriority.Normal, city.Origin.Latitude, city.Origin.Longitude, "shop on the corner", IncidentSource.Call, Actors.Operator("call-taker")));
            Assert.True(report.Ok, report.Error);
            await Eventually.Get(() => first.Grains.GetGrain<IIncidentGrain>(report.IncidentId!).GetAsync(), v => v is { DispatchSettled: true }, "dispatch");
            clock.Advance(TimeSpan.FromSeconds(10));
            Assert.True((await first.Grains.GetGrain<IPatrolUnitGrain>(responder).PerformAsync(TerminalAction.Acknowledge, Actors.Unit(responder))).Ok);
            before = await Eventually.Get(
                async () => (await first.Grains.GetGrain<IIncidentGrain>(report.IncidentId!).GetAsync())!,
                v => v.Timeline.Any(e => e.Kind == TimelineKinds.Acknowledged),
                "acknowledgement in the timeline");
            unitBefore = (await first.Grains.GetGrain<IPatrolUnitGrain>(responder).GetAsync())!;
            historyBefore = await first.Grains.GetGrain<IPatrolUnitGrain>(responder).GetHistoryAsync();
            stationBefore = (await first.Grains.GetGrain<IStationGrain>(city.StationId).GetAsync())!;
            cameraBefore = (await first.Grains.GetGrain<ICameraFeedGrain>(camera).GetAsync())!;
        }

        await using var second = await DispatchTestCluster.StartAsync(ConnectionString, clock);
        await second.AddCityAsync(city.Build());

        // Past the patrol deadline (180 s) with nobody on scene: the woken incident's re-armed timer raises the breach.
        clock.Advance(TimeSpan.FromSeconds(200));
        var journal = await Eventually.Get(
            () => second.Journal.ReadAsync(before.IncidentId),
            entries => entries.Any(e => e.Kind == TimelineKinds.TierBreached && e.PayloadJson.Contains("\"tierName\":\"patrol\"", StringComparison.Ordinal)),
            "patrol breach after the restart",
            TimeSpan.FromSeconds(10));

        var after = (await second.Grains.GetGrain<IIncidentGrain>(before.IncidentId).GetAsync())!;
        Assert.Equal(before.Timeline, after.Timeline.Take(before.Timeline.Count));
        Assert.Equal(before.Assignments, after.Assignments);
        Assert.Equal((before.Type, before.Priority, before.Location, before.Description, before.CreatedAt), (after.Type, after.Priority, after.Location, after.Description, after.CreatedAt));
        Assert.Equal(TierOutcome.Breached, after.Tier("patrol").Outcome);
        Assert.Equal(after.Timeline.Select(e => (e.Sequence, e.Kind)), journal.Select(e => (e.Sequence, e.Kind)));

        var unitAfter = (await second.Grains.GetGrain<IPatrolUnitGrain>(responder).GetAsync())!;
        Assert.Equal(UnitStatus.Acknowledged, unitAfter.Status);
        Assert.Equal(unitBefore.Assignment, unitAfter.Assignment);
        Assert.Equal(historyBefore, await second.Grains.GetGrain<IPatrolUnitGrain>(responder).GetHistoryAsync());
        Assert.Equal(UnitStatus.Available, (await second.Grains.GetGrain<IPatrolUnitGrain>(idle).GetAsync())!.Status);

        var stationAfter = (await second.Grains.GetGrain<IStationGrain>(city.StationId).GetAsync())!;
        Assert.Equal((stationBefore.Name, stationBefore.GridId, stationBefore.OnDutyResponders, stationBefore.BusyResponders), (stationAfter.Name, stationAfter.GridId, stationAfter.OnDutyResponders, stationAfter.BusyResponders));
        Assert.Equal(stationBefore.UnitIds, stationAfter.UnitIds);
        Assert.Equal(cameraBefore, await second.Grains.GetGrain<ICameraFeedGrain>(camera).GetAsync());
        var open = await second.Store.FindAsync(new IncidentFilter { Status = IncidentStatus.Open }, TestContext.Current.CancellationToken);
        Assert.Equal(city.StationId, Assert.Single(open, i => i.IncidentId == before.IncidentId).StationId);
    }

    [Fact]
    public async Task After_a_restart_the_unit_holds_its_assignment_and_the_station_its_commitment()
    {
        var city = new TestCity("reseed", new Domain.Geo.GeoPoint(36.70, 117.1), stationResponders: 2);
        var unit = city.AddUnit("u", 0, 300);
        string incidentId;
        Microsoft.Extensions.Time.Testing.FakeTimeProvider clock;
        await using (var first = await DispatchTestCluster.StartAsync(ConnectionString))
        {
            clock = first.Clock;
            await first.AddCityAsync(city.Build());
            var report = await first.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
                "fight", IncidentPriority.Normal, city.Origin.Latitude, city.Origin.Longitude, "", IncidentSource.Operator, Actors.Operator("duty")));
            incidentId = report.IncidentId!;
            await Eventually.Get(() => first.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync(), v => v is { DispatchSettled: true }, "dispatch");
            Assert.True((await first.Grains.GetGrain<IPatrolUnitGrain>(unit).PerformAsync(TerminalAction.Acknowledge, Actors.Unit(unit))).Ok);
        }

        await using var second = await DispatchTestCluster.StartAsync(ConnectionString, clock);
        await second.AddCityAsync(city.Build());

        var view = (await second.Grains.GetGrain<IPatrolUnitGrain>(unit).GetAsync())!;
        Assert.Equal(UnitStatus.Acknowledged, view.Status);
        Assert.Equal(incidentId, view.Assignment!.IncidentId);
        Assert.Equal(1, (await second.Grains.GetGrain<IStationGrain>(city.StationId).GetAsync())!.BusyResponders);
    }
}
