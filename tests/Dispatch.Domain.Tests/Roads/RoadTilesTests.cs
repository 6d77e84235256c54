using Dispatch.Domain.Coverage;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Roads.RoadNetworks;

namespace Dispatch.Domain.Tests.Roads;

public sealed class RoadTilesTests
{
    /// <summary>The tile holding a point at a zoom, as slippy maps number tiles.</summary>
    private static (int X, int Y) TileOf(GeoPoint point, int z)
    {
        var (x, y) = RoadTiles.WorldPoint(point);
        return ((int)(x * (1 << z)), (int)(y * (1 << z)));
    }

    private static readonly RoadFeature Arterial = new(RoadClass.Primary, 60, OneWay.No, "经十路", [[At(-3000, 0), At(3000, 0)]], "Jingshi Road");

    private static readonly RoadFeature Street = Road(RoadClass.Residential, (-200, 30), (200, 30));

    private static readonly RoadFeature Footpath = Road(RoadClass.Footway, (-100, -30), (100, -30));

    [Fact]
    public void Far_out_only_arterials_are_drawn_close_up_every_class_is()
    {
        var tiles = new RoadTiles([Arterial, Street, Footpath]);
        var (x11, y11) = TileOf(Origin, 11);
        var (x16, y16) = TileOf(Origin, 16);

        var far = tiles.Tile(11, x11, y11);
        var near = tiles.Tile(16, x16, y16);

        Assert.Equal([RoadClass.Primary], far.Lines.Select(l => l.Class));
        Assert.Equal([RoadClass.Primary, RoadClass.Residential, RoadClass.Footway], near.Lines.Select(l => l.Class).Order());
    }

    [Fact]
    public void A_named_road_carries_both_its_names_and_unnamed_roads_none()
    {
        var tiles = new RoadTiles([Arterial, Street]);
        var (x, y) = TileOf(Origin, 16);

        var tile = tiles.Tile(16, x, y);

        var named = Assert.Single(tile.Lines, l => l.Class == RoadClass.Primary);
        Assert.Equal(("经十路", "Jingshi Road"), tile.Names[named.Name]);
        Assert.Equal(-1, Assert.Single(tile.Lines, l => l.Class == RoadClass.Residential).Name);
    }

    [Fact]
    public void Points_lying_on_a_straight_line_are_simplified_away()
    {
        var straight = Road(RoadClass.Primary, [.. Enumerable.Range(0, 50).Select(i => ((double)(i * 20), 0.0))]);
        var bent = Road(RoadClass.Primary, (0, 300), (500, 300), (500, 800));
        var tiles = new RoadTiles([straight, bent]);
        var (x, y) = TileOf(At(250, 300), 15);

        var tile = tiles.Tile(15, x, y);

        Assert.Equal(2 * 2, tile.Lines[0].Points.Length);
        Assert.Equal(3 * 2, tile.Lines[1].Points.Length);
    }

    [Fact]
    public void A_point_lands_in_its_tile_at_the_right_place_in_tile_units()
    {
        var tiles = new RoadTiles([Street]);
        var start = Street.Lines[0][0];
        var (wx, wy) = RoadTiles.WorldPoint(start);
        var (x, y) = TileOf(start, 16);

        var line = Assert.Single(tiles.Tile(16, x, y).Lines);

        Assert.Equal(Math.Round(((wx * (1 << 16)) - x) * RoadTiles.Extent), line.Points[0]);
        Assert.Equal(Math.Round(((wy * (1 << 16)) - y) * RoadTiles.Extent), line.Points[1]);
        Assert.InRange(line.Points[0], 0, RoadTiles.Extent);
    }

    [Fact]
    public void A_tile_away_from_the_roads_is_empty()
    {
        var tiles = new RoadTiles([Street]);
        var (x, y) = TileOf(At(20_000, 20_000), 16);

        Assert.Empty(tiles.Tile(16, x, y).Lines);
    }

    [Theory]
    [InlineData(-1, 0, 0, "zoom must be within 0..20, got -1")]
    [InlineData(21, 0, 0, "zoom must be within 0..20, got 21")]
    [InlineData(3, 8, 0, "x must be within 0..7 at zoom 3, got 8")]
    [InlineData(3, 0, -2, "y must be within 0..7 at zoom 3, got -2")]
    public void A_tile_address_off_the_map_is_refused_naming_the_value(int z, int x, int y, string expected)
    {
        Assert.Equal(expected, RoadTiles.Validate(z, x, y));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoadTiles([Street]).Tile(z, x, y));
    }

    [Fact]
    public void The_demo_network_at_street_zoom_fits_in_a_few_thousand_lines_per_tile()
    {
        var tiles = new RoadTiles(DemoRoads.Generate(7));
        var (x13, y13) = TileOf(Dispatch.Domain.City.DemoCity.JinanCenter, 13);
        var (x16, y16) = TileOf(Dispatch.Domain.City.DemoCity.JinanCenter, 16);

        var city = tiles.Tile(13, x13, y13);
        var street = tiles.Tile(16, x16, y16);

        Assert.InRange(city.Lines.Count, 20, 5000);
        Assert.DoesNotContain(city.Lines, l => l.Class == RoadClass.Residential);
        Assert.Contains(street.Lines, l => l.Class == RoadClass.Residential);
        Assert.InRange(street.Lines.Count, 10, 5000);
        Assert.Contains(street.Names, n => n.NameEn is not null && n.NameEn.EndsWith(" Road", StringComparison.Ordinal));
    }
}

public sealed class IncidentReachTests
{
    [Fact]
    public void Cells_along_the_road_get_the_smallest_target_they_meet_and_nothing_beyond_the_largest()
    {
        // A 12 km primary road at 60 km/h (36 km/h after the urban factor): 10 m/s, so 600 m a minute.
        var graph = Graph(Road(RoadClass.Primary, OneWay.No, 60, (-6000, 0), (6000, 0)));

        var reach = IncidentReach.Compute(graph, At(0, 0), UnitKind.Car, [60, 180, 300]);

        Assert.True(reach.OnRoads);
        double TierAt(double east) => reach.Cells.Where(c => Math.Abs(Frame.X(new GeoPoint(c.Latitude, c.Longitude)) - east) < 50).Min(c => c.TierSeconds);
        Assert.Equal(60, TierAt(250));
        Assert.Equal(180, TierAt(-1050));
        Assert.Equal(300, TierAt(2050));
        Assert.DoesNotContain(reach.Cells, c => Math.Abs(Frame.X(new GeoPoint(c.Latitude, c.Longitude))) > 3100);
    }

    [Fact]
    public void A_one_way_street_is_reached_only_from_upstream()
    {
        var graph = Graph(Road(RoadClass.Primary, OneWay.Forward, 60, (-3000, 0), (3000, 0)));

        var reach = IncidentReach.Compute(graph, At(0, 0), UnitKind.Car, [60, 180]);

        Assert.Contains(reach.Cells, c => Frame.X(new GeoPoint(c.Latitude, c.Longitude)) < -500);
        Assert.DoesNotContain(reach.Cells, c => Frame.X(new GeoPoint(c.Latitude, c.Longitude)) > 150);
    }

    [Fact]
    public void An_incident_far_from_any_road_has_no_reach()
    {
        var graph = Graph(Road(RoadClass.Primary, (-1000, 0), (1000, 0)));

        var reach = IncidentReach.Compute(graph, At(0, 5000), UnitKind.Car, [60]);

        Assert.False(reach.OnRoads);
        Assert.Empty(reach.Cells);
    }
}
