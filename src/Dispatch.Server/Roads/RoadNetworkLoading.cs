using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Roads;
using Dispatch.Grains.Hosting;
using Dispatch.Server.City;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Roads;

/// <summary>Where the road network comes from (appsettings "Dispatch:Roads"); road speeds are under "Dispatch:Eta:Road:Speeds".</summary>
public sealed class RoadNetworkOptions
{
    public const string SectionName = "Dispatch:Roads";

    /// <summary>Path of a GeoJSON road file (docs/roads.md), relative to the content root unless absolute; empty for the demo network.</summary>
    public string? File { get; set; }

    /// <summary>
    /// Without a file: whether to generate the demo city's road network. Unset (the default): only when the
    /// city lies on it (the demo city); true: always; false: never, so dispatch ranks by straight line.
    /// </summary>
    public bool? Demo { get; set; }

    /// <summary>Seed of the demo network; unset for the demo city's seed (Dispatch:City:DemoSeed), so roads and city match.</summary>
    public int? DemoSeed { get; set; }

    /// <summary>Density of the demo network's local streets (1: about 20,000 roads).</summary>
    public double DemoSize { get; set; } = 1.0;

    /// <summary>
    /// Refuse (default): a broken feature stops the host, naming it; Skip: broken features are left out and listed at
    /// start. What a router ignores (areas, points, platforms, construction, ...) is always left out and counted.
    /// </summary>
    public RoadImportErrorMode OnError { get; set; } = RoadImportErrorMode.Refuse;

    /// <summary>The least share of the city (points over its grids) that must lie within 250 m of a road a car may use.</summary>
    public double MinCityCoverage { get; set; } = 0.5;

    /// <summary>Refuse (default): a network reaching less of the city stops the host; Warn: it starts with a warning.</summary>
    public LowRoadCoverage OnLowCoverage { get; set; } = LowRoadCoverage.Refuse;
}

/// <summary>What the host does with a road network that reaches too little of its city.</summary>
public enum LowRoadCoverage
{
    Refuse = 0,
    Warn = 1,
}

