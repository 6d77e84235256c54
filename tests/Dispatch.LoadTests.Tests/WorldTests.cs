namespace Dispatch.LoadTests.Tests;

public sealed class WorldTests
{
    [Fact]
    public void Cameras_are_spread_over_the_requested_gateways_and_alerts_go_through_their_camera_s_gateway()
    {
        var world = new World(LoadOptions.Parse(["--units", "10", "--cameras", "50", "--gateways", "4"]));

        Assert.Equal(["LOAD-GW-01", "LOAD-GW-02", "LOAD-GW-03", "LOAD-GW-04"], world.Gateways);
        Assert.All(Enumerable.Range(1, 20).Select(world.Alert), alert =>
            Assert.Equal(world.City.Cameras.Single(c => c.Id == alert.CameraId).GatewayId, alert.GatewayId));
    }

    [Fact]
    public void Host_bucket_percentile_is_the_upper_bound_of_the_bucket_that_holds_it()
    {
        var cumulative = new Dictionary<double, double> { [0.001] = 50, [0.002] = 90, [0.004] = 99, [double.PositiveInfinity] = 100 };

        Assert.Equal(1, HostSampler.BucketPercentileMs(cumulative, 50));
        Assert.Equal(4, HostSampler.BucketPercentileMs(cumulative, 99));
        Assert.True(double.IsNaN(HostSampler.BucketPercentileMs(new Dictionary<double, double>(), 50)));
    }
}
