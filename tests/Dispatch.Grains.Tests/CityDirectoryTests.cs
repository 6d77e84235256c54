using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.City;
using Dispatch.Domain.Units;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;
using Microsoft.Data.Sqlite;

namespace Dispatch.Grains.Tests;

/// <summary>What the city is comes from its file: starting a city writes nothing, and every grain knows its part.</summary>
public sealed class CityDirectoryTests : IDisposable
{
    private readonly TempDirectory _directory = new("dispatch-city");

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = _directory.File("dispatch.db") }.ToString();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task Starting_the_demo_city_writes_nothing_yet_units_stations_cameras_and_zones_know_it()
    {
        var city = DemoCity.Generate();
        await using var cluster = await DispatchTestCluster.StartAsync(ConnectionString);
        await cluster.AddCityAsync(city);

        var unit = city.Units[^1];
        var view = (await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).GetAsync())!;
        Assert.Equal((unit.CallSign, unit.Kind, unit.HomeStationId, UnitStatus.Available, unit.Start), (view.CallSign, view.Kind, view.HomeStationId, view.Status, view.Position));
        var station = city.Stations[^1];
        var stationView = (await cluster.Grains.GetGrain<IStationGrain>(station.Id).GetAsync())!;
        Assert.Equal((station.OnDutyResponders, 0), (stationView.OnDutyResponders, stationView.BusyResponders));
        Assert.Equal(city.Units.Where(u => u.HomeStationId == station.Id).Select(u => u.Id), stationView.UnitIds);
        var camera = city.Cameras[^1];
        Assert.Equal((camera.GatewayId, camera.Location), ((await cluster.Grains.GetGrain<ICameraFeedGrain>(camera.Id).GetAsync())!.GatewayId, camera.Location));
        Assert.Null(await cluster.Grains.GetGrain<IPatrolUnitGrain>("no-such-unit").GetAsync());

        var zone = DispatchZone.Of(unit.Start);
        var indexed = await Eventually.Get(
            () => cluster.Grains.GetGrain<IDispatcherGrain>(zone.Key).FindWithinAsync(unit.Start, 100),
            units => units.Any(u => u.UnitId == unit.Id),
            "the unit in its zone's index");
        Assert.Equal(unit.Start, indexed.Single(u => u.UnitId == unit.Id).Position);
        Assert.Equal(0, await RowsAsync("grain_state"));
    }

    private async Task<long> RowsAsync(string table)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