/// <summary>The road network this host dispatches on; <see cref="Graph"/> is null when there is none (straight-line ETA).</summary>
public sealed class LoadedRoads(
    RoadGraph? graph,
    string source,
    int roadCount,
    IReadOnlyList<SkippedRoadFeature> skipped,
    CityRoadCoverage? coverage = null,
    string ignored = "",
    string? warning = null,
    IReadOnlyList<RoadFeature>? roads = null)
{
    public RoadGraph? Graph { get; } = graph;

    /// <summary>The roads as imported (class, names, lines): what the basemap draws.</summary>
    public IReadOnlyList<RoadFeature> Roads { get; } = roads ?? [];

    /// <summary>"demo (seed 7)", the file path, or "none", for the start-up banner.</summary>
    public string Source { get; } = source;

    public int RoadCount { get; } = roadCount;

    /// <summary>Features of the file left out (only with <see cref="RoadImportErrorMode.Skip"/>).</summary>
    public IReadOnlyList<SkippedRoadFeature> Skipped { get; } = skipped;

    /// <summary>How much of the city the roads reach; null without a network.</summary>
    public CityRoadCoverage? Coverage { get; } = coverage;

    /// <summary>What the file held that a router does not use, counted ("12 features ... left out (4 area, ...)"); empty when nothing.</summary>
    public string Ignored { get; } = ignored;

    /// <summary>Set when the host starts although the roads reach too little of the city (Dispatch:Roads:OnLowCoverage=Warn).</summary>
    public string? Warning { get; } = warning;

    public static LoadedRoads None { get; } = new(null, "none (straight-line ETA)", 0, []);

    public string Describe() => Graph is null
        ? Source
        : string.Create(CultureInfo.InvariantCulture, $"{Source}: {RoadCount} roads, {Graph.NodeCount} nodes, travel-time ETA")
            + (Coverage is null ? "" : $"; {Coverage.Describe()}")
            + (Ignored.Length == 0 ? "" : $"; {Ignored}")
            + (Skipped.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {Skipped.Count} broken features skipped, first: feature {Skipped[0].FeatureIndex} ({Skipped[0].Kind}): {Skipped[0].Reason}"))
            + (Warning is null ? "" : $"; WARNING: {Warning}");
}

public static class RoadNetworkLoading
{
    /// <summary>
    /// Loads the road network while the host is built (after <c>AddCity</c>), so a missing or malformed file stops
    /// the start with the file's own error (feature index, kind and reason). With a network, dispatch ranks by travel time.
    /// </summary>
    public static WebApplicationBuilder AddRoads(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = configuration.GetSection(RoadNetworkOptions.SectionName).Get<RoadNetworkOptions>() ?? new RoadNetworkOptions();
        var speeds = configuration.GetSection(RoadSpeedOptions.SectionName).Get<RoadSpeedOptions>() ?? new RoadSpeedOptions();
        var eta = configuration.GetSection(RoadEtaOptions.SectionName).Get<RoadEtaOptions>() ?? new RoadEtaOptions();
        List<string> errors = [.. speeds.Validate(), .. eta.Validate()];
        if (!double.IsFinite(options.MinCityCoverage) || options.MinCityCoverage is < 0 or > 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{RoadNetworkOptions.SectionName}:{nameof(RoadNetworkOptions.MinCityCoverage)} must be in [0, 1], got {options.MinCityCoverage}"));
        }

        if (!double.IsFinite(options.DemoSize) || options.DemoSize <= 0 || options.DemoSize > 4)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{RoadNetworkOptions.SectionName}:{nameof(RoadNetworkOptions.DemoSize)} must be in (0, 4], got {options.DemoSize}"));
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(RoadNetworkOptions.SectionName, typeof(RoadNetworkOptions), errors);
        }

        var city = builder.Services.Select(d => d.IsKeyedService ? null : d.ImplementationInstance).OfType<LoadedCity>().LastOrDefault()
            ?? throw new InvalidOperationException("AddCity must come before AddRoads: the demo road network follows the city");
        var cityOptions = configuration.GetSection(CityOptions.SectionName).Get<CityOptions>() ?? new CityOptions();
        var roads = Load(options, speeds, cityOptions.DemoSeed, city.Model, builder.Environment.ContentRootPath);
        builder.Services.AddSingleton(roads);
        if (roads.Warning is { } warning)
        {
            // Before the host's logging is up, and where a person starting it looks.
            Console.Error.WriteLine($"dispatch: WARNING: {warning}");
        }

        if (roads.Graph is { } graph)
        {
            builder.Services.AddRoadNetwork(graph, eta);
        }

        return builder;
    }

    public static LoadedRoads Load(RoadNetworkOptions options, RoadSpeedOptions speeds, int cityDemoSeed, CityModel city, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(city);
        var graphOptions = new RoadGraphOptions { Origin = city.Center, Speeds = speeds };
        if (string.IsNullOrWhiteSpace(options.File))
        {
            if (!(options.Demo ?? LiesOnDemoNetwork(city)))
            {
                return LoadedRoads.None;
            }

            var seed = options.DemoSeed ?? cityDemoSeed;
            var demo = DemoRoads.Generate(seed, options.DemoSize);
            var demoGraph = RoadGraph.Build(demo, graphOptions);
            var demoSource = $"demo (seed {seed})";
            var (demoCoverage, demoWarning) = CheckCoverage(options, demoGraph, city, demoSource);
            return new LoadedRoads(demoGraph, demoSource, demo.Count, [], demoCoverage, "", demoWarning, demo);
        }

        var path = Path.GetFullPath(options.File, contentRoot);
        if (!System.IO.File.Exists(path))
        {
            throw new RoadFormatException(-1, null, $"{RoadNetworkOptions.SectionName}:{nameof(RoadNetworkOptions.File)}: no file at '{path}'");
        }

        RoadImportResult result;
        try
        {
            using var stream = System.IO.File.OpenRead(path);
            result = RoadGeoJson.Read(stream, new RoadImportOptions { OnError = options.OnError });
        }
        catch (RoadFormatException ex)
        {
            // The same error, naming the file it is in.
            var kind = ex.Kind is { } k ? $" ({k})" : "";
            throw new RoadFormatException(ex.FeatureIndex, ex.Kind, $"{ex.Reason}{kind} in '{path}'");
        }

        if (result.Roads.Count == 0)
        {
            throw new RoadFormatException(-1, null, string.Create(CultureInfo.InvariantCulture,
                $"no usable road in '{path}' ({result.Skipped.Count} broken features skipped{(result.IgnoredFeatureCount > 0 ? "; " + result.DescribeIgnored() : "")})"));
        }

        var graph = RoadGraph.Build(result.Roads, graphOptions);
        var (coverage, warning) = CheckCoverage(options, graph, city, path);
        return new LoadedRoads(graph, path, result.Roads.Count, result.Skipped, coverage, result.DescribeIgnored(), warning, result.Roads);
    }

    /// <summary>
    /// Measures how much of the city the roads reach; below <see cref="RoadNetworkOptions.MinCityCoverage"/> the host
    /// refuses to start (the file is of another place, or a corner of this one) or, when told to, warns.
    /// </summary>
    private static (CityRoadCoverage Coverage, string? Warning) CheckCoverage(RoadNetworkOptions options, RoadGraph graph, CityModel city, string source)
    {
        var coverage = CityRoadCoverage.Measure(graph, city);
        if (coverage.SampleCount == 0 || coverage.Share >= options.MinCityCoverage)
        {
            // Nothing to measure (a city without grids, stations or units) is nothing to refuse.
            return (coverage, null);
        }

        var problem = string.Create(CultureInfo.InvariantCulture,
            $"the road network {source} reaches only {coverage.Share * 100:F0}% of the city '{city.Name}' ({coverage.SamplesNearRoad} of {coverage.SampleCount} points over its grids are within {coverage.MaxDistanceMeters:F0} m of a road), less than {RoadNetworkOptions.SectionName}:{nameof(RoadNetworkOptions.MinCityCoverage)} = {options.MinCityCoverage * 100:F0}%; dispatch would fall back to straight-line estimates there");
        if (options.OnLowCoverage == LowRoadCoverage.Warn)
        {
            return (coverage, problem);
        }

        throw new RoadFormatException(-1, null,
            $"{problem}. Is the file of another place? A city for these roads: `dotnet run --project src/Dispatch.Simulator -c Release -- city --roads FILE --out city.geojson`, then {CityOptions.SectionName}:Path=city.geojson; or set {RoadNetworkOptions.SectionName}:{nameof(RoadNetworkOptions.OnLowCoverage)}=Warn to start anyway");
    }

    /// <summary>Whether the city's centre is inside the area the demo network covers.</summary>
    private static bool LiesOnDemoNetwork(CityModel city)
    {
        var frame = new PlaneFrame(DemoCity.JinanCenter);
        return Math.Abs(frame.X(city.Center)) <= DemoRoads.WidthMeters / 2 && Math.Abs(frame.Y(city.Center)) <= DemoRoads.HeightMeters / 2;
    }
}
