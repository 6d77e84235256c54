using Dispatch.Domain.City;
using Dispatch.Domain.Roads;

namespace Dispatch.Simulator;

/// <summary>The road network of a run: a GeoJSON file when given (bad features are skipped and reported), else the demo network.</summary>
public static class RoadNetworkSource
{
    public static IReadOnlyList<RoadFeature> Load(string? path, int seed, double size)
    {
        if (path is null)
        {
            return DemoRoads.Generate(seed, size);
        }

        using var file = File.OpenRead(path);
        var result = RoadGeoJson.Read(file, new RoadImportOptions { OnError = RoadImportErrorMode.Skip });
        foreach (var skipped in result.Skipped.Take(10))
        {
            Console.Error.WriteLine($"{path}: feature {skipped.FeatureIndex} skipped ({skipped.Kind}): {skipped.Reason}");
        }

        if (result.Skipped.Count > 10)
        {
            Console.Error.WriteLine($"{path}: {result.Skipped.Count - 10} more features skipped");
        }

        return result.Roads;
    }

    public static RoadGraph Build(IReadOnlyList<RoadFeature> roads) =>
        RoadGraph.Build(roads, new RoadGraphOptions { Origin = DemoCity.JinanCenter });
}
