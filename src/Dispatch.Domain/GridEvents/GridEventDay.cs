using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.DaySimulation;
using Dispatch.Domain.Geo;
using Dispatch.Domain.SafetyIndex;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.GridEvents;

/// <summary>How a simulated day of grid events goes (the <c>day</c> command's grid-event line).</summary>
public sealed class GridEventDayOptions
{
    /// <summary>Reports per 10,000 residents per day (grid workers walking their grids report most; residents some).</summary>
    public double ReportsPer10kResidents { get; set; } = 3;

    /// <summary>Share of reports made by residents (the rest by grid workers); residents' reports wait for the command centre.</summary>
    public double ResidentShare { get; set; } = 0.3;

    /// <summary>Minutes a resident's report waits to be accepted (uniform between the two).</summary>
    public double TriageMinutesMin { get; set; } = 5;

    public double TriageMinutesMax { get; set; } = 60;

    /// <summary>Crews per department working at once across the city (two or three per district of the demo city: fewer leave most events past their limit).</summary>
    public int CrewsPerDepartment { get; set; } = 12;

    /// <summary>Median handling time as a share of the category's time limit (log-normal, σ = 0.6).</summary>
    public double HandlingShareOfSla { get; set; } = 0.35;

    /// <summary>Share of resolved events their reporter rates.</summary>
    public double RatingShare { get; set; } = 0.6;

    public double UtcOffsetHours { get; set; } = 8;

    /// <summary>Relative share of each category among reports (categories not listed: 1).</summary>
    public Dictionary<string, double> CategoryShares { get; } = new(StringComparer.Ordinal)
    {
        ["illegal-parking"] = 5,
        ["rubbish"] = 3,
        ["street-light"] = 2,
        ["dispute"] = 2,
        ["noise"] = 2,
        ["hazard"] = 2,
        ["water-leak"] = 1,
        ["suspicious-person"] = 1,
        ["petition"] = 1,
        ["other"] = 1,
    };
}

/// <summary>One simulated grid event: when and where reported, its category and department, when resolved and rated.</summary>
public sealed record SimulatedGridEvent(
    string Category, string Department, string GridId, GeoPoint Location, bool ByResident, DateTimeOffset ReportedAt, DateTimeOffset AcceptedAt,
    DateTimeOffset DueAt, DateTimeOffset StartedAt, DateTimeOffset ResolvedAt, DateTimeOffset? RatedAt, int? Rating)
{
    public bool WithinSla => ResolvedAt <= DueAt;

    public IndexGridEvent ForIndex() => new(GridId, Location, ReportedAt, DueAt, ResolvedAt, RatedAt, Rating, CountsForSla: true);
}

/// <summary>What a simulated day of grid events came to.</summary>
public sealed record GridEventDayResult(IReadOnlyList<SimulatedGridEvent> Events, DateOnly Day)
{
    public int Reported => Events.Count;

    public int WithinSla => Events.Count(e => e.WithinSla);

    /// <summary>Escalated to the district: not resolved by the time limit.</summary>
    public int Escalated => Events.Count(e => !e.WithinSla);

    public int Rated => Events.Count(e => e.Rating is not null);

    public double MeanRating => Rated == 0 ? double.NaN : Events.Where(e => e.Rating is not null).Average(e => e.Rating!.Value);

    /// <summary>grid_events=N by_residents=N within_sla=P% escalated=N rated=N mean_rating=X p90_resolve_h=X</summary>
    public string Summary()
    {
        var hours = Events.Select(e => (e.ResolvedAt - e.ReportedAt).TotalHours).Order().ToList();
        var p90 = hours.Count == 0 ? 0 : hours[Math.Min(hours.Count - 1, (int)Math.Ceiling(hours.Count * 0.9) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"grid_events={Reported} by_residents={Events.Count(e => e.ByResident)} within_sla={(Reported == 0 ? 100 : 100.0 * WithinSla / Reported):F1}% escalated={Escalated} rated={Rated} mean_rating={(Rated == 0 ? 0 : MeanRating):F2} p90_resolve_h={p90:F1}");
    }
}

/// <summary>
/// A day of grid events without the host: reports come as a Poisson process per grid (by its residents, with the
/// incidents' day/night profile), in categories by share, inside the grid; grid workers' reports go to the department at
/// once, residents' after a triage delay; each department's crews take them first come first served and need a
/// log-normal time around a share of the category's limit; reporters rate most of them, worse when late.
/// </summary>
public static class GridEventDay
{
    public static GridEventDayResult Simulate(CityModel city, GridEventCatalog catalog, DateOnly day, int seed, GridEventDayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new GridEventDayOptions();
        var random = new Random(seed);
        var offset = TimeSpan.FromHours(options.UtcOffsetHours);
        var dayStart = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), offset);
        var categories = catalog.Categories.Keys.Order(StringComparer.Ordinal).ToList();
        var shares = categories.Select(c => options.CategoryShares.GetValueOrDefault(c, 1)).ToList();
        var profile = DayIncidents.HourlyProfile;
        var profileSum = profile.Sum();

