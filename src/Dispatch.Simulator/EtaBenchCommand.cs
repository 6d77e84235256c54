using System.Diagnostics;
using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;

namespace Dispatch.Simulator;

/// <summary>
/// Times the road ETA for one incident against every unit of the city (one reversed search per
/// unit kind), for random incidents over the demo area, and prints p50/p99. <c>--moved N</c> moves N units
/// to new positions before each incident, as position reports do between two decisions of a zone
/// (2,000 units at 1 Hz and 150 decisions/s: about 13).
/// </summary>
public static class EtaBenchCommand
{
    public static int Run(CommandLine options)
    {
        options.Allow("seed", "roads", "size", "queries", "units", "moved");
        var seed = options.Int("seed", 7);
        var queries = Math.Max(1, options.Int("queries", 1000));
        var unitCount = Math.Max(1, options.Int("units", 300));
        var moved = Math.Clamp(options.Int("moved", 0), 0, unitCount);
        var clock = Stopwatch.StartNew();
        var roads = RoadNetworkSource.Load(options.ExistingFile("roads"), seed, options.Double("size", 1.0));
        var loaded = clock.Elapsed;
        var graph = RoadNetworkSource.Build(roads);
        var built = clock.Elapsed - loaded;

        var random = new Random(seed);
        var origins = Enumerable.Range(0, unitCount).Select(_ => new EtaOrigin(RandomPoint(random), RandomKind(random))).ToArray();
        var estimator = new RoadEtaEstimator(graph);
        var eta = new double[origins.Length];

        // Warm-up so the JIT is not measured.
        for (var i = 0; i < 20; i++)
        {
            estimator.EstimateTo(RandomPoint(random), origins, eta);
        }

        var milliseconds = new double[queries];
        long settled = 0;
        var reached = 0;
        for (var q = 0; q < queries; q++)
        {
            var incident = RandomPoint(random);
            for (var m = 0; m < moved; m++)
            {
                var unit = random.Next(origins.Length);
                origins[unit] = origins[unit] with { Position = RandomPoint(random) };
            }

            var start = Stopwatch.GetTimestamp();
            estimator.EstimateTo(incident, origins, eta);
            milliseconds[q] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            settled += estimator.SettledNodes;
            reached += eta.Count(e => e < 300);
        }

        Array.Sort(milliseconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"roads={roads.Count} nodes={graph.NodeCount} edges={graph.EdgeCount} load_ms={loaded.TotalMilliseconds:F0} build_ms={built.TotalMilliseconds:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"eta queries={queries} units={unitCount} moved_per_query={moved} p50_ms={Percentile(milliseconds, 0.50):F2} p99_ms={Percentile(milliseconds, 0.99):F2} max_ms={milliseconds[^1]:F2} mean_settled_nodes={settled / (double)queries:F0} units_within_300s={reached / (double)queries:F1}"));
        return 0;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static GeoPoint RandomPoint(Random random) => GreatCircle.Offset(
        DemoCity.JinanCenter,
        (random.NextDouble() - 0.5) * DemoRoads.HeightMeters,
        (random.NextDouble() - 0.5) * DemoRoads.WidthMeters);

    private static UnitKind RandomKind(Random random) => random.NextDouble() switch
    {
        < 0.60 => UnitKind.Car,
        < 0.75 => UnitKind.Motorcycle,
        < 0.87 => UnitKind.Bicycle,
        _ => UnitKind.Foot,
    };
}
