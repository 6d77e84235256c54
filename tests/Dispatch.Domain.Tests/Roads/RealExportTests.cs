using System.Text.Json.Nodes;
using Dispatch.Domain.Roads;
using Dispatch.Testing;

namespace Dispatch.Domain.Tests.Roads;

/// <summary>
/// OpenStreetMap exports shaped as osmtogeojson and osmium write them (tests/Dispatch.Testing/Osm): mixed geometry
/// types, tagged nodes, areas, platforms, construction, a route relation, tag values no parser reads.
/// </summary>
public sealed class RealExportTests
{
    /// <summary>What the fixture holds besides its 186 roads (make_fixtures.py prints the same).</summary>
    private static readonly Dictionary<string, int> Ignored = new()
    {
        ["point"] = 21,
        ["area"] = 4,
        ["highway=platform"] = 4,
        ["highway=construction"] = 3,
        ["no highway tag"] = 2,
        ["highway=proposed"] = 1,
        ["highway=bus_stop"] = 1,
        ["oneway=reversible"] = 1,
    };

    [Fact]
    public void An_osmtogeojson_export_loads_even_in_refuse_mode_with_what_a_router_ignores_counted()
    {
        var result = RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse });

        Assert.Equal(OsmFixtures.Roads, result.Roads.Count);
        Assert.Empty(result.Skipped);
        Assert.Equal(Ignored, result.IgnoredFeatures);
        Assert.Equal(OsmFixtures.Features, result.Roads.Count + result.IgnoredFeatureCount);
        Assert.Equal(new Dictionary<string, int> { ["maxspeed \"walk\""] = 6 }, result.IgnoredTags);
        Assert.StartsWith("37 features a router does not use left out (21 point, 4 area, 4 highway=platform", result.DescribeIgnored(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_streets_from_osmium_as_a_geojson_text_sequence_read_to_the_same_roads()
    {
        using var sequence = File.OpenRead(OsmFixtures.OsmiumSequence);
        var fromOsmium = RoadGeoJson.Read(sequence, new RoadImportOptions { OnError = RoadImportErrorMode.Refuse });
        var fromOverpass = RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson));

        Assert.Equal(RoadGeoJson.Write(fromOverpass.Roads), RoadGeoJson.Write(fromOsmium.Roads));
        Assert.Equal(Ignored, fromOsmium.IgnoredFeatures);
    }

    [Fact]
    public void Features_one_a_line_without_separators_read_as_a_sequence_too()
    {
        var lines = File.ReadAllText(OsmFixtures.OsmiumSequence).Replace("\u001e", "", StringComparison.Ordinal);

        var result = RoadGeoJson.Read(lines);

        Assert.Equal(OsmFixtures.Roads, result.Roads.Count);
    }

    [Fact]
    public void Road_classes_one_way_rules_and_names_come_through()
    {
        var roads = RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson)).Roads;

        Assert.Contains(roads, r => r.Class == RoadClass.Motorway && r.OneWay == OneWay.Forward && r.MaxSpeedKmh == 130);
        Assert.Contains(roads, r => r.Name == "Dunajska cesta" && r.Class == RoadClass.Primary && r.MaxSpeedKmh == 50);
        Assert.Contains(roads, r => r.Name == "Slovenska cesta" && r.Class == RoadClass.Secondary && r.MaxSpeedKmh == 50);
        Assert.Contains(roads, r => r.Name == "Krožišče Bavarski dvor" && r.OneWay == OneWay.Forward);
        Assert.Contains(roads, r => r.Class == RoadClass.Residential && r.OneWay == OneWay.Backward);
        Assert.Contains(roads, r => r.Class == RoadClass.LivingStreet && r.MaxSpeedKmh is null);
        Assert.DoesNotContain(roads, r => r.Name == "Tunel");
    }

    [Fact]
    public void A_broken_feature_in_a_real_export_is_still_refused_naming_it()
    {
        var export = JsonNode.Parse(File.ReadAllText(OsmFixtures.OsmToGeoJson))!;
        export["features"]![10]!["geometry"]!["coordinates"] = new JsonArray(new JsonArray(14.5, 46.05));

        var error = Assert.Throws<RoadFormatException>(() =>
            RoadGeoJson.Read(export.ToJsonString(), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse }));

        Assert.Equal((10, RoadImportErrorKind.BadGeometry), (error.FeatureIndex, error.Kind));
        Assert.Contains("1 position", error.Message, StringComparison.Ordinal);
    }
}
