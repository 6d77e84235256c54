using System.Text.Json;
using Dispatch.Domain.City;
using Dispatch.Domain.Coverage;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Coverage;

public sealed class CoverageTests
{
    // Residential street: 30 km/h x 0.6 = 5 m/s by car, so 60 s = 300 m, 180 s = 900 m, 300 s = 1500 m.
    private const double CarMetersPerSecond = 5;

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    /// <summary>Grids 1 km long and 20 m wide along a street at y = 10, so every sample point lies on the street.</summary>
    internal static GridSpec[] StripGrids(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Strip($"G-{i + 1}", i * 1000, (i + 1) * 1000))];

    private static GridSpec Strip(string id, double west, double east)
    {
        var corners = new[] { (west, 0.0), (east, 0.0), (east, 20.0), (west, 20.0), (west, 0.0) }
            .Select(c => At(c.Item1, c.Item2))
            .Select(p => new Coordinate(p.Longitude, p.Latitude))
            .ToArray();
        return new GridSpec(id, id, $"S-{id}", Factory.CreatePolygon(corners));
    }

    internal static CoverageMap StripMap(int grids, OneWay oneWay = OneWay.No) =>
        new(Graph(Road(RoadClass.Residential, oneWay, null, (0, 10), (grids * 1000, 10))), StripGrids(grids), new CoverageOptions { SampleSpacingMeters = 20 });

    [Fact]
    public void Covered_share_per_tier_follows_the_distance_driven_in_time()
    {
        var map = StripMap(2);

        var report = map.Evaluate([new CoverageSource(At(0, 10), UnitKind.Car)]);

        Assert.Equal(100, map.SampleCount);
        Assert.Equal([300 / 1000.0, 900 / 1000.0, 1.0], report.Grids[0].CoveredShare);
        Assert.Equal([0.0, 0.0, (1500 - 1000) / 1000.0], report.Grids[1].CoveredShare);
        Assert.Equal(["G-1"], report.CoveredGrids(1));
    }

    [Fact]
    public void Sample_seconds_are_the_fastest_of_several_sources()
    {
        var map = StripMap(2);

        var report = map.Evaluate([new CoverageSource(At(0, 10), UnitKind.Car), new CoverageSource(At(2000, 10), UnitKind.Foot)]);

        // The sample at x = 1990 is 10 m from the officer on foot and 1990 m from the car.
        Assert.Equal(10 / (5 / 3.6), report.SampleSeconds[99], 3);
        Assert.Equal(10 / CarMetersPerSecond, report.SampleSeconds[0], 3);
    }

    [Fact]
    public void One_way_street_limits_coverage_to_the_drivable_direction_but_not_on_foot()
    {
        var map = StripMap(2, OneWay.Backward);

        var car = map.Evaluate([new CoverageSource(At(1000, 10), UnitKind.Car)]);
        var foot = map.Evaluate([new CoverageSource(At(1000, 10), UnitKind.Foot)]);

        Assert.Equal(0, car.Grids[1].CoveredShare[2]);
        Assert.True(car.Grids[0].CoveredShare[2] > 0.9);
        Assert.True(foot.Grids[1].CoveredShare[2] > 0);
    }

    [Fact]
    public void Grids_that_lose_three_minute_coverage_when_a_unit_is_busy_are_listed()
    {
        var map = StripMap(3);
        CoverageSource west = new(At(500, 10), UnitKind.Car);
        CoverageSource east = new(At(2500, 10), UnitKind.Car);

        var before = map.Evaluate([west, east]);
        var after = map.Evaluate([west]);

        // The middle grid was covered jointly (400 m from the west, 400 m from the east); now only 40 %.
        Assert.Equal(["G-2", "G-3"], CoverageReport.GridsLosingCoverage(before, after, tierIndex: 1));
    }

    [Fact]
    public void Covered_cells_layer_has_one_square_per_covered_sample_with_its_tier()
    {
        var map = StripMap(2);
        var report = map.Evaluate([new CoverageSource(At(0, 10), UnitKind.Car)]);

        using var layer = JsonDocument.Parse(CoverageGeoJson.CoveredCells(map, report));

        var features = layer.RootElement.GetProperty("features").EnumerateArray().ToArray();
        Assert.Equal(report.SampleSeconds.Count(s => s <= 300), features.Length);
        Assert.Equal(15, features.Count(f => f.GetProperty("properties").GetProperty("tier_seconds").GetDouble() == 60));
        Assert.All(features, f => Assert.Equal(5, f.GetProperty("geometry").GetProperty("coordinates")[0].GetArrayLength()));
    }

    [Fact]
    public void Grid_layer_carries_the_share_of_each_tier()
    {
        var map = StripMap(2);
        var report = map.Evaluate([new CoverageSource(At(0, 10), UnitKind.Car)]);

        using var layer = JsonDocument.Parse(CoverageGeoJson.Grids(map, report));

        var west = layer.RootElement.GetProperty("features")[0].GetProperty("properties");
        Assert.Equal(0.9, west.GetProperty("covered_180").GetDouble());
        Assert.True(west.GetProperty("is_covered_180").GetBoolean());
    }

    [Fact]
    public void Move_up_sends_a_spare_unit_to_restore_an_uncovered_grid()
    {
        var map = StripMap(3);
        MoveUpCandidate[] idle = [new("U-1", UnitKind.Car, At(500, 10)), new("U-2", UnitKind.Car, At(700, 10))];
        MoveUpPost[] posts = [new("S-G-1", At(500, 10), "G-1"), new("S-G-3", At(2500, 10), "G-3")];
        var before = map.Evaluate([.. idle.Select(u => new CoverageSource(u.Position, u.Kind))]);

        var moves = MoveUpPlanner.Recommend(map, idle, [], posts);

        var move = Assert.Single(moves);
        Assert.Equal("S-G-3", move.PostId);
        Assert.Contains("G-3", move.GridsRestored);
        Assert.Contains("G-3", move.Reason, StringComparison.Ordinal);
        var after = map.Evaluate([.. idle.Select(u => new CoverageSource(u.UnitId == move.UnitId ? move.To : u.Position, u.Kind))]);
        Assert.True(after.CoveredGrids(1).Count > before.CoveredGrids(1).Count);
        Assert.Contains("G-1", after.CoveredGrids(1));
    }

    [Fact]
    public void Move_up_never_leaves_the_units_own_grid_uncovered()
    {
        var map = StripMap(3);
        MoveUpCandidate[] idle = [new("U-1", UnitKind.Car, At(500, 10))];
        MoveUpPost[] posts = [new("S-G-3", At(2500, 10), "G-3")];

        var moves = MoveUpPlanner.Recommend(map, idle, [], posts);

        Assert.Empty(moves);
    }

    [Fact]
    public void Fixed_sources_count_toward_coverage_when_choosing_moves()
    {
        var map = StripMap(3);
        MoveUpCandidate[] idle = [new("U-1", UnitKind.Car, At(500, 10))];
        MoveUpPost[] posts = [new("S-G-3", At(2500, 10), "G-3")];

        // Station responders keep the west grid covered, so the car may go east.
        var stationOnFoot = Enumerable.Range(0, 10).Select(i => new CoverageSource(At(50 + (i * 100), 10), UnitKind.Foot)).ToArray();
        var moves = MoveUpPlanner.Recommend(map, idle, stationOnFoot, posts);

        Assert.Equal("U-1", Assert.Single(moves).UnitId);
    }
}

