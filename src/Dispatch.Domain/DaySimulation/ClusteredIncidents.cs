using Dispatch.Domain.City;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using NetTopologySuite.Algorithm.Locate;

namespace Dispatch.Domain.DaySimulation;

/// <summary>
/// A planted space-time cluster: around <see cref="Center"/> (within <see cref="RadiusMeters"/>), on the weekdays of
/// <see cref="Days"/>, from local hour <see cref="StartHour"/> for <see cref="Hours"/> hours, a Poisson number of extra
/// incidents with mean <see cref="IncidentsPerOccurrence"/> (a night-market fight street, a school gate at closing).
/// </summary>
public sealed record PlantedCluster(
    string Name,
    GeoPoint Center,
    double RadiusMeters,
    IReadOnlySet<DayOfWeek> Days,
    int StartHour,
    int Hours,
    double IncidentsPerOccurrence)
{
    public bool Covers(DayOfWeek day, TimeSpan timeOfDay) =>
        Days.Contains(day) && timeOfDay >= TimeSpan.FromHours(StartHour) && timeOfDay < TimeSpan.FromHours(StartHour + Hours);
}

/// <summary>Settings of <see cref="ClusteredIncidents"/>.</summary>
public sealed class ClusteredIncidentOptions
{
    /// <summary>Background incidents per day (the day/night profile and busy grids of <see cref="DayIncidents"/>).</summary>
    public int BackgroundPerDay { get; set; } = 1000;

    /// <summary>How many clusters are planted.</summary>
    public int Clusters { get; set; } = 12;

    /// <summary>Mean extra incidents per occurrence of a cluster (each cluster draws its own within ±50 %).</summary>
    public double IncidentsPerOccurrence { get; set; } = 5;

    /// <summary>Radius around a cluster's centre its incidents fall in.</summary>
    public double RadiusMeters { get; set; } = 120;

    /// <summary>The city's offset from UTC; days and hours of clusters are local.</summary>
    public double UtcOffsetHours { get; set; } = 8;
}

/// <summary>
/// Seeded incidents with real space-time clustering: the background of <see cref="DayIncidents"/> (the same busy
/// grids every day) plus planted clusters that recur at their place on their weekdays and hours. Gives both the
/// history an early-warning method learns from and the day a dispatch policy is measured on, from one process.
/// </summary>
public static class ClusteredIncidents
{
    // Kinds of recurring trouble: (weekdays, first start hour, last start hour, hours).
    private static readonly (DayOfWeek[] Days, int FirstStart, int LastStart, int Hours, string Name)[] Patterns =
    [
        ([DayOfWeek.Friday, DayOfWeek.Saturday], 20, 21, 3, "weekend night street"),
        ([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], 15, 16, 2, "school gate at closing"),
        ([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], 7, 8, 2, "morning market"),
        ([DayOfWeek.Saturday, DayOfWeek.Sunday], 13, 15, 3, "weekend shopping street"),
        ([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday], 18, 20, 3, "night market"),
        ([DayOfWeek.Friday], 17, 18, 3, "Friday evening station rush"),
    ];

    /// <summary>Plants the clusters: a pattern, a place inside a random grid, a rate.</summary>
    public static IReadOnlyList<PlantedCluster> Plant(CityModel city, int seed, ClusteredIncidentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(city);
        options ??= new ClusteredIncidentOptions();
        var random = new Random(unchecked((seed * 7919) + 17));
        var clusters = new List<PlantedCluster>(options.Clusters);
        for (var i = 0; i < options.Clusters; i++)
        {
            var pattern = Patterns[random.Next(Patterns.Length)];
            var grid = city.Grids[random.Next(city.Grids.Count)];
            var center = DayIncidents.Inside(random, grid.Boundary, new IndexedPointInAreaLocator(grid.Boundary));
            var start = pattern.FirstStart + random.Next(pattern.LastStart - pattern.FirstStart + 1);
            var rate = options.IncidentsPerOccurrence * (0.5 + random.NextDouble());
            clusters.Add(new PlantedCluster($"{pattern.Name} #{i + 1}", center, options.RadiusMeters, new HashSet<DayOfWeek>(pattern.Days), start, pattern.Hours, rate));
        }

        return clusters;
    }

