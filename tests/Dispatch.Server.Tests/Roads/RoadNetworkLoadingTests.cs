using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Server.Roads;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Roads;

public sealed class RoadNetworkLoadingTests
{
    private static readonly CityModel DemoArea = LiveCluster.SmallCity(grids: 1);

    private const string OneGoodOneBad = """
        { "type": "FeatureCollection", "features": [
          { "type": "Feature", "properties": { "highway": "residential", "oneway": "yes" },
            "geometry": { "type": "LineString", "coordinates": [[117.0, 36.66], [117.01, 36.66]] } },
          { "type": "Feature", "properties": { "highway": "hovercraft_lane" },
            "geometry": { "type": "LineString", "coordinates": [[117.0, 36.67], [117.01, 36.67]] } } ] }
        """;

    private static LoadedRoads Load(RoadNetworkOptions options, CityModel? city = null, string? root = null) =>
        RoadNetworkLoading.Load(options, new RoadSpeedOptions(), cityDemoSeed: 7, city ?? DemoArea, root ?? Path.GetTempPath());

    [Fact]
    public void Without_a_file_a_city_on_the_demo_roads_gets_the_demo_network_of_its_seed()
    {
        var roads = Load(new RoadNetworkOptions());

        Assert.NotNull(roads.Graph);
        Assert.Equal("demo (seed 7)", roads.Source);
        Assert.Equal(DemoRoads.Generate(7).Count, roads.RoadCount);
    }

    [Fact]
    public void Without_a_file_a_city_elsewhere_gets_no_network_unless_asked()
    {
        var elsewhere = new CityModel("Elsewhere", new GeoPoint(30.0, 120.0), [], [], [], []);

        Assert.Null(Load(new RoadNetworkOptions(), elsewhere).Graph);
        Assert.NotNull(Load(new RoadNetworkOptions { Demo = true, DemoSize = 0.1 }, elsewhere).Graph);
    }

    [Fact]
    public void The_demo_network_can_be_turned_off_for_the_demo_city()
    {
        Assert.Null(Load(new RoadNetworkOptions { Demo = false }).Graph);
    }

    [Fact]
    public void A_bad_feature_is_refused_by_default_naming_its_index_kind_and_file()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("roads.geojson"), OneGoodOneBad);

        var error = Assert.Throws<RoadFormatException>(() => Load(new RoadNetworkOptions { File = "roads.geojson" }, root: dir.Path));

        Assert.Equal(1, error.FeatureIndex);
        Assert.Contains("feature 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(RoadImportErrorKind.UnknownHighway), error.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("roads.geojson"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_skip_a_bad_feature_is_left_out_and_listed()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("roads.geojson"), OneGoodOneBad);

        var roads = Load(new RoadNetworkOptions { File = dir.File("roads.geojson"), OnError = RoadImportErrorMode.Skip });

        Assert.Equal(1, roads.RoadCount);
        Assert.Equal(1, Assert.Single(roads.Skipped).FeatureIndex);
        Assert.Contains("1 features skipped", roads.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_no_usable_road_is_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("empty.geojson"), """{ "type": "FeatureCollection", "features": [] }""");

        var error = Assert.Throws<RoadFormatException>(() => Load(new RoadNetworkOptions { File = dir.File("empty.geojson") }));

        Assert.Contains("no usable road", error.Message, StringComparison.Ordinal);
    }
}