public sealed class CoverageAgainstEtaTests
{
    [Fact]
    public void Sample_seconds_equal_the_fastest_road_eta_from_any_source()
    {
        var city = DemoCity.Generate(7);
        var graph = RoadGraph.Build(DemoRoads.Generate(7, 0.1), new RoadGraphOptions { Origin = DemoCity.JinanCenter });
        var map = new CoverageMap(graph, city.Grids, new CoverageOptions { SampleSpacingMeters = 500 });
        var sources = city.Units.Take(12).Select(u => new CoverageSource(u.Start, u.Kind)).ToArray();
        var estimator = new Dispatch.Domain.Eta.RoadEtaEstimator(
            graph,
            new Dispatch.Domain.Eta.RoadEtaOptions { MaxSearchSeconds = 1e6, BeyondBoundIsUnreachable = true, DirectAccessMeters = 0 },
            new Roads.FixedEta(double.PositiveInfinity));

        var report = map.Evaluate(sources);

        var reached = 0;
        for (var s = 0; s < map.SampleCount; s++)
        {
            var fastest = sources.Min(src => estimator.EtaSeconds(src.Position, src.Kind, map.SamplePositions[s]));
            if (fastest <= 300)
            {
                reached++;
                Assert.Equal(fastest, report.SampleSeconds[s], 6);
            }
            else
            {
                Assert.True(double.IsPositiveInfinity(report.SampleSeconds[s]), $"sample {s}: {report.SampleSeconds[s]} but fastest ETA {fastest}");
            }
        }

        Assert.True(reached > 10);
    }
}
