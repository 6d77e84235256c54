using Dispatch.Domain.Eta;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadEtaEstimatorTests
{
    private static RoadEtaEstimator Estimator(RoadGraph graph, double maxSearchSeconds = 1e9, bool beyondIsUnreachable = true, double fallbackSeconds = 12345) =>
        new(graph, new RoadEtaOptions { MaxSearchSeconds = maxSearchSeconds, BeyondBoundIsUnreachable = beyondIsUnreachable, DirectAccessMeters = 0 }, new FixedEta(fallbackSeconds));

    [Fact]
    public void Ranking_the_same_units_for_many_incidents_gives_the_etas_a_fresh_estimator_gives()
    {
        // A small grid of streets with a one-way in it; units of every kind ranked for one incident after another,
        // some of them moving between incidents: the road positions the estimator keeps must never go stale.
        var graph = Graph(
            Road(RoadClass.Residential, (0, 0), (500, 0), (1000, 0)),
            Road(RoadClass.Residential, OneWay.Forward, null, (0, 500), (500, 500), (1000, 500)),
            Road(RoadClass.Primary, (0, 0), (0, 500)),
            Road(RoadClass.Residential, (500, 0), (500, 500)),
            Road(RoadClass.Footway, (1000, 0), (1000, 500)));
        var kept = Estimator(graph);
        var random = new Random(5);
        var units = Enumerable.Range(0, 40)
            .Select(i => new EtaOrigin(At(random.NextDouble() * 1000, random.NextDouble() * 500), (UnitKind)(i % 4)))
            .ToArray();

        for (var incident = 0; incident < 30; incident++)
        {
            var destination = At(random.NextDouble() * 1000, random.NextDouble() * 500);
            var eta = new double[units.Length];
            var fresh = new double[units.Length];

            kept.EstimateTo(destination, units, eta);
            Estimator(graph).EstimateTo(destination, units, fresh);

            Assert.Equal(fresh, eta);
            var moved = random.Next(units.Length);
            units[moved] = units[moved] with { Position = At(random.NextDouble() * 1000, random.NextDouble() * 500) };
        }

        // One road position per unit position and kind seen: 40 units plus the 29 moves (at most; a repeat is one entry).
        Assert.InRange(kept.OriginSnapCount, 40, 69);
    }

    [Fact]
    public void The_kept_road_positions_start_again_when_full()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (1000, 0)));
        var estimator = Estimator(graph);

        for (var i = 0; i <= RoadEtaEstimator.OriginSnapCapacity; i++)
        {
            estimator.EtaSeconds(At(i * (1000.0 / RoadEtaEstimator.OriginSnapCapacity), 10), UnitKind.Car, At(500, 0));
        }

        Assert.Equal(1, estimator.OriginSnapCount);
    }

    [Fact]
    public void A_unit_a_few_metres_away_goes_straight_over_when_the_roads_loop_far_around()
    {
        // Two dead ends 40 m apart, joined by road only at the far end: 3.8 km round.
        var graph = Graph(
            Road(RoadClass.Residential, (0, 0), (0, 500), (1000, 500), (1000, 0)),
            Road(RoadClass.Residential, (40, 0), (40, 400), (960, 400), (960, 0), (1000, 0)));
        var options = new RoadEtaOptions { DirectAccessMeters = 60, MaxSearchSeconds = 1e6 };

        var near = new RoadEtaEstimator(graph, options, new FixedEta(999)).EtaSeconds(At(40, 0), UnitKind.Foot, At(0, 0));
        options.DirectAccessMeters = 0;
        var roadOnly = new RoadEtaEstimator(graph, options, new FixedEta(999)).EtaSeconds(At(40, 0), UnitKind.Foot, At(0, 0));

        Assert.Equal(40 / (4.5 / 3.6), near, 3);
        Assert.Equal(3760 / (5 / 3.6), roadOnly, 3);
    }

    [Fact]
    public void On_a_one_way_street_the_straight_line_nearest_car_is_not_the_fastest()
    {
        // A one-way street eastbound along y = 0; the only way back west is the loop through y = 300.
        var graph = Graph(
            Road(RoadClass.Residential, OneWay.Forward, null, (0, 0), (300, 0), (500, 0), (1000, 0)),
            Road(RoadClass.Residential, (1000, 0), (1000, 300)),
            Road(RoadClass.Residential, (1000, 300), (300, 300), (0, 300)),
            Road(RoadClass.Residential, (0, 300), (0, 0)));
        var incident = At(300, 0);
        var wrongSide = new EtaOrigin(At(500, 0), UnitKind.Car);
        var aroundTheBlock = new EtaOrigin(At(300, 300), UnitKind.Car);
        var eta = new double[2];

        Estimator(graph).EstimateTo(incident, [wrongSide, aroundTheBlock], eta);

        Assert.True(StraightMeters(wrongSide.Position, incident) < StraightMeters(aroundTheBlock.Position, incident));
        Assert.True(eta[1] < eta[0], $"around the block {eta[1]:F0} s should beat the wrong side of the one-way {eta[0]:F0} s");
        var carMetersPerSecond = 30 * 0.6 / 3.6;
        Assert.Equal(2400 / carMetersPerSecond, eta[0], 3);
        Assert.Equal(900 / carMetersPerSecond, eta[1], 3);
    }

    [Fact]
    public void On_foot_the_one_way_street_is_walked_straight_back()
    {
        var graph = Graph(
            Road(RoadClass.Residential, OneWay.Forward, null, (0, 0), (300, 0), (500, 0), (1000, 0)),
            Road(RoadClass.Residential, (1000, 0), (1000, 300), (0, 300), (0, 0)));

        var seconds = Estimator(graph).EtaSeconds(At(500, 0), UnitKind.Foot, At(300, 0));

        Assert.Equal(200 / (5 / 3.6), seconds, 3);
    }

    [Fact]
    public void Across_a_river_the_straight_line_nearest_unit_is_not_the_fastest()
    {
        // Banks at y = -50 and y = 150; the only bridge is 1.8 km east of the incident.
        var graph = Graph(
            Road(RoadClass.Secondary, (0, -50), (200, -50), (1000, -50), (2000, -50)),
            Road(RoadClass.Secondary, (0, 150), (200, 150), (2000, 150)),
            Road(RoadClass.Secondary, (2000, -50), (2000, 150)));
        var incident = At(200, -50);
        var acrossTheRiver = new EtaOrigin(At(200, 150), UnitKind.Car);
        var sameBank = new EtaOrigin(At(1000, -50), UnitKind.Car);
        var eta = new double[2];

        Estimator(graph).EstimateTo(incident, [acrossTheRiver, sameBank], eta);

        Assert.True(StraightMeters(acrossTheRiver.Position, incident) < StraightMeters(sameBank.Position, incident));
        Assert.True(eta[1] < eta[0]);
        var carMetersPerSecond = 50 * 0.6 / 3.6;
        Assert.Equal(3800 / carMetersPerSecond, eta[0], 3);
    }

    [Fact]
    public void Adds_off_road_access_time_at_both_ends()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (1000, 0)));

        var seconds = Estimator(graph).EtaSeconds(At(100, 40), UnitKind.Car, At(700, -30));

        var expected = (600 / (30 * 0.6 / 3.6)) + (70 / (10 / 3.6));
        Assert.Equal(expected, seconds, 3);
    }

    [Fact]
    public void A_unit_too_far_from_any_road_gets_the_fallback_estimate()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (1000, 0)));
        var fallback = new FixedEta(777);
        var estimator = new RoadEtaEstimator(graph, new RoadEtaOptions { MaxSnapDistanceMeters = 200 }, fallback);

        var seconds = estimator.EtaSeconds(At(500, 900), UnitKind.Car, At(100, 0));

        Assert.Equal(777, seconds);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void A_unit_beyond_the_search_bound_gets_at_least_the_bound()
    {
        var graph = Graph(Road(RoadClass.Residential, (0, 0), (5000, 0)));
        var options = new RoadEtaOptions { MaxSearchSeconds = 300 };

        var slowFallback = new RoadEtaEstimator(graph, options, new FixedEta(900)).EtaSeconds(At(5000, 0), UnitKind.Car, At(0, 0));
        var fastFallback = new RoadEtaEstimator(graph, options, new FixedEta(60)).EtaSeconds(At(5000, 0), UnitKind.Car, At(0, 0));
        options.BeyondBoundIsUnreachable = true;
        var unreachable = new RoadEtaEstimator(graph, options, new FixedEta(60)).EtaSeconds(At(5000, 0), UnitKind.Car, At(0, 0));

        Assert.Equal(900, slowFallback);
        Assert.Equal(300, fastFallback);
        Assert.True(double.IsPositiveInfinity(unreachable));
    }

    [Fact]
    public void Units_of_different_kinds_in_one_call_each_get_their_own_speed()
    {
        var graph = Graph(Road(RoadClass.Primary, (0, 0), (1000, 0)));
        EtaOrigin[] origins = [.. Kinds.All.Select(k => new EtaOrigin(At(1000, 0), k))];
        var eta = new double[origins.Length];

        Estimator(graph).EstimateTo(At(0, 0), origins, eta);

        for (var i = 0; i < origins.Length; i++)
        {
            Assert.Equal(graph.SegmentBackwardSeconds(0, origins[i].Kind), eta[i], 6);
        }
    }

    [Fact]
    public void Origin_and_destination_on_the_same_segment_travel_directly_when_the_direction_allows()
    {
        var graph = Graph(
            Road(RoadClass.Residential, OneWay.Forward, null, (0, 0), (1000, 0)),
            Road(RoadClass.Residential, (1000, 0), (1000, 200), (0, 200), (0, 0)));
        var estimator = Estimator(graph);
        var metersPerSecond = 30 * 0.6 / 3.6;

        Assert.Equal(400 / metersPerSecond, estimator.EtaSeconds(At(200, 0), UnitKind.Car, At(600, 0)), 3);
        Assert.Equal((400 + 200 + 1000 + 200 + 200) / metersPerSecond, estimator.EtaSeconds(At(600, 0), UnitKind.Car, At(200, 0)), 3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Eta_between_nodes_equals_a_brute_force_shortest_path_on_random_graphs(int seed)
    {
        var random = new Random(seed);
        var roads = RandomRoads(random, side: 7, roadCount: 70);
        var graph = Graph(roads);
        var nodes = Enumerable.Range(0, graph.NodeCount).ToArray();
        random.Shuffle(nodes);

        foreach (var kind in Kinds.All)
        {
            var estimator = Estimator(graph);
            foreach (var destination in nodes.Take(4))
            {
                var origins = nodes.Select(n => new EtaOrigin(graph.NodePosition(n), kind)).ToArray();
                var eta = new double[origins.Length];
                estimator.EstimateTo(graph.NodePosition(destination), origins, eta);
                var usable = Enumerable.Range(0, graph.SegmentCount).Any(s => graph.SegmentAllows(s, kind)
                    && (graph.SegmentStart(s) == destination || graph.SegmentEnd(s) == destination));

                for (var i = 0; i < nodes.Length; i++)
                {
                    var originUsable = Enumerable.Range(0, graph.SegmentCount).Any(s => graph.SegmentAllows(s, kind)
                        && (graph.SegmentStart(s) == nodes[i] || graph.SegmentEnd(s) == nodes[i]));
                    if (!usable || !originUsable)
                    {
                        continue; // the node lies only on roads this kind may not use: it snaps elsewhere
                    }

                    var expected = BellmanFord(graph, kind, nodes[i])[destination];
                    if (double.IsPositiveInfinity(expected))
                    {
                        Assert.True(double.IsPositiveInfinity(eta[i]), $"{kind} {nodes[i]}->{destination}: expected unreachable, got {eta[i]}");
                    }
                    else
                    {
                        Assert.Equal(expected, eta[i], 6);
                    }
                }
            }
        }
    }

    [Fact]
    public void Asking_again_for_the_same_incident_in_another_order_gives_the_same_etas()
    {
        var random = new Random(11);
        var graph = Graph(RandomRoads(random, side: 8, roadCount: 100));
        var origins = Enumerable.Range(0, 30)
            .Select(i => new EtaOrigin(At(random.NextDouble() * 700, random.NextDouble() * 700), Kinds.All[i % 4]))
            .ToArray();
        var destination = At(350, 350);
        var fresh = new double[origins.Length];
        Estimator(graph).EstimateTo(destination, origins, fresh);

        var reused = Estimator(graph);
        var reversed = origins.Reverse().ToArray();
        var first = new double[origins.Length];
        reused.EstimateTo(destination, reversed.Take(5).ToArray(), first.AsSpan(0, 5));
        reused.EstimateTo(destination, reversed, first);

        Assert.Equal(fresh, first.Reverse());
    }

    /// <summary>Roads between random neighbouring points of a 100 m lattice, with random classes and one-way rules.</summary>
    internal static RoadFeature[] RandomRoads(Random random, int side, int roadCount)
    {
        RoadClass[] classes = [RoadClass.Primary, RoadClass.Residential, RoadClass.Footway, RoadClass.Motorway, RoadClass.Cycleway, RoadClass.Steps];
        var roads = new List<RoadFeature>();
        while (roads.Count < roadCount)
        {
            var x = random.Next(side);
            var y = random.Next(side);
            var dx = random.Next(-1, 2);
            var dy = random.Next(-1, 2);
            if ((dx == 0 && dy == 0) || x + dx < 0 || y + dy < 0 || x + dx >= side || y + dy >= side)
            {
                continue;
            }

            var oneWay = (OneWay)random.Next(3);
            var roadClass = classes[random.Next(classes.Length)];
            roads.Add(Road(roadClass, oneWay, random.Next(4) == 0 ? 20 : null, (x * 100, y * 100), ((x + dx) * 100, (y + dy) * 100)));
        }

        return [.. roads];
    }

    /// <summary>Shortest travel seconds from <paramref name="source"/> to every node, by repeated relaxation of every edge.</summary>
    private static double[] BellmanFord(RoadGraph graph, UnitKind kind, int source)
    {
        var seconds = Enumerable.Repeat(double.PositiveInfinity, graph.NodeCount).ToArray();
        seconds[source] = 0;
        var edgeSeconds = graph.EdgeSeconds(kind).ToArray();
        for (var round = 0; round < graph.NodeCount; round++)
        {
            var changed = false;
            for (var e = 0; e < graph.EdgeCount; e++)
            {
                var candidate = seconds[graph.EdgeFrom[e]] + edgeSeconds[e];
                if (candidate < seconds[graph.EdgeTo[e]])
                {
                    seconds[graph.EdgeTo[e]] = candidate;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return seconds;
    }
}
