using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadGraphTests
{
    [Fact]
    public void Roads_sharing_a_vertex_meet_in_one_node()
    {
        var graph = Graph(
            Road(RoadClass.Residential, (0, 0), (100, 0), (200, 0)),
            Road(RoadClass.Residential, (100, -100), (100, 0), (100, 100)));

        Assert.Equal(5, graph.NodeCount);
        Assert.Equal(4, graph.SegmentCount);
    }

    [Fact]
    public void Roads_crossing_without_a_shared_vertex_do_not_meet()
    {
        // A bridge over a street: the lines cross in the plane but have no common vertex.
        var graph = Graph(
            Road(RoadClass.Residential, (0, 0), (200, 0)),
            Road(RoadClass.Primary, (100, -100), (100, 100)));

        Assert.Equal(4, graph.NodeCount);
    }

    [Fact]
    public void Endpoints_within_the_join_tolerance_become_one_node()
    {
        var graph = Graph(
            Road(RoadClass.Residential, (0, 0), (100, 0)),
            Road(RoadClass.Residential, (100.2, 0.1), (200, 0)));

        Assert.Equal(3, graph.NodeCount);
    }

    [Fact]
    public void One_way_street_carries_vehicles_one_way_and_pedestrians_both_ways()
    {
        var graph = Graph(Road(RoadClass.Residential, OneWay.Forward, null, (0, 0), (100, 0)));

        Assert.True(double.IsFinite(graph.SegmentForwardSeconds(0, UnitKind.Car)));
        Assert.True(double.IsPositiveInfinity(graph.SegmentBackwardSeconds(0, UnitKind.Car)));
        Assert.True(double.IsPositiveInfinity(graph.SegmentBackwardSeconds(0, UnitKind.Bicycle)));
        Assert.True(double.IsFinite(graph.SegmentBackwardSeconds(0, UnitKind.Foot)));
    }

    [Fact]
    public void Reversed_one_way_street_carries_vehicles_against_the_drawing_direction()
    {
        var graph = Graph(Road(RoadClass.Residential, OneWay.Backward, null, (0, 0), (100, 0)));

        Assert.True(double.IsPositiveInfinity(graph.SegmentForwardSeconds(0, UnitKind.Car)));
        Assert.True(double.IsFinite(graph.SegmentBackwardSeconds(0, UnitKind.Car)));
    }

    [Fact]
    public void Cars_may_not_use_footways_but_pedestrians_may()
    {
        var graph = Graph(Road(RoadClass.Footway, (0, 0), (100, 0)));

        Assert.False(graph.SegmentAllows(0, UnitKind.Car));
        Assert.False(graph.SegmentAllows(0, UnitKind.Motorcycle));
        Assert.True(graph.SegmentAllows(0, UnitKind.Foot));
    }

    [Fact]
    public void Each_unit_kind_has_its_own_speed_on_the_same_road()
    {
        var graph = Graph(Road(RoadClass.Primary, (0, 0), (1000, 0)));

        var seconds = Kinds.All.Select(k => graph.SegmentForwardSeconds(0, k)).ToArray();

        Assert.Equal(seconds.Length, seconds.Distinct().Count());
        Assert.True(seconds[(int)UnitKind.Foot] > seconds[(int)UnitKind.Bicycle]);
        Assert.True(seconds[(int)UnitKind.Bicycle] > seconds[(int)UnitKind.Car]);
    }

    [Fact]
    public void Maxspeed_caps_car_speed_then_the_urban_factor_applies()
    {
        var speeds = new RoadSpeedOptions { UrbanSpeedFactor = 0.5 };
        var graph = RoadGraph.Build(
            [Road(RoadClass.Primary, OneWay.No, 30, (0, 0), (1000, 0)), Road(RoadClass.Primary, (0, 100), (1000, 100))],
            new RoadGraphOptions { Origin = Origin, Speeds = speeds });

        // 1 km at min(60, 30) x 0.5 = 15 km/h, against 60 x 0.5 = 30 km/h without a limit.
        Assert.Equal(240, graph.SegmentForwardSeconds(0, UnitKind.Car), 0);
        Assert.Equal(120, graph.SegmentForwardSeconds(1, UnitKind.Car), 0);
    }

    [Fact]
    public void Snaps_a_point_beside_a_segment_onto_it()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (200, 0)));

        var snap = graph.Snap(At(50, 30), UnitKind.Car, 100);

        Assert.NotNull(snap);
        Assert.Equal(0.25, snap.Value.Fraction, 3);
        Assert.Equal(30, snap.Value.DistanceMeters, 1);
        Assert.Equal(50, snap.Value.X, 1);
        Assert.Equal(0, snap.Value.Y, 1);
        Assert.Equal(0, StraightMeters(snap.Value.SnappedPoint, At(50, 0)), 1);
    }

    [Fact]
    public void Snaps_a_point_beyond_an_end_to_that_end()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (200, 0)));

        var snap = graph.Snap(At(260, 80), UnitKind.Car, 500);

        Assert.NotNull(snap);
        Assert.Equal(1, snap.Value.Fraction);
        Assert.Equal(100, snap.Value.DistanceMeters, 1);
    }

    [Fact]
    public void A_point_farther_than_the_limit_is_too_far_from_any_road()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (200, 0)));

        Assert.Null(graph.Snap(At(100, 300), UnitKind.Car, 250));
        Assert.NotNull(graph.Snap(At(100, 240), UnitKind.Car, 250));
    }

    [Fact]
    public void Snaps_to_the_nearest_of_many_segments_across_grid_cells()
    {
        var roads = Enumerable.Range(0, 20).Select(i => Road(RoadClass.Residential, (i * 100, 0), (i * 100, 1000))).ToArray();
        var graph = Graph(roads);

        var snap = graph.Snap(At(1234, 500), UnitKind.Car, 1000);

        Assert.NotNull(snap);
        Assert.Equal(1200, snap.Value.X, 3);
        Assert.Equal(34, snap.Value.DistanceMeters, 3);
    }

    [Fact]
    public void A_car_snaps_past_a_nearer_footway_to_a_road_it_may_use()
    {
        var graph = Graph(
            Road(RoadClass.Footway, (0, 10), (200, 10)),
            Road(RoadClass.Residential, (0, 60), (200, 60)));

        var car = graph.Snap(At(100, 0), UnitKind.Car, 200);
        var foot = graph.Snap(At(100, 0), UnitKind.Foot, 200);

        Assert.Equal(60, car!.Value.DistanceMeters, 1);
        Assert.Equal(10, foot!.Value.DistanceMeters, 1);
    }

    [Fact]
    public void Csr_adjacency_lists_every_edge_once_from_its_tail_and_once_at_its_head()
    {
        var graph = Graph(
            Road(RoadClass.Residential, OneWay.Forward, null, (0, 0), (100, 0), (100, 100)),
            Road(RoadClass.Footway, (0, 0), (100, 100)));

        for (var n = 0; n < graph.NodeCount; n++)
        {
            for (var i = graph.OutStart[n]; i < graph.OutStart[n + 1]; i++)
            {
                Assert.Equal(n, graph.EdgeFrom[graph.OutEdges[i]]);
            }

            for (var i = graph.InStart[n]; i < graph.InStart[n + 1]; i++)
            {
                Assert.Equal(n, graph.EdgeTo[graph.InEdges[i]]);
            }
        }

        Assert.Equal(graph.EdgeCount, graph.OutEdges.Length);
        Assert.Equal(graph.EdgeCount, graph.InEdges.ToArray().Distinct().Count());
    }
}

public sealed class EmptyRoadGraphTests
{
    [Fact]
    public void Without_roads_every_eta_falls_back_to_the_straight_line_model()
    {
        var graph = RoadGraph.Build([], new RoadGraphOptions { Origin = RoadNetworks.Origin });
        var estimator = new Dispatch.Domain.Eta.RoadEtaEstimator(graph, fallback: new FixedEta(42));

        Assert.Equal(0, graph.NodeCount);
        Assert.Null(graph.Snap(RoadNetworks.Origin, UnitKind.Car, 1000));
        Assert.Equal(42, estimator.EtaSeconds(RoadNetworks.At(0, 500), UnitKind.Car, RoadNetworks.Origin));
    }
}
