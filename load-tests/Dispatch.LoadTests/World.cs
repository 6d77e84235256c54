using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.LoadTests;

/// <summary>One unit of the run: the same list goes to our engine and to every baseline.</summary>
public sealed record SimUnit(string Id, string StationId, GeoPoint Start);

/// <summary>One camera alert: where, from which camera.</summary>
public sealed record SimAlert(int Number, string CameraId, GeoPoint Location);

/// <summary>
/// The demo city's grids and stations with <c>units</c> patrol cars and <c>cameras</c> cameras placed at random
/// (seeded) over it, and alerts raised at random cameras.
/// </summary>
public sealed class World
{
    // Half extents of the demo city's area around its centre, in degrees at about 36.7° N.
    private const double HalfHeightDegrees = 0.036;
    private const double HalfWidthDegrees = 0.056;

    private readonly Random _random;

    public World(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _random = new Random(options.Seed);
        var demo = DemoCity.Generate(options.Seed);
        Units = [.. Enumerable.Range(1, options.Units).Select(i => new SimUnit(
            $"load-unit-{i:D6}", demo.Stations[_random.Next(demo.Stations.Count)].Id, RandomPoint()))];
        var cameras = Enumerable.Range(1, options.Cameras).Select(i =>
        {
            var station = demo.Stations[_random.Next(demo.Stations.Count)];
            return new CameraSpec($"load-cam-{i:D6}", $"Load camera {i}", RandomPoint(), _random.NextDouble() * 360, 90, station.Id, "load-gateway");
        }).ToList();
        City = new CityModel(
            demo.Name + " (load)",
            demo.Center,
            demo.Grids,
            demo.Stations,
            [.. Units.Select(u => new PatrolUnitSpec(u.Id, u.Id.Replace("load-unit-", "L", StringComparison.Ordinal), UnitKind.Car, u.StationId, u.Start))],
            cameras);
    }

    public CityModel City { get; }

    public IReadOnlyList<SimUnit> Units { get; }

    /// <summary>The n-th alert of the run (deterministic for a seed): at a camera, or anywhere when there are none.</summary>
    public SimAlert Alert(int number)
    {
        var random = new Random(HashCode.Combine(number, City.Units.Count));
        if (City.Cameras.Count == 0)
        {
            return new SimAlert(number, "load-cam-none", Point(random));
        }

        var camera = City.Cameras[random.Next(City.Cameras.Count)];
        return new SimAlert(number, camera.Id, camera.Location);
    }

    /// <summary>A small random step (about ±20 m) from a position, kept inside the city.</summary>
    public static GeoPoint Step(GeoPoint from, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var lat = Math.Clamp(from.Latitude + ((random.NextDouble() - 0.5) * 0.0004), DemoCity.JinanCenter.Latitude - HalfHeightDegrees, DemoCity.JinanCenter.Latitude + HalfHeightDegrees);
        var lon = Math.Clamp(from.Longitude + ((random.NextDouble() - 0.5) * 0.0005), DemoCity.JinanCenter.Longitude - HalfWidthDegrees, DemoCity.JinanCenter.Longitude + HalfWidthDegrees);
        return new GeoPoint(lat, lon);
    }

    private GeoPoint RandomPoint() => Point(_random);

    private static GeoPoint Point(Random random) => new(
        Math.Round(DemoCity.JinanCenter.Latitude + ((random.NextDouble() * 2) - 1) * HalfHeightDegrees, 6),
        Math.Round(DemoCity.JinanCenter.Longitude + ((random.NextDouble() * 2) - 1) * HalfWidthDegrees, 6));
}
