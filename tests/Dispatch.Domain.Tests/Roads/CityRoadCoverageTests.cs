using Dispatch.Domain.City;
using Dispatch.Domain.Roads;
using Dispatch.Testing;

namespace Dispatch.Domain.Tests.Roads;

public sealed class CityRoadCoverageTests
{
    [Fact]
    public void The_demo_roads_reach_all_of_the_demo_city()
    {
        var city = DemoCity.Generate(7);

        var coverage = CityRoadCoverage.Measure(RoadGraph.Build(DemoRoads.Generate(7, 0.3), new RoadGraphOptions { Origin = city.Center }), city);

        Assert.True(coverage.Share > 0.95, coverage.Describe());
        Assert.True(coverage.SampleCount > 1000, coverage.Describe());
    }

    [Fact]
    public void Roads_of_another_country_reach_none_of_the_city()
    {
        var city = DemoCity.Generate(7);
        var ljubljana = RoadGeoJson.Read(File.ReadAllText(OsmFixtures.OsmToGeoJson)).Roads;

        var coverage = CityRoadCoverage.Measure(RoadGraph.Build(ljubljana, new RoadGraphOptions { Origin = city.Center }), city);

        Assert.Equal(0, coverage.Share);
        Assert.StartsWith("roads within 250 m of 0% of the city", coverage.Describe(), StringComparison.Ordinal);
    }
}
