using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;

namespace Dispatch.Domain.Tests.City;

public sealed class DemoCityTests
{
    private static readonly CityModel City = DemoCity.Generate(7);

    [Fact]
    public void Demo_city_has_60_grids_each_with_its_own_station()
    {
        Assert.Equal(60, City.Grids.Count);
        Assert.Equal(60, City.Stations.Count);
        Assert.Equal(60, City.Grids.Select(g => g.StationId).Distinct().Count());
        Assert.All(City.Grids, grid => Assert.Equal(grid.Id, City.FindStation(grid.StationId)!.GridId));
    }

    [Fact]
    public void Demo_city_has_a_few_hundred_units_and_a_few_thousand_cameras()
    {
        Assert.InRange(City.Units.Count, 200, 500);
        Assert.InRange(City.Cameras.Count, 2000, 5000);
    }

    [Fact]
    public void Demo_units_are_mostly_cars_with_every_kind_present()
    {
        var byKind = City.Units.GroupBy(u => u.Kind).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(4, byKind.Count);
        Assert.True(byKind[UnitKind.Car] > City.Units.Count / 2, $"cars: {byKind[UnitKind.Car]} of {City.Units.Count}");
    }

    [Fact]
    public void Demo_stations_have_2_to_6_responders_and_stand_in_their_grid()
    {
        Assert.All(City.Stations, station =>
        {
            Assert.InRange(station.OnDutyResponders, 2, 6);
            Assert.Equal(station.GridId, City.FindGrid(station.Location)?.Id);
        });
    }

    [Fact]
    public void Every_demo_unit_starts_in_the_grid_of_its_home_station()
    {
        Assert.All(City.Units, unit =>
            Assert.Equal(City.FindStation(unit.HomeStationId)!.GridId, City.FindGrid(unit.Start)?.Id));
    }

    [Fact]
    public void Every_demo_camera_stands_in_the_grid_of_its_station()
    {
        Assert.All(City.Cameras, camera =>
            Assert.Equal(City.FindStation(camera.StationId)!.GridId, City.FindGrid(camera.Location)?.Id));
    }