        var reports = new List<(DateTimeOffset At, string Category, GridSpec Grid, GeoPoint Location, bool ByResident)>();
        foreach (var grid in city.Grids)
        {
            var expected = (grid.Population ?? 0) * options.ReportsPer10kResidents / 10_000;
            var count = Poisson(random, expected);
            for (var i = 0; i < count; i++)
            {
                var hour = Pick(random, profile, profileSum);
                var at = dayStart + TimeSpan.FromHours(hour + random.NextDouble());
                var category = categories[Pick(random, shares, shares.Sum())];
                reports.Add((at, category, grid, PointIn(grid.Boundary, random), random.NextDouble() < options.ResidentShare));
            }
        }

        // Each department's crews: the time each becomes free.
        var crews = catalog.Departments.Keys.ToDictionary(d => d, _ => Enumerable.Repeat(DateTimeOffset.MinValue, Math.Max(1, options.CrewsPerDepartment)).ToArray(), StringComparer.Ordinal);
        var accepted = reports
            .Select(r => (Report: r, AcceptedAt: r.ByResident
                ? r.At + TimeSpan.FromMinutes(options.TriageMinutesMin + ((options.TriageMinutesMax - options.TriageMinutesMin) * random.NextDouble()))
                : r.At))
            .OrderBy(r => r.AcceptedAt)
            .ToList();
        var events = new List<SimulatedGridEvent>(accepted.Count);
        foreach (var (report, acceptedAt) in accepted)
        {
            var routing = catalog.Route(report.Category, report.Grid.Id, report.Grid.DistrictId)!;
            var free = crews[routing.Department];
            var crew = Array.IndexOf(free, free.Min());
            var startedAt = free[crew] > acceptedAt ? free[crew] : acceptedAt;
            var medianHours = routing.Sla.TotalHours * options.HandlingShareOfSla;
            var handling = TimeSpan.FromHours(medianHours * Math.Exp(0.6 * Normal(random)));
            var resolvedAt = startedAt + handling;
            free[crew] = resolvedAt;
            var dueAt = report.At + routing.Sla;
            DateTimeOffset? ratedAt = null;
            int? rating = null;
            if (random.NextDouble() < options.RatingShare)
            {
                ratedAt = resolvedAt + TimeSpan.FromHours(0.5 + (5.5 * random.NextDouble()));
                rating = resolvedAt <= dueAt ? Pick(random, [0, 0.05, 0.10, 0.35, 0.50], 1) + 1 : Pick(random, [0.15, 0.25, 0.40, 0.20, 0], 1) + 1;
            }

            events.Add(new SimulatedGridEvent(report.Category, routing.Department, report.Grid.Id, report.Location, report.ByResident, report.At, acceptedAt,
                dueAt, startedAt, resolvedAt, ratedAt, rating));
        }

        return new GridEventDayResult([.. events.OrderBy(e => e.ReportedAt)], day);
    }

    private static int Poisson(Random random, double mean)
    {
        // Knuth's method in slices, so large means do not underflow exp(-mean).
        var count = 0;
        while (mean > 0)
        {
            var slice = Math.Min(mean, 30);
            mean -= slice;
            var limit = Math.Exp(-slice);
            var product = random.NextDouble();
            while (product > limit)
            {
                count++;
                product *= random.NextDouble();
            }
        }

        return count;
    }

    private static int Pick(Random random, IReadOnlyList<double> weights, double total)
    {
        var ticket = random.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            ticket -= weights[i];
            if (ticket < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static GeoPoint PointIn(Polygon boundary, Random random)
    {
        var envelope = boundary.EnvelopeInternal;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var c = new Coordinate(envelope.MinX + (envelope.Width * random.NextDouble()), envelope.MinY + (envelope.Height * random.NextDouble()));
            if (SimplePointInAreaLocator.Locate(c, boundary) == Location.Interior)
            {
                return new GeoPoint(c.Y, c.X);
            }
        }

        var centre = boundary.InteriorPoint.Coordinate;
        return new GeoPoint(centre.Y, centre.X);
    }
}
