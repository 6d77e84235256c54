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

    /// <summary>A road, then one whose line has a single point: broken data.</summary>
    private const string OneGoodOneBroken = """
        { "type": "FeatureCollection", "features": [
          { "type": "Feature", "properties": { "highway": "residential", "oneway": "yes" },
            "geometry": { "type": "LineString", "coordinates": [[117.0, 36.66], [117.01, 36.66]] } },
          { "type": "Feature", "properties": { "highway": "residential" },
            "geometry": { "type": "LineString", "coordinates": [[117.0, 36.67]] } } ] }
        """;

    /// <summary>A city laid over the Ljubljana fixture, as the simulator's city command makes one.</summary>
    private static readonly CityModel Ljubljana = RoadCity.Generate(
        RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson)).Roads, new RoadCityOptions { Seed = 3, Name = "Ljubljana" });

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
    public void A_broken_feature_is_refused_by_default_naming_its_index_kind_and_file()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("roads.geojson"), OneGoodOneBroken);

        var error = Assert.Throws<RoadFormatException>(() => Load(new RoadNetworkOptions { File = "roads.geojson" }, root: dir.Path));

        Assert.Equal(1, error.FeatureIndex);
        Assert.Contains("feature 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(RoadImportErrorKind.BadGeometry), error.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("roads.geojson"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_skip_a_broken_feature_is_left_out_and_listed()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("roads.geojson"), OneGoodOneBroken);

        var roads = Load(new RoadNetworkOptions { File = dir.File("roads.geojson"), OnError = RoadImportErrorMode.Skip, MinCityCoverage = 0 });

        Assert.Equal(1, roads.RoadCount);
        Assert.Equal(1, Assert.Single(roads.Skipped).FeatureIndex);
        Assert.Contains("1 broken features skipped", roads.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_osm_export_loads_with_the_default_settings_and_says_what_it_left_out_and_how_much_of_the_city_it_reaches()
    {
        var roads = Load(new RoadNetworkOptions { File = OsmFixtures.OsmToGeoJson }, Ljubljana);

        Assert.NotNull(roads.Graph);
        Assert.Equal(OsmFixtures.Roads, roads.RoadCount);
        Assert.Empty(roads.Skipped);
        Assert.True(roads.Coverage!.Share >= 0.9, roads.Coverage.Describe());
        Assert.Null(roads.Warning);
        var described = roads.Describe();
        Assert.Contains("37 features a router does not use left out (21 point, 4 area, 4 highway=platform", described, StringComparison.Ordinal);
        Assert.Contains("6 tag values not understood and dropped (6 maxspeed \"walk\")", described, StringComparison.Ordinal);
        Assert.Contains("% of the city", described, StringComparison.Ordinal);
    }

    [Fact]
    public void Roads_of_another_place_are_refused_saying_how_little_of_the_city_they_reach_and_how_to_go_on()
    {
        var error = Assert.Throws<RoadFormatException>(() => Load(new RoadNetworkOptions { File = OsmFixtures.OsmToGeoJson }, DemoArea));

        Assert.Contains("reaches only 0% of the city", error.Message, StringComparison.Ordinal);
        Assert.Contains("Dispatch:Roads:MinCityCoverage = 50%", error.Message, StringComparison.Ordinal);
        Assert.Contains("city --roads FILE --out city.geojson", error.Message, StringComparison.Ordinal);
        Assert.Contains("Dispatch:Roads:OnLowCoverage=Warn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Told_to_warn_the_host_starts_on_roads_of_another_place_with_a_warning()
    {
        var roads = Load(new RoadNetworkOptions { File = OsmFixtures.OsmToGeoJson, OnLowCoverage = LowRoadCoverage.Warn }, DemoArea);

        Assert.NotNull(roads.Graph);
        Assert.Equal(0, roads.Coverage!.Share);
        Assert.Contains("reaches only 0% of the city", roads.Warning, StringComparison.Ordinal);
        Assert.Contains("WARNING: the road network", roads.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_demo_network_reaches_the_whole_demo_area()
    {
        var roads = Load(new RoadNetworkOptions { DemoSize = 0.3 });

        Assert.True(roads.Coverage!.Share > 0.95, roads.Coverage.Describe());
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

/// <summary>The whole host on another city's streets: a real export and the city the simulator lays over it.</summary>
public sealed class ForeignCityHostTests
{
    [Fact]
    public async Task The_host_runs_on_an_osm_export_with_a_city_generated_from_it_and_covers_it()
    {
        using var dir = new TempDirectory();
        var city = RoadCity.Generate(RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson)).Roads, new RoadCityOptions { Seed = 4, Name = "Ljubljana" });
        File.WriteAllText(dir.File("city.geojson"), CityGeoJson.Write(city));
        await using var host = new DispatchServerFactory(new Dictionary<string, string?>
        {
            ["Dispatch:City:Path"] = dir.File("city.geojson"),
            ["Dispatch:Roads:File"] = OsmFixtures.OsmToGeoJson,
        });
        using var http = await host.SignedInClientAsync(TestAccounts.Viewer);

        using var coverage = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/coverage?cells=false", TestContext.Current.CancellationToken));
        var roads = host.Services.GetService(typeof(LoadedRoads)) as LoadedRoads;

        Assert.Equal(OsmFixtures.Roads, roads!.RoadCount);
        Assert.Equal(city.Grids.Count, coverage.RootElement.GetProperty("grids").GetArrayLength());
        // Three minutes reach most of a city whose every grid has its station and five units on its streets.
        Assert.True(coverage.RootElement.GetProperty("cityShare")[1].GetDouble() > 0.5, coverage.RootElement.GetProperty("cityShare").ToString());
    }
}
