using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;

namespace Dispatch.Domain.Tests;

public sealed class DispatchZoneTests
{
    private static readonly GeoPoint Jinan = new(36.66, 117.02);

    [Fact]
    public void Zone_is_between_two_and_three_kilometres_on_a_side_at_jinan()
    {
        var southWest = DispatchZone.Of(Jinan).SouthWest;
        var north = new GeoPoint(southWest.Latitude + DispatchZone.LatitudeStepDegrees, southWest.Longitude);
        var east = new GeoPoint(southWest.Latitude, southWest.Longitude + DispatchZone.LongitudeStepDegrees);

        Assert.InRange(GreatCircle.DistanceMeters(southWest, north), 2_000, 3_000);
        Assert.InRange(GreatCircle.DistanceMeters(southWest, east), 2_000, 3_000);
    }

    [Fact]
    public void Points_a_few_metres_apart_across_a_zone_edge_are_in_neighbouring_zones()
    {
        var edge = DispatchZone.Of(Jinan).SouthWest;

        var west = DispatchZone.Of(GreatCircle.Offset(edge, 100, -5));
        var east = DispatchZone.Of(GreatCircle.Offset(edge, 100, 5));

        Assert.Equal(west.Row, east.Row);
        Assert.Equal(west.Column + 1, east.Column);
    }

    [Fact]
    public void Key_round_trips_through_try_parse()
    {
        var zone = DispatchZone.Of(new GeoPoint(-33.9, -70.6));

        Assert.True(DispatchZone.TryParse(zone.Key, out var parsed));
        Assert.Equal(zone, parsed);
    }

    [Theory]
    [InlineData("zone:1")]
    [InlineData("zone:a:2")]
    [InlineData("cell:1:2")]
    [InlineData(null)]
    public void Try_parse_refuses_anything_but_a_zone_key(string? key) =>
        Assert.False(DispatchZone.TryParse(key, out _));

    [Fact]
    public void Within_lists_the_centre_zone_first_and_every_zone_holding_a_point_of_the_circle()
    {
        const double radiusMeters = 4_000;
        var zones = DispatchZone.Within(Jinan, radiusMeters);

        Assert.Equal(DispatchZone.Of(Jinan), zones[0]);
        for (var bearing = 0; bearing < 360; bearing += 10)
        {
            var radians = bearing * Math.PI / 180;
            for (var fraction = 0.25; fraction <= 1.0; fraction += 0.25)
            {
                var point = GreatCircle.Offset(Jinan, Math.Cos(radians) * radiusMeters * fraction, Math.Sin(radians) * radiusMeters * fraction);
                Assert.Contains(DispatchZone.Of(point), zones);
            }
        }
    }

    [Fact]
    public void Within_a_small_radius_inside_one_zone_is_that_zone_alone()
    {
        var middle = GreatCircle.Offset(DispatchZone.Of(Jinan).SouthWest, 1_200, 1_300);

        Assert.Equal([DispatchZone.Of(middle)], DispatchZone.Within(middle, 100));
    }

    [Fact]
    public void Within_refuses_a_negative_radius() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DispatchZone.Within(Jinan, -1));

    [Fact]
    public void Sub_cell_changes_within_a_zone_about_every_500_metres()
    {
        var southWest = DispatchZone.Of(Jinan).SouthWest;
        var cells = Enumerable.Range(0, 10)
            .Select(i => DispatchZone.SubCellOf(GreatCircle.Offset(southWest, 10 + (i * 250), 10)))
            .Distinct()
            .Count();

        Assert.Equal(DispatchZone.CellsPerSide, cells);
    }
}
