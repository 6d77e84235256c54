using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;

namespace Dispatch.Domain.SafetyIndex;

/// <summary>An incident as the index sees it: where (its grid), what, when it was created and how its tiers went.</summary>
public sealed record IndexIncident(string? GridId, string Type, GeoPoint Location, DateTimeOffset CreatedAt, int TiersMet, int TiersBreached);

/// <summary>
/// A grid event as the index sees it. <see cref="CountsForSla"/> is false for events rejected or handed over as
/// incidents (they were never a department's to resolve).
/// </summary>
public sealed record IndexGridEvent(
    string GridId, GeoPoint Location, DateTimeOffset ReportedAt, DateTimeOffset DueAt, DateTimeOffset? ResolvedAt, DateTimeOffset? RatedAt, int? Rating, bool CountsForSla);

/// <summary>One grid's camera health over one local day: samples of cameras online and of cameras reported, summed.</summary>
public sealed record IndexCameraSample(string GridId, DateOnly Day, long Online, long Reported);

public sealed record SafetyIndexInputs(IReadOnlyList<IndexIncident> Incidents, IReadOnlyList<IndexGridEvent> GridEvents, IReadOnlyList<IndexCameraSample> CameraSamples);

/// <summary>One area's index over one period: a local day ("2026-05-04"), an ISO week ("2026-W19") or the whole range ("range").</summary>
public sealed record PeriodIndex(string Period, DateOnly From, DateOnly To, IndicatorCounts Counts, SafetyIndexScore Score);

public sealed record GridIndex(string GridId, string Name, PeriodIndex Overall);

public sealed record DistrictIndex(string DistrictId, string Name, int? Population, PeriodIndex Overall, IReadOnlyList<PeriodIndex> Days, IReadOnlyList<PeriodIndex> Weeks, IReadOnlyList<GridIndex> Grids);

/// <summary>Every district's index over [<see cref="From"/>, <see cref="To"/>] (local dates, both included), best first.</summary>
public sealed record SafetyIndexReport(DateOnly From, DateOnly To, IReadOnlyList<DistrictIndex> Districts);

/// <summary>
/// Counts the indicators per grid and local day, adds them up per district, per day, per ISO week and over the range,
/// and scores each with <see cref="SafetyIndexFormula"/>. Facts count on the local day they happened: an incident on
/// its creation (with its tiers), a grid event's time limit on its resolution (within) or at its due time (past it), a
/// rating when given, a report for repeat locations when made. Repeat locations are found within each period.
/// </summary>
public static class SafetyIndexCalculator
{
    public const string RangePeriod = "range";

    public static SafetyIndexReport Compute(CityModel city, DateOnly from, DateOnly to, SafetyIndexInputs inputs, DateTimeOffset now, SafetyIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        if (to < from)
        {
            throw new ArgumentException($"the range ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd})", nameof(to));
        }

        var offset = options.UtcOffset;
        var dayCount = to.DayNumber - from.DayNumber + 1;
        var gridIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var g = 0; g < city.Grids.Count; g++)
        {
            gridIndex[city.Grids[g].Id] = g;
        }

        var tallies = new Tally[city.Grids.Count, dayCount];
        for (var g = 0; g < city.Grids.Count; g++)
        {
            for (var d = 0; d < dayCount; d++)
            {
                tallies[g, d] = new Tally();
            }
        }

