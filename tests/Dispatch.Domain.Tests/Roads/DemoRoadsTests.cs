using Dispatch.Domain.City;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Roads;

public sealed class DemoRoadsTests
{
    private static readonly Lazy<IReadOnlyList<RoadFeature>> FullSize = new(() => DemoRoads.Generate(7));

    [Fact]
    public void Full_size_network_has_about_twenty_thousand_roads()
    {
        Assert.InRange(FullSize.Value.Count, 18_000, 22_000);
    }

    [Fact]
    public void Smaller_size_gives_fewer_roads()
    {
        Assert.InRange(DemoRoads.Generate(7, 0.1).Count, 1_000, 2_600);
    }

    [Fact]
    public void Same_seed_gives_the_same_network_and_another_seed_a_different_one()
    {
        var a = RoadGeoJson.Write(DemoRoads.Generate(3, 0.1));
        var b = RoadGeoJson.Write(DemoRoads.Generate(3, 0.1));
        var c = RoadGeoJson.Write(DemoRoads.Generate(4, 0.1));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Written_network_reads_back_without_errors_into_the_same_graph()
    {
        var roads = DemoRoads.Generate(7, 0.2);
        var read = RoadGeoJson.Read(RoadGeoJson.Write(roads), new RoadImportOptions { OnError = RoadImportErrorMode.Refuse });
        var options = new RoadGraphOptions { Origin = DemoCity.JinanCenter };

        var original = RoadGraph.Build(roads, options);
        var roundTrip = RoadGraph.Build(read.Roads, options);

        Assert.Equal(roads.Count, read.Roads.Count);
        Assert.Equal(original.NodeCount, roundTrip.NodeCount);
        Assert.Equal(original.EdgeCount, roundTrip.EdgeCount);
    }

    [Fact]
    public void The_river_is_crossed_by_few_road_bridges_and_some_footbridges()
    {
        var graph = RoadGraph.Build(FullSize.Value, new RoadGraphOptions { Origin = DemoCity.JinanCenter });

        int Crossings(UnitKind kind) => Enumerable.Range(0, graph.SegmentCount).Count(s =>
            graph.SegmentAllows(s, kind) && Side(graph, graph.SegmentStart(s)) != Side(graph, graph.SegmentEnd(s)));

        Assert.InRange(Crossings(UnitKind.Car), 3, 8);
        Assert.True(Crossings(UnitKind.Foot) > Crossings(UnitKind.Car));
    }

    [Fact]
    public void Cars_can_reach_almost_every_node_from_the_centre()
    {
        var graph = RoadGraph.Build(FullSize.Value, new RoadGraphOptions { Origin = DemoCity.JinanCenter });
        var centre = graph.Snap(DemoCity.JinanCenter, UnitKind.Car, 500)!.Value;
        var search = new RoadSearch(graph);
        search.Reset(UnitKind.Car, reversed: false);
        search.Seed(graph.SegmentStart(centre.Segment), 0);
        search.RunTo(double.PositiveInfinity);

        var carNodes = Enumerable.Range(0, graph.SegmentCount).Where(s => graph.SegmentAllows(s, UnitKind.Car))
            .SelectMany(s => new[] { graph.SegmentStart(s), graph.SegmentEnd(s) }).Distinct().ToArray();
        var reached = carNodes.Count(n => double.IsFinite(search.Seconds(n)));

        Assert.True(reached > 0.97 * carNodes.Length, $"{reached} of {carNodes.Length} car nodes reached");
    }

    private static bool Side(RoadGraph graph, int node) => graph.NodeY[node] > DemoRoads.RiverNorthMeters(graph.NodeX[node]);
}