    /// <summary>
    /// One local day's incidents, background and clusters together, numbered in time order. The busy grids come from
    /// <paramref name="citySeed"/> (one for all days of a city), the day's own draws from <paramref name="daySeed"/>.
    /// </summary>
    public static IReadOnlyList<DayIncident> Day(
        CityModel city, IReadOnlyList<PlantedCluster> clusters, int citySeed, int daySeed, DayOfWeek weekday, ClusteredIncidentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentNullException.ThrowIfNull(clusters);
        options ??= new ClusteredIncidentOptions();
        var seed = daySeed;
        var background = DayIncidents.Generate(city, seed, options.BackgroundPerDay, DayIncidents.GridWeights(city, citySeed));
        var random = new Random(unchecked((seed * 31) + 7));
        var extra = new List<DayIncident>();
        foreach (var cluster in clusters.Where(c => c.Days.Contains(weekday)))
        {
            var n = Poisson(random, cluster.IncidentsPerOccurrence);
            for (var k = 0; k < n; k++)
            {
                var at = TimeSpan.FromHours(cluster.StartHour + (random.NextDouble() * cluster.Hours));
                var location = Near(random, city, cluster);
                var grid = city.FindGrid(location)!;
                var (onScene, clearing) = DayIncidents.DrawDurations(random);
                extra.Add(new DayIncident(0, at, location, DayIncidents.DrawPriority(random), grid.Id, grid.StationId, onScene, clearing, 0));
            }
        }

        return [.. background.Concat(extra)
            .OrderBy(i => i.At)
            .Select((i, n) => i with { Number = n + 1, AckSeed = unchecked((seed * 1_000_003) + n) })];
    }

    /// <summary>
    /// <paramref name="days"/> consecutive local days from <paramref name="firstDay"/> as an incident history (all closed),
    /// each day drawn with its own seed derived from <paramref name="seed"/>.
    /// </summary>
    public static IReadOnlyList<HistoricalIncident> History(
        CityModel city, IReadOnlyList<PlantedCluster> clusters, int seed, DateOnly firstDay, int days, ClusteredIncidentOptions? options = null)
    {
        options ??= new ClusteredIncidentOptions();
        var offset = TimeSpan.FromHours(options.UtcOffsetHours);
        var history = new List<HistoricalIncident>();
        for (var d = 0; d < days; d++)
        {
            var date = firstDay.AddDays(d);
            var dayStart = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), offset);
            foreach (var incident in Day(city, clusters, seed, DaySeed(seed, d), date.DayOfWeek, options))
            {
                var created = dayStart + incident.At;
                history.Add(new HistoricalIncident(
                    $"H-{date:yyyyMMdd}-{incident.Number:0000}",
                    "incident",
                    incident.Priority,
                    incident.Location,
                    created,
                    created + incident.OnScene + incident.Clearing,
                    HistoricalOutcome.Closed));
            }
        }

        return history;
    }

    /// <summary>The day seed of history day <paramref name="dayIndex"/>; a measured day uses <paramref name="seed"/> itself, which no history day does.</summary>
    public static int DaySeed(int seed, int dayIndex) => unchecked((seed * 1_009) + 1 + dayIndex);

    private static GeoPoint Near(Random random, CityModel city, PlantedCluster cluster)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var point = DayIncidents.Around(random, cluster.Center, cluster.RadiusMeters);
            if (city.FindGrid(point) is not null)
            {
                return point;
            }
        }

        return cluster.Center;
    }

    private static int Poisson(Random random, double mean)
    {
        // Knuth's method: means here are small.
        var limit = Math.Exp(-mean);
        var k = 0;
        var product = random.NextDouble();
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }
}
