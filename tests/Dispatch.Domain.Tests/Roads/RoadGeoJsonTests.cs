using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadGeoJsonTests
{
    private const string GoodLine = """
        {"type":"Feature","properties":{"highway":"residential","name":"经一路"},
         "geometry":{"type":"LineString","coordinates":[[117.0,36.66],[117.001,36.66]]}}
        """;

    private static string Collection(params string[] features) =>
        $$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""";

    private static string Feature(string properties, string geometry = """{"type":"LineString","coordinates":[[117.0,36.66],[117.001,36.661]]}""") =>
        $$"""{"type":"Feature","properties":{{properties}},"geometry":{{geometry}}}""";

    [Fact]
    public void Reads_class_name_and_points_of_a_line_string()
    {
        var result = RoadGeoJson.Read(Collection(GoodLine));

        var road = Assert.Single(result.Roads);
        Assert.Equal(RoadClass.Residential, road.Class);
        Assert.Equal("经一路", road.Name);
        Assert.Equal(OneWay.No, road.OneWay);
        Assert.Null(road.MaxSpeedKmh);
        Assert.Equal([new GeoPoint(36.66, 117.0), new GeoPoint(36.66, 117.001)], road.Lines[0]);
        Assert.Empty(result.Skipped);
    }

    [Fact]
    public void Reads_every_part_of_a_multi_line_string()
    {
        var feature = Feature(
            """{"highway":"primary"}""",
            """{"type":"MultiLineString","coordinates":[[[117.0,36.66],[117.001,36.66]],[[117.002,36.66],[117.003,36.66],[117.004,36.66]]]}""");

        var road = Assert.Single(RoadGeoJson.Read(Collection(feature)).Roads);

        Assert.Equal([2, 3], road.Lines.Select(l => l.Count));
    }

    [Theory]
    [InlineData("\"50\"", 50.0)]
    [InlineData("\"50 km/h\"", 50.0)]
    [InlineData("\"60kmh\"", 60.0)]
    [InlineData("\"30 mph\"", 48.28032)]
    [InlineData("40", 40.0)]
    [InlineData("\"CN:urban\"", 50.0)]
    public void Parses_maxspeed_forms_to_kmh(string maxSpeedJson, double expectedKmh)
    {
        var road = Assert.Single(RoadGeoJson.Read(Collection(Feature($$"""{"highway":"primary","maxspeed":{{maxSpeedJson}}}"""))).Roads);

        Assert.Equal(expectedKmh, road.MaxSpeedKmh!.Value, 4);
    }

    [Theory]
    [InlineData("yes", OneWay.Forward)]
    [InlineData("true", OneWay.Forward)]
    [InlineData("1", OneWay.Forward)]
    [InlineData("-1", OneWay.Backward)]
    [InlineData("no", OneWay.No)]
    public void Parses_oneway_values(string oneWay, OneWay expected)
    {
        var road = Assert.Single(RoadGeoJson.Read(Collection(Feature($$"""{"highway":"residential","oneway":"{{oneWay}}"}"""))).Roads);

        Assert.Equal(expected, road.OneWay);
    }

    [Fact]
    public void Motorways_and_roundabouts_are_one_way_unless_tagged_otherwise()
    {
        var roads = RoadGeoJson.Read(Collection(
            Feature("""{"highway":"motorway"}"""),
            Feature("""{"highway":"residential","junction":"roundabout"}"""),
            Feature("""{"highway":"motorway","oneway":"no"}"""))).Roads;

        Assert.Equal([OneWay.Forward, OneWay.Forward, OneWay.No], roads.Select(r => r.OneWay));
    }

    [Fact]
    public void Reads_tags_nested_under_tags_and_from_ogr_other_tags()
    {
        var roads = RoadGeoJson.Read(Collection(
            Feature("""{"id":"way/1","tags":{"highway":"secondary","maxspeed":"40","oneway":"yes"}}"""),
            Feature("""{"highway":"tertiary","name":"纬二路","other_tags":"\"lanes\"=>\"2\",\"maxspeed\"=>\"30\",\"oneway\"=>\"-1\""}"""))).Roads;

        Assert.Equal((RoadClass.Secondary, 40.0, OneWay.Forward), (roads[0].Class, roads[0].MaxSpeedKmh!.Value, roads[0].OneWay));
        Assert.Equal((RoadClass.Tertiary, 30.0, OneWay.Backward, "纬二路"), (roads[1].Class, roads[1].MaxSpeedKmh!.Value, roads[1].OneWay, roads[1].Name));
    }

    /// <summary>Broken data: refused by default in the host, skipped and listed with Skip.</summary>
    public static TheoryData<string, RoadImportErrorKind> BrokenFeatures => new()
    {
        { """{"type":"Point"}""", RoadImportErrorKind.NotAFeature },
        { Feature("""{"highway":"primary"}""", "null"), RoadImportErrorKind.BadGeometry },
        { Feature("""{"highway":"primary"}""", """{"type":"GeometryCollection","geometries":[]}"""), RoadImportErrorKind.BadGeometry },
        { Feature("""{"highway":"primary"}""", """{"type":"LineString","coordinates":[[117.0,36.66]]}"""), RoadImportErrorKind.BadGeometry },
        { Feature("""{"highway":"primary"}""", """{"type":"LineString","coordinates":[[117.0,36.66],["x",36.7]]}"""), RoadImportErrorKind.BadGeometry },
        { Feature("""{"highway":"primary"}""", """{"type":"MultiLineString","coordinates":[]}"""), RoadImportErrorKind.BadGeometry },
        { Feature("""{"highway":"primary"}""", """{"type":"LineString","coordinates":[[117.0,36.66],[117.0,96.0]]}"""), RoadImportErrorKind.CoordinateOutOfRange },
        { Feature("""{"highway":"primary"}""", """{"type":"LineString","coordinates":[[217.0,36.66],[117.0,36.0]]}"""), RoadImportErrorKind.CoordinateOutOfRange },
    };

    /// <summary>What a router leaves out (as OSRM's profiles do): never an error, counted under the label.</summary>
    public static TheoryData<string, string> IgnoredFeatures => new()
    {
        { Feature("""{"name":"no class"}"""), "no highway tag" },
        { Feature("null"), "no highway tag" },
        { Feature("""{"building":"yes"}""", """{"type":"Polygon","coordinates":[[[117.0,36.66],[117.001,36.66],[117.001,36.661],[117.0,36.66]]]}"""), "no highway tag" },
        { Feature("""{"highway":"pedestrian","area":"yes"}""", """{"type":"Polygon","coordinates":[[[117.0,36.66],[117.001,36.66],[117.001,36.661],[117.0,36.66]]]}"""), "area" },
        { Feature("""{"highway":"services"}""", """{"type":"MultiPolygon","coordinates":[[[[117.0,36.66],[117.001,36.66],[117.001,36.661],[117.0,36.66]]]]}"""), "area" },
        { Feature("""{"highway":"pedestrian","area":"yes"}"""), "area" },
        { Feature("""{"highway":"primary"}""", """{"type":"Point","coordinates":[117.0,36.66]}"""), "point" },
        { Feature("""{"highway":"traffic_signals"}""", """{"type":"Point","coordinates":[117.0,36.66]}"""), "point" },
        { Feature("""{"highway":"construction","construction":"secondary"}"""), "highway=construction" },
        { Feature("""{"highway":"proposed"}"""), "highway=proposed" },
        { Feature("""{"highway":"platform"}"""), "highway=platform" },
        { Feature("""{"highway":"hovercraft_lane"}"""), "highway=hovercraft_lane" },
        { Feature("""{"highway":"primary","oneway":"reversible"}"""), "oneway=reversible" },
        { Feature("""{"highway":"primary","oneway":"alternating"}"""), "oneway=alternating" },
    };

    [Theory]
    [MemberData(nameof(BrokenFeatures))]
    public void Skips_a_broken_feature_and_reports_its_index_and_kind(string badFeature, RoadImportErrorKind expectedKind)
    {
        var result = RoadGeoJson.Read(Collection(GoodLine, badFeature, GoodLine), new RoadImportOptions { OnError = RoadImportErrorMode.Skip });

        Assert.Equal(2, result.Roads.Count);
        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(1, skipped.FeatureIndex);
        Assert.Equal(expectedKind, skipped.Kind);
        Assert.False(string.IsNullOrWhiteSpace(skipped.Reason));
    }

    [Theory]
    [MemberData(nameof(BrokenFeatures))]
    public void Refuse_mode_rejects_the_file_naming_the_broken_feature(string badFeature, RoadImportErrorKind expectedKind)
    {
        var error = Assert.Throws<RoadFormatException>(() =>
            RoadGeoJson.Read(Collection(GoodLine, GoodLine, badFeature), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse }));

        Assert.Equal(2, error.FeatureIndex);
        Assert.Equal(expectedKind, error.Kind);
        Assert.Contains("feature 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(IgnoredFeatures))]
    public void What_a_router_ignores_is_left_out_and_counted_even_in_refuse_mode(string feature, string label)
    {
        var result = RoadGeoJson.Read(Collection(GoodLine, feature, GoodLine), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse });

        Assert.Equal(2, result.Roads.Count);
        Assert.Empty(result.Skipped);
        Assert.Equal(new Dictionary<string, int> { [label] = 1 }, result.IgnoredFeatures);
        Assert.Contains($"1 {label}", result.DescribeIgnored(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"highway":"primary","maxspeed":"fast"}""", "maxspeed \"fast\"")]
    [InlineData("""{"highway":"primary","maxspeed":"-20"}""", "maxspeed \"-20\"")]
    [InlineData("""{"highway":"living_street","maxspeed":"walk"}""", "maxspeed \"walk\"")]
    [InlineData("""{"highway":"primary","oneway":"yes;no"}""", "oneway \"yes;no\"")]
    public void A_tag_value_that_cannot_be_read_is_dropped_and_the_road_kept(string properties, string label)
    {
        var result = RoadGeoJson.Read(Collection(Feature(properties)), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse });

        var road = Assert.Single(result.Roads);
        Assert.Null(road.MaxSpeedKmh);
        Assert.Equal(OneWay.No, road.OneWay);
        Assert.Equal(new Dictionary<string, int> { [label] = 1 }, result.IgnoredTags);
    }

    [Fact]
    public void Reason_names_the_offending_value()
    {
        var result = RoadGeoJson.Read(Collection(Feature("""{"highway":"primary"}""", """{"type":"LineString","coordinates":[[117.0,36.66],[117.0,96.5]]}""")));

        Assert.Contains("96.5", Assert.Single(result.Skipped).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"type":"Feature"}""")]
    [InlineData("""{"type":"FeatureCollection"}""")]
    [InlineData("not json")]
    public void A_file_that_is_not_a_feature_collection_is_refused_as_a_whole(string json)
    {
        var error = Assert.Throws<RoadFormatException>(() => RoadGeoJson.Read(json));

        Assert.Equal(-1, error.FeatureIndex);
    }

    [Fact]
    public void Written_roads_read_back_unchanged()
    {
        RoadFeature[] roads =
        [
            new(RoadClass.Primary, 60, OneWay.No, "经十路", [[new GeoPoint(36.66, 117.0), new GeoPoint(36.661, 117.002)]]),
            new(RoadClass.Residential, null, OneWay.Backward, null, [[new GeoPoint(36.6612345, 117.0012345), new GeoPoint(36.662, 117.0)]]),
            new(RoadClass.Motorway, 100, OneWay.No, "绕城高速", [[new GeoPoint(36.65, 117.0), new GeoPoint(36.65, 117.01)], [new GeoPoint(36.64, 117.0), new GeoPoint(36.64, 117.01)]]),
            new(RoadClass.Footway, null, OneWay.Forward, null, [[new GeoPoint(36.66, 117.0), new GeoPoint(36.6601, 117.0)]]),
        ];

        var read = RoadGeoJson.Read(RoadGeoJson.Write(roads), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse });

        Assert.Equal(roads.Length, read.Roads.Count);
        for (var i = 0; i < roads.Length; i++)
        {
            Assert.Equal((roads[i].Class, roads[i].MaxSpeedKmh, roads[i].OneWay, roads[i].Name), (read.Roads[i].Class, read.Roads[i].MaxSpeedKmh, read.Roads[i].OneWay, read.Roads[i].Name));
            Assert.Equal(roads[i].Lines.SelectMany(l => l), read.Roads[i].Lines.SelectMany(l => l));
        }
    }
}
