using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;

namespace Dispatch.Domain.Tests;

public sealed class DispatchZoneTests
{
    private static readonly GeoPoint Jinan = new(36.66, 117.02);

    [Fact]
    public void Zone_is_about_twenty_kilometres_on_a_side_at_jinan_so_a_ten_kilometre_margin_reaches_at_most_four_zones()
    {
        var southWest = DispatchZone.Of(Jinan).SouthWest;
        var north = new GeoPoint(southWest.Latitude + DispatchZone.LatitudeStepDegrees, southWest.Longitude);
        var east = new GeoPoint(southWest.Latitude, southWest.Longitude + DispatchZone.LongitudeStepDegrees);

        Assert.InRange(GreatCircle.DistanceMeters(southWest, north), 19_000, 21_000);
        Assert.InRange(GreatCircle.DistanceMeters(southWest, east), 19_000, 21_000);
        Assert.InRange(DispatchZone.Within(GreatCircle.Offset(southWest, 500, 500), 10_000).Count, 1, 4);
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
    public void A_zone_covers_exactly_the_points_within_the_margin_of_it_as_within_lists_them()
    {
        var random = new Random(5);
        var zone = DispatchZone.Of(Jinan);
        for (var i = 0; i < 2_000; i++)
        {
            var point = GreatCircle.Offset(zone.SouthWest, (random.NextDouble() * 60_000) - 20_000, (random.NextDouble() * 60_000) - 20_000);
            var margin = random.NextDouble() * 15_000;
            Assert.Equal(DispatchZone.Within(point, margin).Contains(zone), zone.Covers(point, margin));
        }
    }

    [Fact]
    public void A_point_in_the_zone_is_held_by_it_and_a_point_in_its_margin_only_covered()
    {
        var zone = DispatchZone.Of(Jinan);
        var inside = GreatCircle.Offset(zone.SouthWest, 100, 100);
        var west = GreatCircle.Offset(zone.SouthWest, 100, -1_000);

        Assert.True(zone.Holds(inside));
        Assert.False(zone.Holds(west));
        Assert.True(zone.Covers(west, 2_000));
        Assert.False(zone.Covers(west, 500));
    }
}