    [Fact]
    public void Demo_cameras_have_varied_headings_and_fields_of_view_and_six_gateways()
    {
        Assert.True(City.Cameras.Select(c => c.HeadingDegrees).Distinct().Count() > 500);
        Assert.True(City.Cameras.Select(c => c.FieldOfViewDegrees).Distinct().Count() >= 4);
        Assert.Equal(
            ["GW-01", "GW-02", "GW-03", "GW-04", "GW-05", "GW-06"],
            City.Cameras.Select(c => c.GatewayId).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Demo_ids_are_ascii()
    {
        var ids = City.Grids.Select(g => g.Id)
            .Concat(City.Stations.Select(s => s.Id))
            .Concat(City.Units.Select(u => u.Id))
            .Concat(City.Cameras.Select(c => c.Id));

        Assert.All(ids, id => Assert.True(id.All(char.IsAscii), id));
    }

    [Fact]
    public void Demo_grids_tile_a_single_area_without_gaps_or_overlaps()
    {
        var union = UnaryUnionOp.Union(City.Grids.Select(g => (Geometry)g.Boundary).ToList());
        var sumOfAreas = City.Grids.Sum(g => g.Boundary.Area);

        var outline = Assert.IsType<Polygon>(union);
        Assert.Empty(outline.Holes);
        Assert.Equal(sumOfAreas, outline.Area, sumOfAreas * 1e-9);
    }

    [Fact]
    public void Demo_city_covers_roughly_10_by_8_km_around_jinan()
    {
        var projection = new LocalProjection(DemoCity.JinanCenter);
        var union = UnaryUnionOp.Union(City.Grids.Select(g => (Geometry)g.Boundary).ToList());
        var envelope = projection.ToMeters(union).EnvelopeInternal;

        Assert.InRange(envelope.Width, 9_500, 10_500);
        Assert.InRange(envelope.Height, 7_500, 8_500);
        Assert.InRange(projection.ToMeters(union).Area, 76e6, 84e6);
        Assert.Equal(DemoCity.JinanCenter, City.Center);
        Assert.NotNull(City.FindGrid(DemoCity.JinanCenter));
    }

    [Fact]
    public void Every_random_point_inside_the_demo_city_falls_in_exactly_one_grid()
    {
        var union = UnaryUnionOp.Union(City.Grids.Select(g => (Geometry)g.Boundary).ToList());
        var envelope = union.EnvelopeInternal;
        var random = new Random(12345);
        var inside = 0;
        for (var i = 0; i < 3000; i++)
        {
            var coordinate = new Coordinate(
                envelope.MinX + (random.NextDouble() * envelope.Width),
                envelope.MinY + (random.NextDouble() * envelope.Height));
            var point = CityGeoJson.GeometryFactory.CreatePoint(coordinate);
            var found = City.FindGrid(new GeoPoint(coordinate.Y, coordinate.X));
            if (!union.Contains(point))
            {
                Assert.Null(found);
                continue;
            }

            inside++;
            var holders = City.Grids.Where(g => g.Boundary.Contains(point)).ToList();
            Assert.Single(holders);
            Assert.Equal(holders[0].Id, found?.Id);
        }

        Assert.True(inside > 2000, $"only {inside} of 3000 samples fell inside");
    }

    [Fact]
    public void Demo_grid_names_follow_jinan_districts()
    {
        string[] districts = ["历下", "市中", "槐荫", "天桥", "历城"];

        Assert.All(City.Grids, grid => Assert.Contains(grid.Name.Split('-')[0], districts));
        Assert.Equal(60, City.Grids.Select(g => g.Name).Distinct().Count());
    }

    [Fact]
    public void Same_seed_gives_identical_geojson()
    {
        Assert.Equal(CityGeoJson.Write(DemoCity.Generate(11)), CityGeoJson.Write(DemoCity.Generate(11)));
    }

    [Fact]
    public void Different_seeds_give_different_cities()
    {
        Assert.NotEqual(CityGeoJson.Write(DemoCity.Generate(11)), CityGeoJson.Write(DemoCity.Generate(12)));
    }

    [Fact]
    public void Demo_city_survives_a_geojson_round_trip()
    {
        var back = CityGeoJson.Read(CityGeoJson.Write(City));

        Assert.Equal(City.Name, back.Name);
        Assert.Equal(City.Grids.Select(g => (g.Id, g.Name, g.StationId)), back.Grids.Select(g => (g.Id, g.Name, g.StationId)));
        Assert.All(City.Grids.Zip(back.Grids), pair => Assert.True(pair.First.Boundary.EqualsExact(pair.Second.Boundary, 1e-7)));
        Assert.Equal(City.Stations.Count, back.Stations.Count);
        Assert.All(City.Stations.Zip(back.Stations), pair =>
        {
            Assert.Equal((pair.First.Id, pair.First.Name, pair.First.GridId, pair.First.OnDutyResponders), (pair.Second.Id, pair.Second.Name, pair.Second.GridId, pair.Second.OnDutyResponders));
            AssertClose(pair.First.Location, pair.Second.Location);
        });
        Assert.Equal(City.Units.Count, back.Units.Count);
        Assert.All(City.Units.Zip(back.Units), pair =>
        {
            Assert.Equal((pair.First.Id, pair.First.CallSign, pair.First.Kind, pair.First.HomeStationId), (pair.Second.Id, pair.Second.CallSign, pair.Second.Kind, pair.Second.HomeStationId));
            AssertClose(pair.First.Start, pair.Second.Start);
        });
        Assert.Equal(City.Cameras.Count, back.Cameras.Count);
        Assert.All(City.Cameras.Zip(back.Cameras), pair =>
        {
            Assert.Equal((pair.First.Id, pair.First.Name, pair.First.StationId, pair.First.GatewayId), (pair.Second.Id, pair.Second.Name, pair.Second.StationId, pair.Second.GatewayId));
            Assert.Equal(pair.First.HeadingDegrees, pair.Second.HeadingDegrees, 1e-9);
            Assert.Equal(pair.First.FieldOfViewDegrees, pair.Second.FieldOfViewDegrees, 1e-9);
            AssertClose(pair.First.Location, pair.Second.Location);
        });
    }

    private static void AssertClose(GeoPoint expected, GeoPoint actual)
    {
        Assert.Equal(expected.Latitude, actual.Latitude, 1e-7);
        Assert.Equal(expected.Longitude, actual.Longitude, 1e-7);
    }
}
