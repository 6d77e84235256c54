using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.City;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Units;
using Dispatch.Grains.City;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class CitySeedingTests(SharedCluster cluster)
{
    [Fact]
    public async Task Seeding_the_demo_city_twice_registers_everything_and_keeps_unit_state()
    {
        var city = DemoCity.Generate();
        await CitySeeder.SeedAsync(cluster.Grains, city, TestContext.Current.CancellationToken);
        var unit = city.Units[0];
        Assert.True((await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).PerformAsync(TerminalAction.OutOfService, Actors.Unit(unit.Id))).Ok);

        await CitySeeder.SeedAsync(cluster.Grains, city, TestContext.Current.CancellationToken);

        var registry = (await cluster.Grains.GetGrain<ICityGrain>(ICityGrain.DefaultKey).GetAsync())!;
        Assert.Equal(city.Units.Count, registry.UnitIds.Count(id => city.Units.Any(u => u.Id == id)));
        Assert.All(city.Stations, s => Assert.Contains(s.Id, registry.StationIds));
        Assert.Equal(UnitStatus.OutOfService, (await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).GetAsync())!.Status);
        var station = city.Stations[^1];
        var stationView = (await cluster.Grains.GetGrain<IStationGrain>(station.Id).GetAsync())!;
        Assert.Equal(station.OnDutyResponders, stationView.OnDutyResponders);
        Assert.Equal(city.Units.Where(u => u.HomeStationId == station.Id).Select(u => u.Id), stationView.UnitIds);
        var camera = city.Cameras[^1];
        Assert.Equal(camera.GatewayId, (await cluster.Grains.GetGrain<ICameraFeedGrain>(camera.Id).GetAsync())!.GatewayId);
    }

    [Fact]
    public async Task City_registry_finds_the_station_whose_grid_holds_a_point_as_the_city_model_does()
    {
        var city = DemoCity.Generate();
        await CitySeeder.SeedAsync(cluster.Grains, city, TestContext.Current.CancellationToken);
        var registry = cluster.Grains.GetGrain<ICityGrain>(ICityGrain.DefaultKey);

        foreach (var station in city.Stations.Take(20))
        {
            Assert.Equal(city.FindGrid(station.Location)!.StationId, await registry.FindStationAsync(station.Location));
        }

        Assert.Null(await registry.FindStationAsync(new Domain.Geo.GeoPoint(-45, -120)));
    }
}
