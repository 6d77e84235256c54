using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Storage.Incidents;
using Dispatch.Testing;
using Microsoft.Data.Sqlite;

namespace Dispatch.Grains.Tests;

/// <summary>Officers' buttons to one incident arriving together share one commit of its record, and each is journaled.</summary>
public sealed class ReportBatchTests : IDisposable
{
    private readonly TempDirectory _directory = new("dispatch-reports");

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _directory.File("dispatch.db") }.ToString();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task Two_units_acknowledging_together_cost_one_commit_and_both_acknowledgements_are_journaled()
    {
        var city = new TestCity("pair", new GeoPoint(36.66, 117.0));
        var first = city.AddUnit("a", 300, 0);
        var second = city.AddUnit("b", 0, 400);
        await using var cluster = await DispatchTestCluster.StartAsync(ConnectionString);
        await cluster.AddCityAsync(city.Build());
        var report = await cluster.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "fight", IncidentPriority.High, city.Origin.Latitude, city.Origin.Longitude, "two units", IncidentSource.Call, Actors.Operator("call-taker")));
        Assert.True(report.Ok, report.Error);
        var incident = cluster.Grains.GetGrain<IIncidentGrain>(report.IncidentId!);
        await Eventually.Get(() => incident.GetAsync(), v => v!.ActiveAssignments.Count() == 2, "both units sent");
        await Eventually.Get(() => cluster.Grains.GetGrain<IPatrolUnitGrain>(second).GetAsync(), v => v!.Assignment is not null, "the second claim confirmed");
        var store = (RelationalIncidentStore)cluster.Store;
        var before = store.Statistics.Units.GetValueOrDefault("incident");

        var acks = await Task.WhenAll(
            cluster.Grains.GetGrain<IPatrolUnitGrain>(first).PerformAsync(TerminalAction.Acknowledge, Actors.Unit(first)),
            cluster.Grains.GetGrain<IPatrolUnitGrain>(second).PerformAsync(TerminalAction.Acknowledge, Actors.Unit(second)));

        Assert.All(acks, a => Assert.True(a.Ok, a.Error));
        Assert.Equal(1, store.Statistics.Units.GetValueOrDefault("incident") - before);
        var journal = await cluster.Journal.ReadAsync(report.IncidentId!, TestContext.Current.CancellationToken);
        Assert.Equal(2, journal.Count(e => e.Kind == TimelineKinds.Acknowledged));
        Assert.All((await incident.GetAsync())!.ActiveAssignments, a => Assert.Equal(AssignmentState.Acknowledged, a.State));
    }
}
