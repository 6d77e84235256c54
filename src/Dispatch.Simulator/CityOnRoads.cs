using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Roads;

namespace Dispatch.Simulator;

/// <summary>
/// The city and road network of a run, and how much of the city the roads reach. Without --city: the demo city on
/// roads that reach it, or a city generated from the roads (<see cref="RoadCity"/>) when they are another place's.
/// Roads reaching less of the city than --min-road-coverage stop the run: every estimate would be a straight line.
/// </summary>
public sealed record CityOnRoads(CityModel City, string CityDescription, IReadOnlyList<RoadFeature> Roads, RoadGraph Graph, CityRoadCoverage Coverage)
{
    public const double DefaultMinRoadCoverage = 0.5;

    public static CityOnRoads Load(CommandLine options, int seed, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var cityPath = options.ExistingFile("city");
        var roadsPath = options.ExistingFile("roads");
        var minCoverage = options.Text("min-road-coverage") is null ? DefaultMinRoadCoverage : options.Fraction("min-road-coverage");
        var roads = RoadNetworkSource.Load(roadsPath, seed, options.Double("size", 1.0), log);
        if (roads.Count == 0)
        {
            throw new InputException($"{roadsPath}: no usable road in the file");
        }

        CityModel city;
        string description;
        if (cityPath is not null)
        {
            city = CitySource.Load(cityPath, seed);
            description = cityPath;
        }
        else
        {
            city = DemoCity.Generate(seed);
            description = $"demo (seed {seed})";
            if (roadsPath is not null)
            {
                var onDemo = CityRoadCoverage.Measure(RoadNetworkSource.Build(roads, city.Center), city);
                if (onDemo.Share < minCoverage)
                {
                    city = RoadCity.Generate(roads, new RoadCityOptions { Seed = seed, Name = $"City of {Path.GetFileNameWithoutExtension(roadsPath)}" });
                    description = string.Create(CultureInfo.InvariantCulture,
                        $"generated from {roadsPath} (seed {seed}; the demo city lies off these roads, {onDemo.Share * 100:F0}% reached)");
                }
            }
        }

        var graph = RoadNetworkSource.Build(roads, city.Center);
        var coverage = CityRoadCoverage.Measure(graph, city);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"city={description} grids={city.Grids.Count} units={city.Units.Count} road_coverage={coverage.Share * 100:F0}% ({coverage.Describe()})"));
        if (coverage.Share < minCoverage)
        {
            throw new InputException(string.Create(CultureInfo.InvariantCulture,
                $"the roads reach only {coverage.Share * 100:F0}% of the city '{city.Name}' (less than --min-road-coverage {minCoverage:0.##}); every estimate would be a straight line. Is --roads of another place? Leave out --city to run on a city generated from the roads, or make one with `city --roads FILE --out FILE`"));
        }

        return new CityOnRoads(city, description, roads, graph, coverage);
    }
}
