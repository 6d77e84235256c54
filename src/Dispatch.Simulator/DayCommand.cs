using System.Diagnostics;
using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.DaySimulation;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using Dispatch.Domain.GridEvents;
using Dispatch.Domain.Plans;

namespace Dispatch.Simulator;

/// <summary>
/// One simulated day per dispatch policy on the same incidents; prints one compliance line per policy. The day has
/// planted space-time clusters; the hotspot policy patrols what <see cref="HotspotDetector"/> finds in the weeks of
/// history before it (drawn from the same process, never the measured day itself).
/// </summary>
public static class DayCommand
{
    // A Monday; the measured day is the chosen weekday after the history weeks.
    private static readonly DateOnly FirstMonday = new(2025, 3, 3);

    public static int Run(CommandLine options)
    {
        options.Allow("seed", "city", "roads", "incidents", "size", "return-home", "min-road-coverage", "clusters", "cluster-rate", "history-weeks", "weekday", "max-patrols");
        var seed = options.Int("seed", 7);
        var clusterCount = options.Int("clusters", 12);
        var historyWeeks = options.Int("history-weeks", 8);
        var maxPatrols = options.Int("max-patrols", 20);
        var weekday = ParseWeekday(options.Text("weekday") ?? "friday");
        if (clusterCount < 0 || historyWeeks is < 1 or > 52 || maxPatrols < 0)
        {
            throw new CommandLineException(string.Create(CultureInfo.InvariantCulture,
                $"--clusters must be >= 0, --history-weeks within 1..52 and --max-patrols >= 0; got {clusterCount}, {historyWeeks}, {maxPatrols}"));
        }

        var clock = Stopwatch.StartNew();
        var (city, _, roads, graph, _) = CityOnRoads.Load(options, seed, Console.Error);
        var generation = new ClusteredIncidentOptions
        {
            BackgroundPerDay = options.Int("incidents", 1000),
            Clusters = clusterCount,
            IncidentsPerOccurrence = options.Double("cluster-rate", 5),
        };
        var clusters = ClusteredIncidents.Plant(city, seed, generation);
        var day = FirstMonday.AddDays((7 * historyWeeks) + (((int)weekday + 6) % 7));
        var historyStart = day.AddDays(-7 * historyWeeks);
        var history = ClusteredIncidents.History(city, clusters, seed, historyStart, 7 * historyWeeks, generation);
        var incidents = ClusteredIncidents.Day(city, clusters, seed, seed, weekday, generation);

        var hotspotOptions = new HotspotOptions { UtcOffsetHours = generation.UtcOffsetHours };
        var offset = hotspotOptions.UtcOffset;
        var report = HotspotDetector.Detect(history, Local(historyStart, offset), Local(day, offset), city.Center, hotspotOptions);
        var patrols = PatrolWindows(report.Hotspots, day, offset, maxPatrols);

        var simulator = new DaySimulator(city, graph, ResponsePlan.Default, new DaySimulationOptions { ReturnHome = options.Flag("return-home") });
        var inClusters = incidents.Where(i => clusters.Any(c => c.Covers(weekday, i.At) && GreatCircle.DistanceMeters(c.Center, i.Location) <= c.RadiusMeters + 1)).Select(i => i.Number).ToHashSet();
        DayResult? travelTime = null;
        var subsets = new List<string>();
        foreach (var policy in Enum.GetValues<DayPolicy>())
        {
            var result = simulator.Run(policy, incidents, patrols);
            Console.WriteLine(result.Summary());
            subsets.Add(Subset(result, inClusters));
            if (policy == DayPolicy.TravelTime)
            {
                travelTime = result;
            }
            else if (policy == DayPolicy.TravelTimeWithMoveUps)
            {
                Console.Error.WriteLine($"move_ups={result.MoveUps}");
            }
            else if (policy == DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols)
            {
                Console.Error.WriteLine($"move_ups={result.MoveUps} patrol_postings={result.PatrolPostings}");
            }
        }

        // The grid events of the same day: reports per grid by its residents, departments' crews, ratings.
        Console.Error.WriteLine(GridEventDay.Simulate(city, new GridEventCatalog(), day, seed).Summary());
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"day={day:yyyy-MM-dd} ({weekday}) incidents={incidents.Count} in_planted_clusters={inClusters.Count} history_days={7 * historyWeeks} history_incidents={history.Count}"));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hotspots={report.Hotspots.Count} tests={report.Tests} cells={report.Cells} planted={clusters.Count} planted_found={clusters.Count(c => Found(c, report.Hotspots, offset))} patrol_windows={patrols.Count}"));
        foreach (var line in subsets)
        {
            Console.Error.WriteLine(line);
        }

        if (travelTime is { PicksCompared: > 0 })
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first_pick_differs={100.0 * travelTime.PicksDiffering / travelTime.PicksCompared:F1}% of {travelTime.PicksCompared} incidents (straight-line vs travel-time)"));
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"roads={roads.Count} nodes={graph.NodeCount} units={city.Units.Count} elapsed_s={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    /// <summary>The day's patrol windows: occurrences of the strongest hotspots that overlap the measured day.</summary>
    public static IReadOnlyList<PatrolWindow> PatrolWindows(IReadOnlyList<Hotspot> hotspots, DateOnly day, TimeSpan offset, int max)
    {
        var dayStart = Local(day, offset);
        return [.. hotspots
            .SelectMany(h => EarlyWarningList.Occurrences(h, dayStart, dayStart.AddDays(1), offset))
            .OrderBy(o => o.Hotspot.QValue)
            .ThenByDescending(o => o.Hotspot.RelativeRisk)
            .Take(max)
            .Select(o => new PatrolWindow(
                o.Hotspot.Id,
                o.Hotspot.Center,
                Clamp(o.From - dayStart),
                Clamp(o.Until - dayStart)))];
    }

    /// <summary>A planted cluster is found when a hotspot's cell lies within its radius plus a cell and covers its start hour on one of its days.</summary>
    public static bool Found(PlantedCluster cluster, IEnumerable<Hotspot> hotspots, TimeSpan offset) =>
        hotspots.Any(h => GreatCircle.DistanceMeters(h.Center, cluster.Center) <= cluster.RadiusMeters + 300
            && cluster.Days.Any(d => h.Covers((((int)d + 6) % 7 * 24) + cluster.StartHour) || h.Covers((((int)d + 6) % 7 * 24) + cluster.StartHour + cluster.Hours - 1)));

    private static string Subset(DayResult result, HashSet<int> numbers)
    {
        var outcomes = result.Outcomes.Where(o => numbers.Contains(o.Number)).ToList();
        string Share(int tier)
        {
            var asked = outcomes.Where(o => o.TierMet[tier] is not null).ToList();
            return asked.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * asked.Count(o => o.TierMet[tier] == true) / asked.Count:F1}%");
        }

        var etas = outcomes.Where(o => !double.IsNaN(o.MeanResponseSeconds)).Select(o => o.MeanResponseSeconds).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"in_clusters policy={result.PolicyName} incidents={outcomes.Count} tier2_met={Share(1)} tier3_met={Share(2)} mean_eta_s={(etas.Count == 0 ? 0 : etas.Average()):F1}");
    }

    private static TimeSpan Clamp(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : t;

    private static DateTimeOffset Local(DateOnly date, TimeSpan offset) => new(date.ToDateTime(TimeOnly.MinValue), offset);

    private static DayOfWeek ParseWeekday(string text) =>
        Enum.TryParse<DayOfWeek>(text, ignoreCase: true, out var day) && Enum.IsDefined(day) && !int.TryParse(text, out _)
            ? day
            : throw new CommandLineException($"--weekday must be a day name (monday..sunday), got '{text}'");
}
