using Dispatch.Domain.Eta;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Roads;

/// <summary>
/// Road ETAs between points in the middle of roads against Bellman-Ford on an edge list built here
/// straight from the road features, with the two points inserted as extra nodes.
/// </summary>
public sealed class RoadEtaBruteForceTests
{
    private static readonly RoadSpeedOptions Speeds = new();

    private sealed record Line((int X, int Y) A, (int X, int Y) B, RoadClass Class, OneWay OneWay, double? MaxSpeedKmh);

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(24)]
    public void Eta_between_points_along_roads_equals_brute_force(int seed)
    {
        var random = new Random(seed);
        var lines = RandomLines(random, side: 6, count: 45);
        var graph = Graph([.. lines.Select(l => Road(l.Class, l.OneWay, l.MaxSpeedKmh, (l.A.X * 100.0, l.A.Y * 100.0), (l.B.X * 100.0, l.B.Y * 100.0)))]);
        var estimator = new RoadEtaEstimator(graph, new RoadEtaOptions { MaxSearchSeconds = 1e9, BeyondBoundIsUnreachable = true, DirectAccessMeters = 0 }, new FixedEta(-1));

        var checkedPairs = 0;
        foreach (var kind in Kinds.All)
        {
            var usable = Enumerable.Range(0, lines.Count).Where(i => Seconds(lines[i], kind) > 0).ToArray();
            if (usable.Length == 0)
            {
                continue;
            }

            for (var trial = 0; trial < 15; trial++)
            {
                var origin = (Line: usable[random.Next(usable.Length)], Fraction: 0.1 + (0.35 * random.NextDouble()));
                var destination = (Line: usable[random.Next(usable.Length)], Fraction: 0.55 + (0.35 * random.NextDouble()));
                var expected = BruteForce(lines, kind, origin, destination);
                var actual = estimator.EtaSeconds(PointOn(lines[origin.Line], origin.Fraction), kind, PointOn(lines[destination.Line], destination.Fraction));

                if (double.IsPositiveInfinity(expected))
                {
                    Assert.True(double.IsPositiveInfinity(actual), $"{kind}: expected unreachable, got {actual}");
                }
                else
                {
                    Assert.Equal(expected, actual, 4);
                }

                checkedPairs++;
            }
        }

        Assert.True(checkedPairs >= 45);
    }

    /// <summary>Distinct lattice edges (no two roads on the same pair of points, so a point lies on one road only).</summary>
    private static List<Line> RandomLines(Random random, int side, int count)
    {
        RoadClass[] classes = [RoadClass.Primary, RoadClass.Residential, RoadClass.Footway, RoadClass.Motorway, RoadClass.Cycleway];
        var lines = new List<Line>();
        var taken = new HashSet<((int, int), (int, int))>();
        while (lines.Count < count)
        {
            var a = (random.Next(side), random.Next(side));
            var (dx, dy) = random.Next(2) == 0 ? (1, 0) : (0, 1);
            var b = (a.Item1 + dx, a.Item2 + dy);
            if (b.Item1 >= side || b.Item2 >= side || !taken.Add((a, b)))
            {
                continue;
            }

            lines.Add(new Line(a, b, classes[random.Next(classes.Length)], (OneWay)random.Next(3), random.Next(3) == 0 ? 25 : null));
        }

        return lines;
    }

    private static Dispatch.Domain.Geo.GeoPoint PointOn(Line line, double fraction) =>
        At(((line.A.X + (fraction * (line.B.X - line.A.X))) * 100), ((line.A.Y + (fraction * (line.B.Y - line.A.Y))) * 100));

    /// <summary>Seconds for the whole 100 m line, or 0 when the kind may not use it.</summary>
    private static double Seconds(Line line, UnitKind kind)
    {
        var speed = Speeds.MetersPerSecond(line.Class, kind, line.MaxSpeedKmh);
        return speed > 0 ? 100 / speed : 0;
    }

    private static double BruteForce(List<Line> lines, UnitKind kind, (int Line, double Fraction) origin, (int Line, double Fraction) destination)
    {
        // Nodes: lattice points by key, then the origin and the destination.
        var ids = new Dictionary<(int, int), int>();
        int Id((int, int) p) => ids.TryGetValue(p, out var id) ? id : ids[p] = ids.Count;
        const int Origin = 1_000_000;
        const int Destination = 1_000_001;
        var edges = new List<(int From, int To, double Seconds)>();

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var whole = Seconds(line, kind);
            if (whole == 0)
            {
                continue;
            }

            // Cut points along this line, in order from A to B.
            var stops = new List<(double Fraction, int Node)> { (0, Id(line.A)) };
            if (i == origin.Line)
            {
                stops.Add((origin.Fraction, Origin));
            }

            if (i == destination.Line)
            {
                stops.Add((destination.Fraction, Destination));
            }

            stops.Add((1, Id(line.B)));
            stops.Sort((p, q) => p.Fraction.CompareTo(q.Fraction));
            for (var s = 0; s + 1 < stops.Count; s++)
            {
                var seconds = (stops[s + 1].Fraction - stops[s].Fraction) * whole;
                var forward = line.OneWay != OneWay.Backward || kind == UnitKind.Foot;
                var backward = line.OneWay != OneWay.Forward || kind == UnitKind.Foot;
                if (forward)
                {
                    edges.Add((stops[s].Node, stops[s + 1].Node, seconds));
                }

                if (backward)
                {
                    edges.Add((stops[s + 1].Node, stops[s].Node, seconds));
                }
            }
        }

        var best = new Dictionary<int, double> { [Origin] = 0 };
        for (var round = 0; round < ids.Count + 2; round++)
        {
            foreach (var (from, to, seconds) in edges)
            {
                if (best.TryGetValue(from, out var reached) && reached + seconds < best.GetValueOrDefault(to, double.PositiveInfinity))
                {
                    best[to] = reached + seconds;
                }
            }
        }

        return best.GetValueOrDefault(Destination, double.PositiveInfinity);
    }
}
