using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using Dispatch.Testing;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Tests.City;

/// <summary>A city laid over a road network nobody here drew a city for.</summary>
public sealed class RoadCityTests
{
    private static readonly IReadOnlyList<RoadFeature> Ljubljana = RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson)).Roads;

    private static readonly RoadCityOptions Options = new() { Seed = 5, Name = "Ljubljana", GridMeters = 800, UnitsPerStation = 5, CamerasPerGrid = 12 };

    [Fact]
    public void The_same_roads_and_seed_give_the_same_city_and_another_seed_another_one_on_the_same_grids()
    {
        var first = CityGeoJson.Write(RoadCity.Generate(Ljubljana, Options));
        var again = CityGeoJson.Write(RoadCity.Generate(Ljubljana, Options));
        var other = RoadCity.Generate(Ljubljana, Options with { Seed = 6 });

        Assert.Equal(first, again);
        Assert.NotEqual(first, CityGeoJson.Write(other));
        Assert.Equal(RoadCity.Generate(Ljubljana, Options).Grids.Select(g => g.Boundary.ToText()), other.Grids.Select(g => g.Boundary.ToText()));
    }

    [Fact]
    public void Every_grid_has_its_station_on_a_street_inside_it_its_units_and_its_cameras()
    {
        var city = RoadCity.Generate(Ljubljana, Options);

        Assert.InRange(city.Grids.Count, 9, 25);
        Assert.Equal(city.Grids.Count, city.Stations.Count);
        Assert.Equal(city.Grids.Count * 5, city.Units.Count);
        Assert.Equal(city.Grids.Count * 12, city.Cameras.Count);
        foreach (var grid in city.Grids)
        {
            var station = city.Stations.Single(s => s.Id == grid.StationId);
            Assert.Equal(grid.Id, station.GridId);
            Assert.True(grid.Boundary.Covers(new Point(station.Location.Longitude, station.Location.Latitude)), $"station {station.Id} lies outside grid {grid.Id}");
            Assert.Equal(5, city.Units.Count(u => u.HomeStationId == station.Id));
            Assert.Equal(12, city.Cameras.Count(c => c.StationId == station.Id));
        }

        Assert.Equal([UnitKind.Car, UnitKind.Motorcycle, UnitKind.Bicycle, UnitKind.Foot], city.Units.Select(u => u.Kind).Distinct().Order());
        Assert.Equal(city.Units.Count, city.Units.Select(u => u.Id).Distinct().Count());
    }

    [Fact]
    public void Stations_units_and_cameras_stand_on_the_roads()
    {
        var city = RoadCity.Generate(Ljubljana, Options);
        var graph = RoadGraph.Build(Ljubljana, new RoadGraphOptions { Origin = city.Center });

        // Within a metre of a road the kind may use (coordinates are kept to 1e-7 degree, about a centimetre).
        Assert.All(city.Stations, s => Assert.NotNull(graph.Snap(s.Location, UnitKind.Car, 1)));
        Assert.All(city.Units, u => Assert.NotNull(graph.Snap(u.Start, u.Kind, 1)));
        Assert.All(city.Cameras, c => Assert.NotNull(graph.Snap(c.Location, UnitKind.Car, 1)));
        Assert.All(city.Cameras, c => Assert.InRange(c.HeadingDegrees, 0, 359.99));
    }

    [Fact]
    public void The_grids_cover_the_roads_and_the_roads_reach_the_whole_city()
    {
        var city = RoadCity.Generate(Ljubljana, Options);
        var coverage = CityRoadCoverage.Measure(RoadGraph.Build(Ljubljana, new RoadGraphOptions { Origin = city.Center }), city);

        Assert.True(coverage.Share >= 0.9, coverage.Describe());
        Assert.InRange(GreatCircle.DistanceMeters(city.Center, new GeoPoint(OsmFixtures.CentreLatitude, OsmFixtures.CentreLongitude)), 0, 500);
        Assert.Equal(CityGeoJson.Write(city), CityGeoJson.Write(CityGeoJson.Read(CityGeoJson.Write(city))));
    }

    [Fact]
    public void Too_many_grids_make_the_grids_bigger_until_they_fit()
    {
        var city = RoadCity.Generate(Ljubljana, Options with { GridMeters = 200, MinRoadMetersPerGrid = 100, MaxGrids = 20 });

        Assert.InRange(city.Grids.Count, 1, 20);
    }

    [Fact]
    public void Roads_too_sparse_for_any_grid_are_refused_saying_why()
    {
        RoadFeature[] lane = [new(RoadClass.Residential, null, OneWay.No, "lonely lane", [[new GeoPoint(46.05, 14.5), new GeoPoint(46.051, 14.5)]])];

        var error = Assert.Throws<ArgumentException>(() => RoadCity.Generate(lane, Options));

        Assert.Contains("1500 m of road", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Footways_alone_are_refused_as_no_road_a_patrol_car_may_use()
    {
        RoadFeature[] footways = [new(RoadClass.Footway, null, OneWay.No, null, [[new GeoPoint(46.05, 14.5), new GeoPoint(46.06, 14.5)]])];

        var error = Assert.Throws<ArgumentException>(() => RoadCity.Generate(footways, Options));

        Assert.Contains("patrol car", error.Message, StringComparison.Ordinal);
    }
}
