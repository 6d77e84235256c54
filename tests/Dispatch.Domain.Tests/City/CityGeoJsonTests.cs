using System.Text;
using System.Text.Json.Nodes;
using Dispatch.Domain.City;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Tests.City;

public sealed class CityGeoJsonTests
{
    [Fact]
    public void Written_small_city_reads_back_equal()
    {
        var city = new SmallCity().Build();

        var back = CityGeoJson.Read(CityGeoJson.Write(city));

        Assert.Equal(city.Name, back.Name);
        Assert.Equal(city.Center, back.Center);
        Assert.Equal(city.Stations, back.Stations);
        Assert.Equal(city.Units, back.Units);
        Assert.Equal(city.Cameras, back.Cameras);
        Assert.Equal(city.Grids.Select(g => (g.Id, g.Name, g.StationId)), back.Grids.Select(g => (g.Id, g.Name, g.StationId)));
        Assert.All(city.Grids.Zip(back.Grids), pair => Assert.True(pair.First.Boundary.EqualsExact(pair.Second.Boundary)));
    }

    [Fact]
    public void Reading_from_a_utf8_stream_gives_the_same_city()
    {
        var json = CityGeoJson.Write(new SmallCity().Build());
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));

        var city = CityGeoJson.Read(stream);

        Assert.Equal("历下-02", city.Grids[1].Name);
        Assert.Equal("鲁A-巡001", city.Units[0].CallSign);
    }

    [Fact]
    public void Written_file_is_a_feature_collection_with_kind_on_every_feature()
    {
        var root = JsonNode.Parse(CityGeoJson.Write(new SmallCity().Build()))!;

        Assert.Equal("FeatureCollection", (string?)root["type"]);
        Assert.Equal("测试城", (string?)root["properties"]!["name"]);
        var kinds = root["features"]!.AsArray().Select(f => (string)f!["properties"]!["kind"]!).ToArray();
        Assert.Equal<string[]>(["grid", "grid", "station", "station", "unit", "camera"], kinds);
        Assert.Equal("motorcycle", (string?)root["features"]![4]!["properties"]!["unitKind"]);
    }

    [Fact]
    public void Unknown_extra_properties_are_ignored()
    {
        var root = SmallCityJson();
        root["features"]![2]!["properties"]!["phone"] = "0531-12345678";

        Assert.Equal(2, CityGeoJson.Read(root.ToJsonString()).Stations.Count);
    }

    [Fact]
    public void Text_that_is_not_json_is_refused_at_file_level()
    {
        var error = Assert.Throws<CityFormatException>(() => CityGeoJson.Read("{ \"type\": \"FeatureCollection\", "));

        Assert.Equal(-1, error.FeatureIndex);
        Assert.Contains("not JSON", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"type\": \"Feature\", \"properties\": {}, \"geometry\": null}")]
    [InlineData("{\"type\": \"FeatureCollection\", \"features\": {}}")]
    public void Json_that_is_not_a_feature_collection_is_refused_at_file_level(string json)
    {
        var error = Assert.Throws<CityFormatException>(() => CityGeoJson.Read(json));

        Assert.Equal(-1, error.FeatureIndex);
        Assert.Contains("FeatureCollection", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_city_center_is_refused_at_file_level()
    {
        var root = SmallCityJson();
        root["properties"]!.AsObject().Remove("center");

        AssertRefused(root, -1, "missing property \"center\"");
    }

    [Fact]
    public void Missing_kind_is_refused_with_the_feature_index()
    {
        var root = SmallCityJson();
        root["features"]![3]!["properties"]!.AsObject().Remove("kind");

        AssertRefused(root, 3, "missing property \"kind\"");
    }

    [Fact]
    public void Unknown_kind_is_refused_with_the_feature_index()
    {
        var root = SmallCityJson();
        root["features"]![4]!["properties"]!["kind"] = "tower";

        AssertRefused(root, 4, "unknown kind \"tower\"");
    }

    [Fact]
    public void Feature_that_is_not_an_object_is_refused_with_its_index()
    {
        var root = SmallCityJson();
        root["features"]!.AsArray().Insert(1, 42);

        AssertRefused(root, 1, "must be a JSON object");
    }

    [Theory]
    [InlineData(0, "stationId")]
    [InlineData(2, "onDutyResponders")]
    [InlineData(3, "name")]
    [InlineData(4, "unitKind")]
    [InlineData(5, "gatewayId")]
    [InlineData(5, "headingDeg")]
    [InlineData(1, "id")]
    public void Missing_property_is_refused_with_the_feature_index(int featureIndex, string property)
    {
        var root = SmallCityJson();
        root["features"]![featureIndex]!["properties"]!.AsObject().Remove(property);

        AssertRefused(root, featureIndex, $"missing property \"{property}\"");
    }

    [Fact]
    public void Property_of_the_wrong_json_type_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![2]!["properties"]!["onDutyResponders"] = "three";

        AssertRefused(root, 2, "\"onDutyResponders\" must be a whole number");
    }

    [Fact]
    public void Unknown_unit_kind_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![4]!["properties"]!["unitKind"] = "horse";

        AssertRefused(root, 4, "unknown unitKind 'horse'");
    }

    [Fact]
    public void Grid_with_point_geometry_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![1]!["geometry"] = JsonNode.Parse("""{"type": "Point", "coordinates": [117.0, 36.6]}""");

        AssertRefused(root, 1, "wrong geometry type: expected Polygon, got \"Point\"");
    }

    [Fact]
    public void Camera_with_polygon_geometry_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![5]!["geometry"] = root["features"]![0]!["geometry"]!.DeepClone();

        AssertRefused(root, 5, "wrong geometry type: expected Point, got \"Polygon\"");
    }

    [Fact]
    public void Feature_without_geometry_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![3]!["geometry"] = null;

        AssertRefused(root, 3, "wrong geometry");
    }

    [Theory]
    [InlineData("[200.0, 36.6]", "longitude")]
    [InlineData("[117.0, -91]", "latitude")]
    [InlineData("[\"NaN\", 36.6]", "finite number")]
    [InlineData("[117.0, 1e999]", "finite number")]
    [InlineData("[117.0]", "position")]
    public void Point_with_bad_coordinates_is_refused(string coordinates, string expectedReasonPart)
    {
        var root = SmallCityJson();
        root["features"]![4]!["geometry"]!["coordinates"] = JsonNode.Parse(coordinates);

        AssertRefused(root, 4, expectedReasonPart);
    }

    [Fact]
    public void Polygon_vertex_out_of_range_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![1]!["geometry"]!["coordinates"]![0]![2] = JsonNode.Parse("[117.02, 95.0]");

        AssertRefused(root, 1, "latitude");
    }

    [Fact]
    public void Duplicate_id_is_refused_at_the_second_occurrence()
    {
        var root = SmallCityJson();
        root["features"]![3]!["properties"]!["id"] = "S-1";

        AssertRefused(root, 3, "duplicate station id 'S-1'");
    }

    [Fact]
    public void Dangling_reference_is_refused_at_the_referencing_feature()
    {
        var root = SmallCityJson();
        root["features"]![5]!["properties"]!["stationId"] = "S-404";

        AssertRefused(root, 5, "dangling reference: stationId 'S-404'");
    }

    [Fact]
    public void Reference_to_a_later_feature_is_resolved()
    {
        // Grids (features 0 and 1) name stations that only appear later in the file.
        var city = CityGeoJson.Read(SmallCityJson().ToJsonString());

        Assert.Equal("S-1", city.Grids[0].StationId);
    }

    [Fact]
    public void Earliest_dangling_reference_in_file_order_is_reported()
    {
        var root = SmallCityJson();
        root["features"]![4]!["properties"]!["homeStationId"] = "S-404";
        root["features"]![2]!["properties"]!["gridId"] = "G-404";

        AssertRefused(root, 2, "dangling reference: gridId 'G-404' names no grid");
    }

    [Fact]
    public void Self_intersecting_polygon_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![1]!["geometry"]!["coordinates"] = JsonNode.Parse(
            "[[[117.01, 36.66], [117.02, 36.67], [117.02, 36.66], [117.01, 36.67], [117.01, 36.66]]]");

        AssertRefused(root, 1, "not a valid polygon");
    }

    [Fact]
    public void Unclosed_polygon_ring_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![0]!["geometry"]!["coordinates"] = JsonNode.Parse(
            "[[[117.00, 36.66], [117.01, 36.66], [117.01, 36.67], [117.00, 36.67], [117.00, 36.665]]]");

        AssertRefused(root, 0, "not closed");
    }

    [Fact]
    public void Out_of_range_camera_heading_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![5]!["properties"]!["headingDeg"] = 360;

        AssertRefused(root, 5, "heading must be within [0, 360)");
    }

    [Fact]
    public void Stream_that_is_not_utf8_is_refused_at_file_level()
    {
        using var stream = new MemoryStream([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]);

        var error = Assert.Throws<CityFormatException>(() => CityGeoJson.Read(stream));

        Assert.Equal(-1, error.FeatureIndex);
    }

    [Fact]
    public void Feature_whose_type_is_not_feature_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![2]!["type"] = "Point";

        AssertRefused(root, 2, "\"type\" must be \"Feature\"");
    }

    [Fact]
    public void Polygon_ring_with_fewer_than_four_positions_is_refused()
    {
        var root = SmallCityJson();
        root["features"]![1]!["geometry"]!["coordinates"] = JsonNode.Parse(
            "[[[117.01, 36.66], [117.02, 36.66], [117.01, 36.66]]]");

        AssertRefused(root, 1, "at least 4 are needed");
    }

    [Fact]
    public void Fractional_on_duty_responders_are_refused()
    {
        var root = SmallCityJson();
        root["features"]![3]!["properties"]!["onDutyResponders"] = 2.5;

        AssertRefused(root, 3, "must be a whole number");
    }

    [Fact]
    public void Grid_with_a_hole_survives_a_round_trip()
    {
        var parts = new SmallCity();
        var factory = CityGeoJson.GeometryFactory;
        var shell = (LinearRing)SmallCity.Square(117.00, 36.66, 117.01, 36.67).ExteriorRing;
        var hole = (LinearRing)SmallCity.Square(117.002, 36.662, 117.004, 36.664).ExteriorRing.Reverse();
        parts.Grids[0] = parts.Grids[0] with { Boundary = factory.CreatePolygon(shell, [hole]) };

        var back = CityGeoJson.Read(CityGeoJson.Write(parts.Build()));

        Assert.True(parts.Grids[0].Boundary.EqualsExact(back.Grids[0].Boundary));
        Assert.Null(back.FindGrid(new Dispatch.Domain.Geo.GeoPoint(36.663, 117.003)));
    }

    [Fact]
    public void English_names_of_the_city_and_its_places_survive_a_round_trip_and_stay_optional()
    {
        var parts = new SmallCity();
        parts.Grids[0] = parts.Grids[0] with { NameEn = "Lixia-01" };
        parts.Stations[0] = parts.Stations[0] with { NameEn = "Lixia-01 Police Station" };
        var city = parts.Build();
        var named = new Dispatch.Domain.City.CityModel(city.Name, city.Center, city.Grids, city.Stations, city.Units,
            [city.Cameras[0] with { NameEn = "Quancheng Square east gate" }, .. city.Cameras.Skip(1)], "Jinan");

        var back = CityGeoJson.Read(CityGeoJson.Write(named));

        Assert.Equal("Jinan", back.NameEn);
        Assert.Equal("Lixia-01", back.Grids[0].NameEn);
        Assert.Equal("Lixia-01 Police Station", back.Stations[0].NameEn);
        Assert.Equal("Quancheng Square east gate", back.Cameras[0].NameEn);
        Assert.Null(back.Grids[1].NameEn);
        Assert.Null(CityGeoJson.Read(CityGeoJson.Write(city)).NameEn);
    }

    [Fact]
    public void An_empty_english_name_is_refused_naming_the_feature()
    {
        var root = SmallCityJson();
        root["features"]![0]!["properties"]!["nameEn"] = " ";

        AssertRefused(root, 0, "property \"nameEn\" must not be empty");
    }

    [Fact]
    public void The_demo_city_names_every_grid_station_and_camera_in_english_too()
    {
        var demo = DemoCity.Generate(7);

        Assert.Equal("Jinan (demo)", demo.NameEn);
        Assert.All(demo.Grids, g => Assert.Matches(@"^(Huaiyin|Tianqiao|Shizhong|Lixia|Licheng)-\d\d$", g.NameEn));
        Assert.All(demo.Stations, s => Assert.EndsWith(" Police Station", s.NameEn, StringComparison.Ordinal));
        Assert.All(demo.Cameras, c => Assert.False(string.IsNullOrWhiteSpace(c.NameEn)));
    }

    private static JsonNode SmallCityJson() => JsonNode.Parse(CityGeoJson.Write(new SmallCity().Build()))!;

    private static void AssertRefused(JsonNode root, int expectedFeatureIndex, string expectedReasonPart)
    {
        var error = Assert.Throws<CityFormatException>(() => CityGeoJson.Read(root.ToJsonString()));
        Assert.Equal(expectedFeatureIndex, error.FeatureIndex);
        Assert.Contains(expectedReasonPart, error.Reason, StringComparison.Ordinal);
    }
}
