using Dispatch.Domain.Geo;
using Dispatch.Domain.Index;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Tests.Index;

public sealed class UnitCellIndexTests
{
    private static readonly GeoPoint Jinan = new(36.6512, 117.1201);

    [Fact]
    public void Upsert_is_true_for_a_new_unit_false_within_the_cell_and_true_on_changing_cell()
    {
        var index = new UnitCellIndex(Jinan, 500);

        Assert.True(index.Upsert("car-1", GreatCircle.Offset(Jinan, 100, 100)));
        Assert.False(index.Upsert("car-1", GreatCircle.Offset(Jinan, 200, 300)));
        Assert.True(index.Upsert("car-1", GreatCircle.Offset(Jinan, 700, 300)));
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void A_move_inside_the_cell_still_updates_the_position()
    {
        var index = new UnitCellIndex(Jinan, 500);
        var moved = GreatCircle.Offset(Jinan, 200, 300);
        index.Upsert("car-1", GreatCircle.Offset(Jinan, 100, 100));

        index.Upsert("car-1", moved);

        Assert.True(index.TryGetPosition("car-1", out var position));
        Assert.Equal(moved, position);
        Assert.Equal(moved, Assert.Single(index.WithinRadius(moved, 1)).Position);
    }

    [Fact]
    public void A_moved_unit_is_found_at_its_new_place_only()
    {
        var index = new UnitCellIndex(Jinan, 250);
        var before = GreatCircle.Offset(Jinan, -1200, 800);
        var after = GreatCircle.Offset(Jinan, 3000, -2500);
        index.Upsert("moto-7", before);
        index.Upsert("foot-2", GreatCircle.Offset(before, 10, 10));

        index.Upsert("moto-7", after);

        Assert.DoesNotContain(index.WithinRadius(before, 500), u => u.UnitId == "moto-7");
        var found = Assert.Single(index.WithinRadius(after, 500));
        Assert.Equal("moto-7", found.UnitId);
        Assert.Equal(after, found.Position);
        Assert.Equal("foot-2", index.Nearest(before, 1, 10_000)[0].UnitId);
    }

    [Fact]
    public void Removed_unit_is_no_longer_found()
    {
        var index = new UnitCellIndex(Jinan, 500);
        index.Upsert("car-1", Jinan);
        index.Upsert("car-2", Jinan);

        Assert.True(index.Remove("car-1"));

        Assert.False(index.Remove("car-1"));
        Assert.False(index.TryGetPosition("car-1", out _));
        Assert.Equal("car-2", Assert.Single(index.WithinRadius(Jinan, 1000)).UnitId);
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Index_works_again_after_every_unit_is_removed()
    {
        var index = new UnitCellIndex(Jinan, 100);
        index.Upsert("a", GreatCircle.Offset(Jinan, -5000, -5000));
        index.Remove("a");
        var point = GreatCircle.Offset(Jinan, 5000, 5000);

        index.Upsert("b", point);

        Assert.Empty(index.WithinRadius(Jinan, 1000));
        Assert.Equal("b", Assert.Single(index.Nearest(Jinan, 3, 20_000)).UnitId);
    }

    [Fact]
    public void TryGetPosition_is_false_for_an_unknown_unit()
    {
        Assert.False(new UnitCellIndex(Jinan).TryGetPosition("nobody", out _));
    }

    [Fact]
    public void CellOf_counts_rows_north_and_columns_east_of_the_origin()
    {
        var index = new UnitCellIndex(Jinan, 500);

        Assert.Equal(new CellKey(0, 0), index.CellOf(Jinan));
        Assert.Equal(new CellKey(1, -3), index.CellOf(GreatCircle.Offset(Jinan, 750, -1250)));
        Assert.Equal(new CellKey(-1, 0), index.CellOf(GreatCircle.Offset(Jinan, -1, 1)));
    }

    [Fact]
    public void Nearest_orders_by_distance_then_unit_id_and_stops_at_k()
    {
        var index = new UnitCellIndex(Jinan, 200);
        index.Upsert("c", GreatCircle.Offset(Jinan, 300, 0));
        index.Upsert("b", GreatCircle.Offset(Jinan, 300, 0));
        index.Upsert("a", GreatCircle.Offset(Jinan, 900, 0));
        index.Upsert("d", GreatCircle.Offset(Jinan, 0, 100));

        var nearest = index.Nearest(Jinan, 3, 5000);

        Assert.Equal(["d", "b", "c"], nearest.Select(u => u.UnitId));
        Assert.Equal(100, nearest[0].DistanceMeters, 1e-6);
    }

    [Fact]
    public void Radius_is_inclusive()
    {
        var index = new UnitCellIndex(Jinan, 200);
        var unit = GreatCircle.Offset(Jinan, 300, 400);
        index.Upsert("car-1", unit);
        var distance = GreatCircle.DistanceMeters(Jinan, unit);

        Assert.Single(index.WithinRadius(Jinan, distance));
        Assert.Empty(index.WithinRadius(Jinan, Math.BitDecrement(distance)));
    }

    [Fact]
    public void Zero_k_or_an_empty_index_finds_nothing()
    {
        var index = new UnitCellIndex(Jinan);
        Assert.Empty(index.Nearest(Jinan, 5, 1000));

        index.Upsert("car-1", Jinan);

        Assert.Empty(index.Nearest(Jinan, 0, 1000));
        Assert.Single(index.Nearest(Jinan, 1, 0));
    }

    [Fact]
    public void A_small_query_in_a_large_fleet_measures_only_nearby_units()
    {
        var index = new UnitCellIndex(Jinan, 500);
        var random = new Random(3);
        for (var i = 0; i < 5000; i++)
        {
            index.Upsert($"u{i}", GreatCircle.Offset(Jinan, (random.NextDouble() - 0.5) * 30_000, (random.NextDouble() - 0.5) * 30_000));
        }

        index.WithinRadius(Jinan, 1000);
        var withinRadiusExamined = index.LastQueryExaminedUnits;
        index.Nearest(GreatCircle.Offset(Jinan, 4000, -3000), 5, 30_000);
        var nearestExamined = index.LastQueryExaminedUnits;

        // 5000 units over 900 km2 is about 5.6 per km2: a few km2 of cells should be measured.
        Assert.InRange(withinRadiusExamined, 1, 200);
        Assert.InRange(nearestExamined, 5, 200);
    }

    [Fact]
    public void Query_far_outside_the_fleet_still_finds_the_nearest()
    {
        var index = new UnitCellIndex(Jinan, 100);
        index.Upsert("near", GreatCircle.Offset(Jinan, 100, 0));
        index.Upsert("far", GreatCircle.Offset(Jinan, -2000, 0));
        var farNorth = GreatCircle.Offset(Jinan, 200_000, 30_000);

        var nearest = index.Nearest(farNorth, 1, 1_000_000);

        Assert.Equal("near", Assert.Single(nearest).UnitId);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    [InlineData(0.05)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_refuses_a_bad_cell_size_naming_it(double cellSizeMeters)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new UnitCellIndex(Jinan, cellSizeMeters));

        Assert.Contains("cellSizeMeters", error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {cellSizeMeters.ToString(System.Globalization.CultureInfo.InvariantCulture)}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Queries_refuse_a_bad_radius_naming_it(double radiusMeters)
    {
        var index = new UnitCellIndex(Jinan);

        var nearest = Assert.Throws<ArgumentOutOfRangeException>(() => index.Nearest(Jinan, 1, radiusMeters));
        var within = Assert.Throws<ArgumentOutOfRangeException>(() => index.WithinRadius(Jinan, radiusMeters));

        Assert.Contains("radiusMeters", nearest.Message, StringComparison.Ordinal);
        Assert.Contains("radiusMeters", within.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nearest_refuses_a_negative_k()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new UnitCellIndex(Jinan).Nearest(Jinan, -1, 100));

        Assert.Equal("k", error.ParamName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void A_missing_unit_id_is_refused(string? unitId)
    {
        var index = new UnitCellIndex(Jinan);

        Assert.ThrowsAny<ArgumentException>(() => index.Upsert(unitId!, Jinan));
        Assert.ThrowsAny<ArgumentException>(() => index.Remove(unitId!));
        Assert.ThrowsAny<ArgumentException>(() => index.TryGetPosition(unitId!, out _));
    }

    [Theory]
    [InlineData(25.0)]
    [InlineData(100.0)]
    [InlineData(500.0)]
    [InlineData(3000.0)]
    public void Queries_match_a_scan_of_every_unit(double cellSizeMeters)
    {
        var random = new Random(20261123 + (int)cellSizeMeters);
        var index = new UnitCellIndex(Jinan, cellSizeMeters);
        var fleet = new Dictionary<string, GeoPoint>();
        foreach (var (id, position) in RandomFleet(random, index, 3000))
        {
            index.Upsert(id, position);
            fleet[id] = position;
        }

        AssertQueriesMatchScan(random, index, fleet, queryCount: 150);
    }

    [Theory]
    [InlineData(50.0)]
    [InlineData(500.0)]
    public void Queries_match_a_scan_after_units_move_across_cell_borders_and_leave(double cellSizeMeters)
    {
        var random = new Random(99 + (int)cellSizeMeters);
        var index = new UnitCellIndex(Jinan, cellSizeMeters);
        var fleet = new Dictionary<string, GeoPoint>();
        foreach (var (id, position) in RandomFleet(random, index, 2000))
        {
            index.Upsert(id, position);
            fleet[id] = position;
        }

        var ids = fleet.Keys.ToArray();
        for (var round = 0; round < 5; round++)
        {
            foreach (var id in ids)
            {
                if (!fleet.TryGetValue(id, out var old))
                {
                    continue;
                }

                if (random.NextDouble() < 0.05)
                {
                    Assert.True(index.Remove(id));
                    fleet.Remove(id);
                    continue;
                }

                // Small steps near borders cross them often; some jumps go across the city.
                var next = random.NextDouble() < 0.9
                    ? GreatCircle.Offset(old, (random.NextDouble() - 0.5) * 0.1 * cellSizeMeters, (random.NextDouble() - 0.5) * 0.1 * cellSizeMeters)
                    : RandomFleet(random, index, 1).Single().Position;
                var changedCell = index.CellOf(old) != index.CellOf(next);

                Assert.Equal(changedCell, index.Upsert(id, next));
                fleet[id] = next;
            }

            Assert.Equal(fleet.Count, index.Count);
            AssertQueriesMatchScan(random, index, fleet, queryCount: 40);
        }

        foreach (var (id, position) in fleet)
        {
            Assert.True(index.TryGetPosition(id, out var stored));
            Assert.Equal(position, stored);
        }
    }

    [Fact]
    public void Queries_match_a_scan_far_from_the_origin()
    {
        // The fleet sits 200 km from the index origin, where the projection stretches most.
        var random = new Random(17);
        var index = new UnitCellIndex(Jinan, 400);
        var qingdao = new GeoPoint(36.0671, 120.3826);
        var fleet = new Dictionary<string, GeoPoint>();
        for (var i = 0; i < 2000; i++)
        {
            var position = GreatCircle.Offset(qingdao, (random.NextDouble() - 0.5) * 40_000, (random.NextDouble() - 0.5) * 40_000);
            index.Upsert($"u{i}", position);
            fleet[$"u{i}"] = position;
        }

        for (var q = 0; q < 100; q++)
        {
            var center = GreatCircle.Offset(qingdao, (random.NextDouble() - 0.5) * 40_000, (random.NextDouble() - 0.5) * 40_000);
            AssertMatchesScan(index, fleet, center, k: 1 + random.Next(30), radiusMeters: random.NextDouble() * 10_000);
        }
    }

    [Fact]
    public void Queries_match_a_scan_across_the_antimeridian()
    {
        var origin = new GeoPoint(-17.7, 179.99);
        var random = new Random(23);
        var index = new UnitCellIndex(origin, 300);
        var fleet = new Dictionary<string, GeoPoint>();
        for (var i = 0; i < 1000; i++)
        {
            var position = GreatCircle.Offset(origin, (random.NextDouble() - 0.5) * 20_000, (random.NextDouble() - 0.5) * 20_000);
            index.Upsert($"u{i}", position);
            fleet[$"u{i}"] = position;
        }

        Assert.Contains(fleet.Values, p => p.Longitude < 0);
        for (var q = 0; q < 50; q++)
        {
            var center = GreatCircle.Offset(origin, (random.NextDouble() - 0.5) * 20_000, (random.NextDouble() - 0.5) * 20_000);
            AssertMatchesScan(index, fleet, center, k: 10, radiusMeters: 3000);
        }
    }

    /// <summary>
    /// Units spread over a 30 km square, a third of them on cell borders, at cell corners or within
    /// centimetres of a border, and some stacked on one spot to exercise ties.
    /// </summary>
    private static IEnumerable<(string Id, GeoPoint Position)> RandomFleet(Random random, UnitCellIndex index, int count)
    {
        var projection = new LocalProjection(index.Origin);
        var size = index.CellSizeMeters;
        var stack = GreatCircle.Offset(index.Origin, 1234, -567);
        for (var i = 0; i < count; i++)
        {
            var id = $"unit-{random.Next(1_000_000):D6}-{i}";
            var x = (random.NextDouble() - 0.5) * 30_000;
            var y = (random.NextDouble() - 0.5) * 30_000;
            var borderX = Math.Round(x / size) * size;
            var borderY = Math.Round(y / size) * size;
            var centimetres = (random.Next(5) - 2) * 0.01;
            var position = (i % 12) switch
            {
                0 => projection.ToGeo(new Coordinate(borderX, y)),
                1 => projection.ToGeo(new Coordinate(x, borderY)),
                2 => projection.ToGeo(new Coordinate(borderX, borderY)),
                3 => projection.ToGeo(new Coordinate(borderX + centimetres, y)),
                4 => projection.ToGeo(new Coordinate(x, borderY + centimetres)),
                5 => stack,
                _ => projection.ToGeo(new Coordinate(x, y)),
            };
            yield return (id, position);
        }
    }

    private static void AssertQueriesMatchScan(Random random, UnitCellIndex index, Dictionary<string, GeoPoint> fleet, int queryCount)
    {
        int[] ks = [1, 2, 5, 17, 100, 5000];
        double[] radii = [0, 0.02, 50, 333, 1500, 8000, 60_000];
        var positions = fleet.Values.ToArray();
        var size = index.CellSizeMeters;
        for (var q = 0; q < queryCount; q++)
        {
            var center = (q % 4) switch
            {
                // On a unit, on a cell corner, a few centimetres off a border, anywhere in and around the city.
                0 => positions[random.Next(positions.Length)],
                1 => GreatCircle.Offset(index.Origin, Math.Round((random.NextDouble() - 0.5) * 30_000 / size) * size, Math.Round((random.NextDouble() - 0.5) * 30_000 / size) * size),
                2 => GreatCircle.Offset(index.Origin, (Math.Round((random.NextDouble() - 0.5) * 30_000 / size) * size) + 0.03, (random.NextDouble() - 0.5) * 30_000),
                _ => GreatCircle.Offset(index.Origin, (random.NextDouble() - 0.5) * 50_000, (random.NextDouble() - 0.5) * 50_000),
            };
            var k = ks[random.Next(ks.Length)];
            var radiusMeters = radii[random.Next(radii.Length)];
            AssertMatchesScan(index, fleet, center, k, radiusMeters);
        }
    }

    private static void AssertMatchesScan(UnitCellIndex index, Dictionary<string, GeoPoint> fleet, GeoPoint center, int k, double radiusMeters)
    {
        var expected = fleet
            .Select(u => new IndexedUnit(u.Key, u.Value, GreatCircle.DistanceMeters(center, u.Value)))
            .Where(u => u.DistanceMeters <= radiusMeters)
            .OrderBy(u => u.DistanceMeters)
            .ThenBy(u => u.UnitId, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(expected, index.WithinRadius(center, radiusMeters));
        Assert.Equal(expected.Take(k), index.Nearest(center, k, radiusMeters));
    }
}
