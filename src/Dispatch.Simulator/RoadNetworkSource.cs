using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;

namespace Dispatch.Simulator;

/// <summary>
/// The road network of a run: a GeoJSON file when given (broken features are skipped and reported; what a router
/// ignores is counted), else the demo network.
/// </summary>
public static class RoadNetworkSource
{
    public static IReadOnlyList<RoadFeature> Load(string? path, int seed, double size, TextWriter? log = null)
    {
        if (path is null)
        {
            return DemoRoads.Generate(seed, size);
        }

        log ??= Console.Error;
        using var file = File.OpenRead(path);
        var result = RoadGeoJson.Read(file, new RoadImportOptions { OnError = RoadImportErrorMode.Skip });
        foreach (var skipped in result.Skipped.Take(10))
        {
            log.WriteLine($"{path}: feature {skipped.FeatureIndex} skipped ({skipped.Kind}): {skipped.Reason}");
        }

        if (result.Skipped.Count > 10)
        {
            log.WriteLine($"{path}: {result.Skipped.Count - 10} more broken features skipped");
        }

        if (result.IgnoredFeatureCount > 0 || result.IgnoredTags.Count > 0)
        {
            log.WriteLine($"{path}: {result.Roads.Count} roads; {result.DescribeIgnored()}");
        }

        return result.Roads;
    }

    /// <summary>The graph, its plane frame centred on <paramref name="origin"/> (the city's centre), else on the roads' middle.</summary>
    public static RoadGraph Build(IReadOnlyList<RoadFeature> roads, GeoPoint? origin = null) =>
        RoadGraph.Build(roads, new RoadGraphOptions { Origin = origin ?? Middle(roads) });

    private static GeoPoint Middle(IReadOnlyList<RoadFeature> roads)
    {
        if (roads.Count == 0)
        {
            return DemoCity.JinanCenter;
        }

        var points = roads.SelectMany(r => r.Lines).SelectMany(l => l).ToList();
        return new GeoPoint((points.Min(p => p.Latitude) + points.Max(p => p.Latitude)) / 2, (points.Min(p => p.Longitude) + points.Max(p => p.Longitude)) / 2);
    }
}
