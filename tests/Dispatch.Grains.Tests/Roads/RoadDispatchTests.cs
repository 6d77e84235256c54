using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests.Roads;

/// <summary>A cluster whose dispatch ranks by travel time on the roads of <see cref="SlowNearestTowns"/>.</summary>
public sealed class RoadCluster : SharedCluster
{
    public static readonly GeoPoint RiverOrigin = new(45.0, 117.0);
    public static readonly GeoPoint OneWayOrigin = new(45.2, 117.0);
    public static readonly GeoPoint OffRoadOrigin = new(45.4, 117.0);

    protected override Task<DispatchTestCluster> StartClusterAsync()
    {
        var roads = RoadGraph.Build(
            [.. SlowNearestTowns.RiverRoads(RiverOrigin), .. SlowNearestTowns.OneWayRoads(OneWayOrigin), .. SlowNearestTowns.RiverRoads(OffRoadOrigin)],
            new RoadGraphOptions { Origin = RiverOrigin });
        return DispatchTestCluster.StartAsync(roads: roads);
    }
}

[CollectionDefinition(Name)]
public sealed class RoadClusterCollection : ICollectionFixture<RoadCluster>
{
    public const string Name = "dispatch cluster on a road network";
}

[Collection(RoadClusterCollection.Name)]
public sealed class RoadDispatchTests(RoadCluster cluster)
{
    [Fact]
    public async Task Across_a_river_the_incident_gets_the_unit_on_its_own_bank_not_the_straight_line_nearest()
    {
        var (city, straightLineNearest, travelTimeFastest) = SlowNearestTowns.River("roadriver", RoadCluster.RiverOrigin);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.Origin);

        var patrol = Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol");
        Assert.Equal(travelTimeFastest, patrol.UnitId);
        Assert.NotEqual(straightLineNearest, patrol.UnitId);
        Assert.InRange(patrol.EtaSeconds, 100, 180);
    }

    [Fact]
    public async Task On_a_one_way_street_the_incident_gets_the_unit_upstream_not_the_straight_line_nearest_downstream()
    {
        var (city, straightLineNearest, travelTimeFastest) = SlowNearestTowns.OneWayStreet("roadoneway", RoadCluster.OneWayOrigin);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.Origin);

        var patrol = Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol");
        Assert.Equal(travelTimeFastest, patrol.UnitId);
        Assert.NotEqual(straightLineNearest, patrol.UnitId);
    }

    [Fact]
    public async Task A_unit_too_far_from_any_road_is_ranked_by_its_straight_line_eta()
    {
        var (city, _, _) = SlowNearestTowns.River("roadoffroad", RoadCluster.OffRoadOrigin);
        var offRoad = city.AddUnit("field", northMeters: -500, eastMeters: 0, UnitKind.Car);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.Origin);

        var patrol = Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol");
        Assert.Equal(offRoad, patrol.UnitId);
        var straightLine = new StraightLineEtaEstimator().EtaSeconds(city.At(-500, 0), UnitKind.Car, city.Origin);
        Assert.Equal(straightLine, patrol.EtaSeconds, precision: 3);
    }
}

[Collection(SharedClusterCollection.Name)]
public sealed class StraightLineDispatchTests(SharedCluster cluster)
{
    [Fact]
    public async Task Without_a_road_network_the_river_town_incident_gets_the_straight_line_nearest_unit()
    {
        var area = cluster.NewCity("slriver");
        var (city, straightLineNearest, _) = SlowNearestTowns.River(area.Prefix, area.Origin);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.Origin);

        Assert.Equal(straightLineNearest, Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol").UnitId);
    }

    [Fact]
    public async Task Without_a_road_network_the_one_way_town_incident_gets_the_straight_line_nearest_unit()
    {
        var area = cluster.NewCity("sloneway");
        var (city, straightLineNearest, _) = SlowNearestTowns.OneWayStreet(area.Prefix, area.Origin);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.Origin);

        Assert.Equal(straightLineNearest, Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol").UnitId);
    }
}