        int DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(offset).DateTime).DayNumber - from.DayNumber;
        bool Slot(string? gridId, DateTimeOffset at, out Tally tally)
        {
            var day = DayOf(at);
            if (gridId is not null && gridIndex.TryGetValue(gridId, out var g) && day >= 0 && day < dayCount)
            {
                tally = tallies[g, day];
                return true;
            }

            tally = null!;
            return false;
        }

        var reports = new List<(int Grid, int Day, GeoPoint Location)>();
        foreach (var incident in inputs.Incidents)
        {
            if (Slot(incident.GridId, incident.CreatedAt, out var tally))
            {
                tally.Incidents++;
                tally.WeightedIncidents += options.TypeWeight(incident.Type);
                tally.TiersMet += incident.TiersMet;
                tally.TiersBreached += incident.TiersBreached;
                reports.Add((gridIndex[incident.GridId!], DayOf(incident.CreatedAt), incident.Location));
            }
        }

        foreach (var e in inputs.GridEvents)
        {
            if (Slot(e.GridId, e.ReportedAt, out _))
            {
                reports.Add((gridIndex[e.GridId], DayOf(e.ReportedAt), e.Location));
            }

            if (e.CountsForSla)
            {
                if (e.ResolvedAt is { } resolved && resolved <= e.DueAt)
                {
                    if (Slot(e.GridId, resolved, out var within))
                    {
                        within.SlaWithin++;
                    }
                }
                else if (e.DueAt <= now && Slot(e.GridId, e.DueAt, out var breached))
                {
                    breached.SlaBreached++;
                }
            }

            if (e.RatedAt is { } rated && e.Rating is { } rating && Slot(e.GridId, rated, out var rater))
            {
                rater.RatingSum += rating;
                rater.Ratings++;
            }
        }

        foreach (var sample in inputs.CameraSamples)
        {
            var day = sample.Day.DayNumber - from.DayNumber;
            if (gridIndex.TryGetValue(sample.GridId, out var g) && day >= 0 && day < dayCount)
            {
                tallies[g, day].CamerasOnline += sample.Online;
                tallies[g, day].CamerasReported += sample.Reported;
            }
        }

        // Days that have begun count in full once over, the day under way for the share of it gone (at least an hour),
        // days to come not at all: a morning's incidents are not spread over a whole day.
        var dayLength = new double[dayCount];
        for (var d = 0; d < dayCount; d++)
        {
            var start = new DateTimeOffset(from.AddDays(d).ToDateTime(TimeOnly.MinValue), offset);
            var gone = (now - start).TotalDays;
            dayLength[d] = gone <= 0 ? 0 : Math.Clamp(gone, 1.0 / 24, 1);
        }

        var periods = new List<(string Name, int First, int Last)>();
        for (var d = 0; d < dayCount; d++)
        {
            periods.Add((from.AddDays(d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d, d));
        }

        var dayPeriods = periods.Count;
        for (var d = 0; d < dayCount;)
        {
            var date = from.AddDays(d);
            var last = Math.Min(dayCount - 1, d + ((7 - (((int)date.DayOfWeek + 6) % 7)) - 1));
            periods.Add((string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(date.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(date.ToDateTime(TimeOnly.MinValue)):00}"), d, last));
            d = last + 1;
        }

        var weekPeriods = periods.Count - dayPeriods;
        periods.Add((RangePeriod, 0, dayCount - 1));

        // Repeat locations within each period, per grid.
        var repeat = new (int Repeat, int Reports)[periods.Count, city.Grids.Count];
        for (var p = 0; p < periods.Count; p++)
        {
            var (_, first, lastDay) = periods[p];
            var inPeriod = reports.Where(r => r.Day >= first && r.Day <= lastDay).ToList();
            var flags = RepeatLocations.Find(inPeriod.Select(r => r.Location).ToList(), options.RepeatRadiusMeters, options.RepeatMinOthers);
            for (var i = 0; i < inPeriod.Count; i++)
            {
                ref var slot = ref repeat[p, inPeriod[i].Grid];
                slot.Reports++;
                if (flags[i])
                {
                    slot.Repeat++;
                }
            }
        }

        PeriodIndex Period(int p, IReadOnlyList<int> grids, int? population)
        {
            var (name, first, lastDay) = periods[p];
            var sum = new Tally();
            var repeats = 0;
            var reportCount = 0;
            foreach (var g in grids)
            {
                for (var d = first; d <= lastDay; d++)
                {
                    sum.Add(tallies[g, d]);
                }

                repeats += repeat[p, g].Repeat;
                reportCount += repeat[p, g].Reports;
            }

            var days = 0.0;
            for (var d = first; d <= lastDay; d++)
            {
                days += dayLength[d];
            }

            var counts = sum.ToCounts(population, days, repeats, reportCount);
            return new PeriodIndex(name, from.AddDays(first), from.AddDays(lastDay), counts, SafetyIndexFormula.Score(counts, options));
        }

        var range = periods.Count - 1;
        var districts = new List<DistrictIndex>();
        foreach (var district in city.Districts)
        {
            var grids = district.GridIds.Select(id => gridIndex[id]).ToList();
            districts.Add(new DistrictIndex(
                district.Id,
                district.Name,
                district.Population,
                Period(range, grids, district.Population),
                [.. Enumerable.Range(0, dayPeriods).Select(p => Period(p, grids, district.Population))],
                [.. Enumerable.Range(dayPeriods, weekPeriods).Select(p => Period(p, grids, district.Population))],
                [.. grids.Select(g => new GridIndex(city.Grids[g].Id, city.Grids[g].Name, Period(range, [g], city.Grids[g].Population)))]));
        }

        return new SafetyIndexReport(from, to, [.. districts
            .OrderByDescending(d => d.Overall.Score.Index ?? double.NegativeInfinity)
            .ThenBy(d => d.DistrictId, StringComparer.Ordinal)]);
    }

    /// <summary>What adds up over grids and days (population, days and repeat locations do not).</summary>
    private sealed class Tally
    {
        public int Incidents;
        public double WeightedIncidents;
        public int TiersMet;
        public int TiersBreached;
        public long CamerasOnline;
        public long CamerasReported;
        public int SlaWithin;
        public int SlaBreached;
        public int RatingSum;
        public int Ratings;

        public void Add(Tally other)
        {
            Incidents += other.Incidents;
            WeightedIncidents += other.WeightedIncidents;
            TiersMet += other.TiersMet;
            TiersBreached += other.TiersBreached;
            CamerasOnline += other.CamerasOnline;
            CamerasReported += other.CamerasReported;
            SlaWithin += other.SlaWithin;
            SlaBreached += other.SlaBreached;
            RatingSum += other.RatingSum;
            Ratings += other.Ratings;
        }

        public IndicatorCounts ToCounts(int? population, double days, int repeats, int reports) => new()
        {
            Population = population,
            Days = days,
            Incidents = Incidents,
            WeightedIncidents = WeightedIncidents,
            TiersMet = TiersMet,
            TiersBreached = TiersBreached,
            CamerasOnline = CamerasOnline,
            CamerasReported = CamerasReported,
            GridEventsWithinSla = SlaWithin,
            GridEventsBreached = SlaBreached,
            RatingSum = RatingSum,
            Ratings = Ratings,
            RepeatReports = repeats,
            Reports = reports,
        };
    }
}

/// <summary>Reports at a place reported again and again: those with at least N others within R metres.</summary>
public static class RepeatLocations
{
    /// <summary>For each point, whether at least <paramref name="minOthers"/> other points lie within <paramref name="radiusMeters"/> of it.</summary>
    public static bool[] Find(IReadOnlyList<GeoPoint> points, double radiusMeters, int minOthers)
    {
        ArgumentNullException.ThrowIfNull(points);
        var flags = new bool[points.Count];
        if (points.Count <= minOthers)
        {
            return flags;
        }

        // Cells of the radius's size on an equirectangular plane: every neighbour within R lies in the 3×3 cells around.
        var latitude = points.Average(p => p.Latitude) * GreatCircle.RadiansPerDegree;
        const double MetersPerDegree = 111_320;
        var xScale = MetersPerDegree * Math.Cos(latitude) / radiusMeters;
        var yScale = MetersPerDegree / radiusMeters;
        var cells = new Dictionary<(long X, long Y), List<int>>();
        var keys = new (long X, long Y)[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            keys[i] = ((long)Math.Floor(points[i].Longitude * xScale), (long)Math.Floor(points[i].Latitude * yScale));
            if (!cells.TryGetValue(keys[i], out var list))
            {
                cells[keys[i]] = list = [];
            }

            list.Add(i);
        }

        for (var i = 0; i < points.Count; i++)
        {
            var others = 0;
            for (var dx = -1; dx <= 1 && others < minOthers; dx++)
            {
                for (var dy = -1; dy <= 1 && others < minOthers; dy++)
                {
                    if (!cells.TryGetValue((keys[i].X + dx, keys[i].Y + dy), out var list))
                    {
                        continue;
                    }

                    foreach (var j in list)
                    {
                        if (j != i && GreatCircle.DistanceMeters(points[i], points[j]) <= radiusMeters && ++others >= minOthers)
                        {
                            break;
                        }
                    }
                }
            }

            flags[i] = others >= minOthers;
        }

        return flags;
    }
}
