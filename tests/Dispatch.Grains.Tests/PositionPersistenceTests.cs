using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Grains.Zones;
using Dispatch.Storage.Incidents;
using Dispatch.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Dispatch.Grains.Tests;

/// <summary>Positions are soft state saved in bulk: however many units report however often, one commit per silo and interval.</summary>
public sealed class PositionPersistenceTests : IDisposable
{
    private readonly TempDirectory _directory = new("dispatch-positions");

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _directory.File("dispatch.db") }.ToString();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task Ten_units_reporting_thirty_times_each_are_saved_in_one_commit_per_silo_with_their_last_positions()
    {
        var city = new TestCity("steady", new GeoPoint(36.66, 117.0));
        var units = Enumerable.Range(0, 10).Select(i => city.AddUnit($"u{i}", i * 100, 0)).ToList();
        await using var cluster = await DispatchTestCluster.StartAsync(ConnectionString);
        await cluster.AddCityAsync(city.Build());
        var store = (RelationalIncidentStore)cluster.Store;
        var before = store.Statistics.Units.GetValueOrDefault("positions");

        var last = new Dictionary<string, GeoPoint>();
        for (var round = 0; round < 30; round++)
        {
            cluster.Clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var (unit, i) in units.Select((u, i) => (u, i)))
            {
                last[unit] = city.At(i * 100, 300 + (round * 10));
                Assert.True((await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit).ReportPositionAsync(last[unit])).Ok);
            }
        }

        // The fixes travel one-way through the silos' routers into their ledgers; then each silo's ledger saves once.
        await Task.Delay(500, TestContext.Current.CancellationToken);
        foreach (var silo in cluster.Cluster.Silos.Cast<InProcessSiloHandle>())
        {
            await silo.SiloHost.Services.GetRequiredService<PositionLedger>().FlushAsync(TestContext.Current.CancellationToken);
        }

        var commits = store.Statistics.Units.GetValueOrDefault("positions") - before;
        Assert.InRange(commits, 1, cluster.Cluster.Silos.Count);
        foreach (var unit in units)
        {
            var saved = await ((IUnitPositionStore)store).ReadPositionAsync(unit, TestContext.Current.CancellationToken);
            Assert.Equal(last[unit], saved!.Position);
        }
    }
}
