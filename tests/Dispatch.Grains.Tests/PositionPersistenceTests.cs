using Dispatch.Abstractions.Units;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;
using Microsoft.Data.Sqlite;

namespace Dispatch.Grains.Tests;

/// <summary>Positions are soft state: a unit reporting steadily saves its position once per persist interval, counted in the stored row's version.</summary>
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
    public async Task A_unit_reporting_every_second_saves_its_position_once_per_persist_interval()
    {
        var city = new TestCity("steady", new Domain.Geo.GeoPoint(36.66, 117.0));
        var unitId = city.AddUnit("u", 0, 300);
        await using var cluster = await DispatchTestCluster.StartAsync(ConnectionString);
        await CitySeeder.SeedAsync(cluster.Grains, city.Build(), TestContext.Current.CancellationToken);
        var unit = cluster.Grains.GetGrain<IPatrolUnitGrain>(unitId);
        var interval = new DispatchGrainOptions().PositionPersistInterval;
        var seconds = (int)(interval.TotalSeconds * 2.5);

        var before = await SavedVersionAsync(unitId);
        for (var i = 0; i < seconds; i++)
        {
            cluster.Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.True((await unit.ReportPositionAsync(city.At(0, 300 + i))).Ok);
        }

        var saves = await SavedVersionAsync(unitId) - before;

        // Seeding saved the start position; then one save per interval: 2 in two and a half intervals.
        Assert.Equal(2, saves);
    }

    private async Task<long> SavedVersionAsync(string unitId)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM grain_state WHERE state_name = 'patrol-unit' AND grain_id LIKE $id";
        command.Parameters.AddWithValue("$id", "%" + unitId);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
