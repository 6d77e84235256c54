using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.LoadTests;

/// <summary>One unit of the run: the same list goes to our engine and to every baseline.</summary>
public sealed record SimUnit(string Id, string StationId, GeoPoint Start);

/// <summary>One camera alert: where, from which camera, through which gateway.</summary>
public sealed record SimAlert(int Number, string CameraId, string GatewayId, GeoPoint Location);

/// <summary>
/// The city of a run: the demo city's grids and stations with <c>units</c> patrol cars and <c>cameras</c> cameras
/// placed at random (seeded) and spread over <c>gateways</c> gateways, or the city a running host serves; alerts
/// are raised at random cameras.
/// </summary>
public sealed class World
{
    /// <summary>Gateway ids of a generated city: LOAD-GW-01, LOAD-GW-02, ...</summary>
    public const string GatewayPrefix = "LOAD-GW-";

    // Half extents of the demo city's area around its centre, in degrees at about 36.7° N.
    private const double HalfHeightDegrees = 0.036;
    private const double HalfWidthDegrees = 0.056;

    /// <summary>A generated city for a run that starts its own host.</summary>
    public World(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        var demo = DemoCity.Generate(options.Seed);
        var units = Enumerable.Range(1, options.Units).Select(i => new PatrolUnitSpec(
            $"load-unit-{i:D6}", $"L{i:D6}", UnitKind.Car, demo.Stations[random.Next(demo.Stations.Count)].Id, Point(random))).ToList();
        var cameras = Enumerable.Range(1, options.Cameras).Select(i =>
        {
            var station = demo.Stations[random.Next(demo.Stations.Count)];
            return new CameraSpec($"load-cam-{i:D6}", $"Load camera {i}", Point(random), random.NextDouble() * 360, 90, station.Id,
                GatewayId(i % options.Gateways));
        }).ToList();
        City = new CityModel(demo.Name + " (load)", demo.Center, demo.Grids, demo.Stations, units, cameras);
        Units = [.. City.Units.Select(u => new SimUnit(u.Id, u.HomeStationId, u.Start))];
    }

    /// <summary>The city a running host serves (its /api/city), driven as it is.</summary>
    public World(CityModel city)
    {
        ArgumentNullException.ThrowIfNull(city);
        City = city;
        Units = [.. City.Units.Select(u => new SimUnit(u.Id, u.HomeStationId, u.Start))];
    }

    public CityModel City { get; }

    public IReadOnlyList<SimUnit> Units { get; }

    /// <summary>The gateways the city's cameras stream through.</summary>
    public IReadOnlyList<string> Gateways => [.. City.Cameras.Select(c => c.GatewayId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    public static string GatewayId(int index) => GatewayPrefix + (index + 1).ToString("D2", CultureInfo.InvariantCulture);

    /// <summary>The n-th alert of the run (deterministic for a city): at a camera, or anywhere when there are none.</summary>
    public SimAlert Alert(int number)
    {
        var random = new Random(HashCode.Combine(number, City.Units.Count));
        if (City.Cameras.Count == 0)
        {
            return new SimAlert(number, "load-cam-none", "", Point(random));
        }

        var camera = City.Cameras[random.Next(City.Cameras.Count)];
        return new SimAlert(number, camera.Id, camera.GatewayId, camera.Location);
    }

    /// <summary>A small random step (about ±20 m) from a position, kept inside the generated city's area.</summary>
    public static GeoPoint Step(GeoPoint from, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var lat = Math.Clamp(from.Latitude + ((random.NextDouble() - 0.5) * 0.0004), -90, 90);
        var lon = Math.Clamp(from.Longitude + ((random.NextDouble() - 0.5) * 0.0005), -180, 180);
        return new GeoPoint(lat, lon);
    }

    private static GeoPoint Point(Random random) => new(
        Math.Round(DemoCity.JinanCenter.Latitude + ((random.NextDouble() * 2) - 1) * HalfHeightDegrees, 6),
        Math.Round(DemoCity.JinanCenter.Longitude + ((random.NextDouble() * 2) - 1) * HalfWidthDegrees, 6));
}
