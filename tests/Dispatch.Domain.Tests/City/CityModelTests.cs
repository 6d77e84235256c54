using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.City;

public sealed class CityModelTests
{
    [Fact]
    public void Valid_city_keeps_its_parts_and_finds_stations_by_id()
    {
        var city = new SmallCity().Build();

        Assert.Equal("测试城", city.Name);
        Assert.Equal(2, city.Grids.Count);
        Assert.Equal("S-2", city.FindStation("S-2")?.Id);
        Assert.Null(city.FindStation("S-9"));
    }

    [Fact]
    public void Empty_city_name_is_refused()
    {
        var parts = new SmallCity { Name = " " };

        AssertRefused(parts, "city name");
    }

    [Fact]
    public void Duplicate_grid_id_is_refused()
    {
        var parts = new SmallCity();
        parts.Grids[1] = parts.Grids[1] with { Id = "G-1" };

        AssertRefused(parts, "duplicate grid id 'G-1'");
    }

    [Fact]
    public void Duplicate_station_id_is_refused()
    {
        var parts = new SmallCity();
        parts.Stations.Add(parts.Stations[0] with { Name = "另一个" });

        AssertRefused(parts, "duplicate station id 'S-1'");
    }

    [Fact]
    public void Duplicate_unit_id_is_refused()
    {
        var parts = new SmallCity();
        parts.Units.Add(parts.Units[0] with { CallSign = "P-2" });

        AssertRefused(parts, "duplicate unit id 'U-1'");
    }

    [Fact]
    public void Duplicate_camera_id_is_refused()
    {
        var parts = new SmallCity();
        parts.Cameras.Add(parts.Cameras[0]);

        AssertRefused(parts, "duplicate camera id 'C-1'");
    }

    [Fact]
    public void Same_id_in_different_kinds_is_allowed()
    {
        var parts = new SmallCity();
        parts.Cameras[0] = parts.Cameras[0] with { Id = "G-1" };

        Assert.Equal("G-1", parts.Build().Cameras[0].Id);
    }

    [Fact]
    public void Grid_naming_an_unknown_station_is_refused()
    {
        var parts = new SmallCity();
        parts.Grids[0] = parts.Grids[0] with { StationId = "S-404" };

        AssertRefused(parts, "unknown station 'S-404'");
    }

    [Fact]
    public void Station_naming_an_unknown_grid_is_refused()
    {
        var parts = new SmallCity();
        parts.Stations[1] = parts.Stations[1] with { GridId = "G-404" };

        AssertRefused(parts, "unknown grid 'G-404'");
    }

    [Fact]
    public void Unit_with_an_unknown_home_station_is_refused()
    {
        var parts = new SmallCity();
        parts.Units[0] = parts.Units[0] with { HomeStationId = "S-404" };

        AssertRefused(parts, "unknown home station 'S-404'");
    }

    [Fact]
    public void Camera_naming_an_unknown_station_is_refused()
    {
        var parts = new SmallCity();
        parts.Cameras[0] = parts.Cameras[0] with { StationId = "S-404" };

        AssertRefused(parts, "unknown station 'S-404'");
    }

    [Fact]
    public void Empty_names_are_refused_for_every_kind()
    {
        var grid = new SmallCity();
        grid.Grids[0] = grid.Grids[0] with { Name = "" };
        var station = new SmallCity();
        station.Stations[0] = station.Stations[0] with { Name = "  " };
        var unit = new SmallCity();
        unit.Units[0] = unit.Units[0] with { CallSign = "" };
        var camera = new SmallCity();
        camera.Cameras[0] = camera.Cameras[0] with { Name = "" };

        AssertRefused(grid, "grid 'G-1': name");
        AssertRefused(station, "station 'S-1': name");
        AssertRefused(unit, "unit 'U-1': call sign");
        AssertRefused(camera, "camera 'C-1': name");
    }

    [Fact]
    public void Empty_id_is_refused()
    {
        var parts = new SmallCity();
        parts.Units[0] = parts.Units[0] with { Id = "" };

        AssertRefused(parts, "unit id must not be empty");
    }

    [Fact]
    public void Self_intersecting_grid_boundary_is_refused()
    {
        var parts = new SmallCity();
        var bowtie = CityGeoJson.GeometryFactory.CreatePolygon(
            [new(117.00, 36.66), new(117.01, 36.67), new(117.01, 36.66), new(117.00, 36.67), new(117.00, 36.66)]);
        parts.Grids[0] = parts.Grids[0] with { Boundary = bowtie };

        AssertRefused(parts, "not a valid polygon");
    }

    [Fact]
    public void Grid_boundary_outside_longitude_range_is_refused()
    {
        var parts = new SmallCity();
        parts.Grids[1] = parts.Grids[1] with { Boundary = SmallCity.Square(179.5, 36.66, 180.5, 36.67) };

        AssertRefused(parts, "longitude");
    }

