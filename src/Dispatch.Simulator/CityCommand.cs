using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Roads;

namespace Dispatch.Simulator;

/// <summary>Writes a plausible city (grids, stations, units, cameras) laid over a road file, for `day --city` and the host's Dispatch:City:Path.</summary>
public static class CityCommand
{
    public static int Run(CommandLine options)
    {
        options.Allow("roads", "seed", "out", "name", "grid-meters", "units-per-station", "cameras-per-grid", "max-grids");
        var roadsPath = options.ExistingFile("roads") ?? throw new CommandLineException("city needs --roads FILE (a GeoJSON road export)");
        var output = options.Text("out") ?? throw new CommandLineException("city needs --out FILE");
        var defaults = new RoadCityOptions();
        var cityOptions = new RoadCityOptions
        {
            Seed = options.Int("seed", defaults.Seed),
            Name = options.Text("name") ?? $"City of {Path.GetFileNameWithoutExtension(roadsPath)}",
            GridMeters = options.Double("grid-meters", defaults.GridMeters),
            UnitsPerStation = options.Int("units-per-station", defaults.UnitsPerStation),
            CamerasPerGrid = options.Int("cameras-per-grid", defaults.CamerasPerGrid),
            MaxGrids = options.Int("max-grids", defaults.MaxGrids),
        };
        var errors = cityOptions.Validate();
        if (errors.Count > 0)
        {
            throw new CommandLineException(string.Join("; ", errors));
        }

        var roads = RoadNetworkSource.Load(roadsPath, cityOptions.Seed, 1, Console.Error);
        CityModel city;
        try
        {
            city = RoadCity.Generate(roads, cityOptions);
        }
        catch (ArgumentException e)
        {
            throw new InputException($"{roadsPath}: {e.Message}");
        }

        var coverage = CityRoadCoverage.Measure(RoadNetworkSource.Build(roads, city.Center), city);
        File.WriteAllText(output, CityGeoJson.Write(city));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"city '{city.Name}' (seed {cityOptions.Seed}): grids={city.Grids.Count} stations={city.Stations.Count} units={city.Units.Count} cameras={city.Cameras.Count} road_coverage={coverage.Share * 100:F0}% -> {output}"));
        return 0;
    }
}
