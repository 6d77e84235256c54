using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadEtaEstimatorPoolTests
{
    /// <summary>A 2 km square lattice of streets 200 m apart, every third one-way.</summary>
    private static RoadGraph Lattice()
    {
        var roads = new List<RoadFeature>();
        for (var i = 0; i <= 10; i++)
        {
            var oneWay = i % 3 == 0 ? OneWay.Forward : OneWay.No;
            roads.Add(Road(RoadClass.Residential, oneWay, null, (i * 200.0, 0), (i * 200.0, 2000)));
            roads.Add(Road(RoadClass.Secondary, oneWay, null, (0, i * 200.0), (2000, i * 200.0)));
        }

        return Graph([.. roads]);
    }

    private static (GeoPoint Destination, EtaOrigin[] Origins)[] Queries(int seed, int count)
    {
        var random = new Random(seed);
        GeoPoint Anywhere() => At(random.NextDouble() * 2000, random.NextDouble() * 2000);
        return [.. Enumerable.Range(0, count).Select(_ => (Anywhere(), Enumerable.Range(0, 12)
            .Select(k => new EtaOrigin(Anywhere(), (UnitKind)(k % 4))).ToArray()))];
    }

    [Fact]
    public void Concurrent_calls_give_the_same_etas_as_one_estimator_alone()
    {
        var graph = Lattice();
        var queries = Queries(seed: 5, count: 200);
        var alone = new RoadEtaEstimator(graph);
        var expected = queries.Select(q =>
        {
            var eta = new double[q.Origins.Length];
            alone.EstimateTo(q.Destination, q.Origins, eta);
            return eta;
        }).ToArray();
        var pool = new RoadEtaEstimatorPool(graph, maxIdle: 3);
        var actual = new double[queries.Length][];

        // Each destination asked twice from different threads, so borrowed estimators switch destinations often.
        Parallel.For(0, queries.Length * 2, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var q = queries[i % queries.Length];
            var eta = new double[q.Origins.Length];
            pool.EstimateTo(q.Destination, q.Origins, eta);
            actual[i % queries.Length] = eta;
        });

        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void The_pool_keeps_at_most_its_idle_limit_of_estimators()
    {
        var graph = Lattice();
        var pool = new RoadEtaEstimatorPool(graph, maxIdle: 2);
        var queries = Queries(seed: 6, count: 64);

        Parallel.ForEach(queries, new ParallelOptions { MaxDegreeOfParallelism = 8 }, q =>
            pool.EstimateTo(q.Destination, q.Origins, new double[q.Origins.Length]));

        Assert.InRange(pool.IdleCount, 1, 2);
    }

    [Fact]
    public void Bad_options_are_refused_when_the_pool_is_made_not_on_the_first_dispatch()
    {
        var error = Assert.Throws<ArgumentException>(() => new RoadEtaEstimatorPool(Lattice(), new RoadEtaOptions { MaxSearchSeconds = 0 }));

        Assert.Contains("MaxSearchSeconds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fastest_speed_is_the_fastest_road_class_after_the_urban_factor()
    {
        var speeds = new RoadSpeedOptions { UrbanSpeedFactor = 0.5 };
        speeds.CarKmh[RoadClass.Motorway] = 130;
        speeds.BicycleKmh[RoadClass.Cycleway] = 30;

        Assert.Equal(65, speeds.FastestKmh(), precision: 9);
        speeds.BicycleKmh[RoadClass.Cycleway] = 70;
        Assert.Equal(70, speeds.FastestKmh(), precision: 9);
    }
}