    [Fact]
    public void Negative_on_duty_responders_are_refused_and_zero_is_allowed()
    {
        var parts = new SmallCity();
        parts.Stations[0] = parts.Stations[0] with { OnDutyResponders = -1 };

        AssertRefused(parts, "on-duty responders must be >= 0, got -1");
        Assert.Equal(0, new SmallCity().Build().FindStation("S-2")!.OnDutyResponders);
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(360)]
    [InlineData(double.NaN)]
    public void Heading_outside_0_to_360_is_refused(double headingDegrees)
    {
        var parts = new SmallCity();
        parts.Cameras[0] = parts.Cameras[0] with { HeadingDegrees = headingDegrees };

        AssertRefused(parts, "heading must be within [0, 360)");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    [InlineData(360.5)]
    public void Field_of_view_outside_0_exclusive_to_360_is_refused(double fieldOfViewDegrees)
    {
        var parts = new SmallCity();
        parts.Cameras[0] = parts.Cameras[0] with { FieldOfViewDegrees = fieldOfViewDegrees };

        AssertRefused(parts, "field of view must be within (0, 360]");
    }

    [Fact]
    public void Heading_zero_and_field_of_view_360_are_allowed()
    {
        var parts = new SmallCity();
        parts.Cameras[0] = parts.Cameras[0] with { HeadingDegrees = 0, FieldOfViewDegrees = 360 };

        Assert.Equal(360, parts.Build().Cameras[0].FieldOfViewDegrees);
    }

    [Fact]
    public void Unknown_unit_kind_value_is_refused()
    {
        var parts = new SmallCity();
        parts.Units[0] = parts.Units[0] with { Kind = (UnitKind)42 };

        AssertRefused(parts, "unknown unit kind 42");
    }

    [Fact]
    public void FindGrid_returns_the_grid_holding_an_inside_point()
    {
        var city = new SmallCity().Build();

        Assert.Equal("G-1", city.FindGrid(new GeoPoint(36.663, 117.004))?.Id);
        Assert.Equal("G-2", city.FindGrid(new GeoPoint(36.669, 117.019))?.Id);
    }

    [Fact]
    public void FindGrid_returns_null_outside_the_city()
    {
        var city = new SmallCity().Build();

        Assert.Null(city.FindGrid(new GeoPoint(36.665, 117.03)));
        Assert.Null(city.FindGrid(new GeoPoint(36.659, 117.005)));
    }

    [Fact]
    public void FindGrid_gives_a_point_on_a_shared_border_to_the_lowest_grid_id_whatever_the_list_order()
    {
        var parts = new SmallCity();
        parts.Grids.Reverse();
        var city = parts.Build();

        Assert.Equal("G-1", city.FindGrid(new GeoPoint(36.665, SmallCity.SharedBorderLongitude))?.Id);
        Assert.Equal("G-1", city.FindGrid(new GeoPoint(36.67, SmallCity.SharedBorderLongitude))?.Id);
    }

    [Theory]
    [InlineData("G-A", "G-B")]
    [InlineData("G-B", "G-A")]
    public void FindGrid_gives_a_shared_border_to_the_lowest_id_whichever_side_it_lies(string westId, string eastId)
    {
        var parts = new SmallCity();
        parts.Grids[0] = parts.Grids[0] with { Id = westId };
        parts.Grids[1] = parts.Grids[1] with { Id = eastId };
        parts.Stations[0] = parts.Stations[0] with { GridId = westId };
        parts.Stations[1] = parts.Stations[1] with { GridId = eastId };
        var city = parts.Build();

        Assert.Equal("G-A", city.FindGrid(new GeoPoint(36.662, SmallCity.SharedBorderLongitude))?.Id);
        Assert.Equal(westId, city.FindGrid(new GeoPoint(36.662, 117.009))?.Id);
    }

    [Fact]
    public void FindGrid_includes_the_outer_border_of_the_city()
    {
        var city = new SmallCity().Build();

        Assert.Equal("G-2", city.FindGrid(new GeoPoint(36.665, 117.02))?.Id);
    }

    [Fact]
    public void FindGrid_respects_polygon_shape_not_just_its_envelope()
    {
        var parts = new SmallCity();
        var triangle = CityGeoJson.GeometryFactory.CreatePolygon(
            [new(117.01, 36.66), new(117.02, 36.66), new(117.01, 36.67), new(117.01, 36.66)]);
        parts.Grids[1] = parts.Grids[1] with { Boundary = triangle };
        var city = parts.Build();

        Assert.Null(city.FindGrid(new GeoPoint(36.669, 117.019)));
        Assert.Equal("G-2", city.FindGrid(new GeoPoint(36.661, 117.011))?.Id);
    }

    private static void AssertRefused(SmallCity parts, string expectedMessagePart)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => parts.Build());
        Assert.Contains(expectedMessagePart, error.Message, StringComparison.Ordinal);
    }
}
