using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using Dispatch.Simulator.Live;

namespace Dispatch.Simulator.Tests.Live;

public sealed class LiveRoutingTests
{
    private static readonly Lazy<RoadRouter> Router = new(() => new RoadRouter(RoadNetworkSource.Build(DemoRoads.Generate(size: 0.25))));

    [Fact]
    public void A_route_across_town_follows_the_roads_and_is_no_faster_than_the_straight_line_at_motorway_speed()
    {
        var from = GreatCircle.Offset(DemoCity.JinanCenter, -1500, -2000);
        var to = GreatCircle.Offset(DemoCity.JinanCenter, 2500, 2200);

        var route = Router.Value.Plan(from, to, UnitKind.Car);

        var straightMeters = GreatCircle.DistanceMeters(from, to);
        var pathMeters = route.Points.Zip(route.Points.Skip(1), GreatCircle.DistanceMeters).Sum();
        Assert.True(route.OnRoads);
        Assert.True(route.Points.Count > 4, $"{route.Points.Count} points");
        Assert.True(pathMeters >= straightMeters * 0.999, $"path {pathMeters:F0} m, straight {straightMeters:F0} m");
        Assert.True(route.TotalSeconds >= straightMeters / (100 / 3.6), $"{route.TotalSeconds:F0} s for {straightMeters:F0} m");
        Assert.Equal(from, route.Points[0]);
        Assert.Equal(to, route.End);
    }

    [Fact]
    public void A_route_from_far_outside_the_road_network_is_a_straight_line()
    {
        var from = GreatCircle.Offset(DemoCity.JinanCenter, 40_000, 0);

        var route = Router.Value.Plan(from, DemoCity.JinanCenter, UnitKind.Foot);

        Assert.False(route.OnRoads);
        Assert.Equal([from, DemoCity.JinanCenter], route.Points);
        Assert.True(route.TotalSeconds > 40_000 / (5 / 3.6), $"{route.TotalSeconds:F0} s on foot");
    }

    [Fact]
    public void A_position_along_a_route_is_interpolated_between_its_timed_points_and_held_at_the_ends()
    {
        var a = new GeoPoint(36.60, 117.00);
        var b = new GeoPoint(36.62, 117.00);
        var c = new GeoPoint(36.62, 117.04);
        var route = new DriveRoute([a, b, c], [0, 10, 30]);

        Assert.Equal(a, route.PositionAt(-1));
        Assert.Equal(36.61, route.PositionAt(5).Latitude, 9);
        Assert.Equal(117.02, route.PositionAt(20).Longitude, 9);
        Assert.Equal(c, route.PositionAt(31));
    }

    [Fact]
    public void Waits_between_attempts_double_from_half_a_second_and_level_off_at_the_cap()
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(30), new Random(3));

        var waits = Enumerable.Range(0, 10).Select(i => backoff.Delay(i).TotalSeconds).ToList();

        Assert.InRange(waits[0], 0.4, 0.6);
        Assert.InRange(waits[3], 3.2, 4.8);
        Assert.All(waits, w => Assert.InRange(w, 0.4, 30));
        Assert.InRange(waits[^1], 24, 30);
    }

    [Theory]
    [InlineData("127.0.0.1:5080")]
    [InlineData("ftp://127.0.0.1:5080")]
    [InlineData("not a url")]
    public void A_host_that_is_not_an_http_url_is_refused_naming_it(string host)
    {
        var (options, error) = LiveSimulationOptions.Parse(["--host", host]);

        Assert.Null(options);
        Assert.Contains($"\"{host}\"", error, StringComparison.Ordinal);
    }
}
