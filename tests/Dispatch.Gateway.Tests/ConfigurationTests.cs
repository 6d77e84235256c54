using Dispatch.Gateway.Configuration;
using Dispatch.Testing;
using Dispatch.Vision.Geometry;

namespace Dispatch.Gateway.Tests;

public sealed class ConfigurationTests
{
    private const string Camera = """
        { "cameras": [ {
            "id": "cam-0123", "source": "synthetic", "latitude": 36.668, "longitude": 117.021,
            "zones": [ { "name": "yard", "points": [[0.65,0.45],[1,0.45],[1,1],[0.65,1]], "loiteringSeconds": 20 } ],
            "lines": [ { "name": "gate", "from": [0.5,0.4], "to": [0.5,1], "alertOn": "leftToRight" } ],
            "crowdAbove": 5, "lineMinDistance": 0.08, "lineCooldownSeconds": 12 } ] }
        """;

    [Fact]
    public void Camera_file_yields_zones_lines_and_limits()
    {
        using var dir = new TempDirectory("gateway-config");
        File.WriteAllText(dir.File("cameras.json"), Camera);

        var camera = Assert.Single(GatewayConfiguration.Load(dir.File("cameras.json")).Cameras);
        var settings = camera.ToSettings();

        var zone = Assert.Single(settings.Zones);
        Assert.Equal(20, zone.LoiteringSeconds);
        Assert.True(zone.Zone.Contains(new NormalizedPoint(0.8, 0.8)));
        Assert.Equal(CrossingFilter.LeftToRight, Assert.Single(settings.Lines).AlertOn);
        Assert.Equal(5, settings.CrowdAbove);
        Assert.Equal((0.08, 12.0), (settings.LineMinDistance, settings.LineCooldownSeconds));
        Assert.Equal(36.668, camera.Latitude);
    }

    [Fact]
    public void Point_outside_the_frame_is_refused_naming_the_zone_and_camera()
    {
        using var dir = new TempDirectory("gateway-config");
        File.WriteAllText(dir.File("cameras.json"), Camera.Replace("[0.65,0.45]", "[1.65,0.45]", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidDataException>(() => GatewayConfiguration.Load(dir.File("cameras.json")));

        Assert.Contains("zone 'yard' of camera 'cam-0123'", error.Message);
        Assert.Contains("1.65", error.Message);
    }
}
