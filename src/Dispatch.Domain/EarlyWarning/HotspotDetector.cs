using System.Globalization;
using Dispatch.Domain.Geo;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.EarlyWarning;

/// <summary>
/// A place and a time of the week where incidents come more often than chance allows. <see cref="Expected"/> is what
/// the cell's own incidents would put in these hours if they followed the rest of the city's weekly rhythm;
/// <see cref="RelativeRisk"/> = <see cref="Observed"/> / <see cref="Expected"/>.
/// </summary>
public sealed record Hotspot(
    string Id,
    string CellId,
    GeoPoint Center,
    IReadOnlyList<GeoPoint> Corners,
    int StartHourOfWeek,
    int Hours,
    int Observed,
    double Expected,
    double RelativeRisk,
    double PValue,
    double QValue,
    double IncidentsPerWeek,
    int CellIncidents)
{
    /// <summary>"Fri 21:00–24:00" style label of the hours of the week it covers (local time).</summary>
    public string HoursLabel => HourOfWeek.Label(StartHourOfWeek, Hours);

    /// <summary>Whether local hour-of-week <paramref name="hourOfWeek"/> falls in it.</summary>
    public bool Covers(int hourOfWeek) => ((hourOfWeek - StartHourOfWeek + HourOfWeek.HoursPerWeek) % HourOfWeek.HoursPerWeek) < Hours;
}

/// <summary>What one run of the detector found and over what it looked.</summary>
public sealed record HotspotReport(
    DateTimeOffset From,
    DateTimeOffset Until,
    int Incidents,
    int Cells,
    int Tests,
    double Weeks,
    IReadOnlyList<Hotspot> Hotspots);

/// <summary>Local hours of the week: Monday 00:00–01:00 is hour 0, Sunday 23:00–24:00 is hour 167.</summary>
public static class HourOfWeek
{
    public const int HoursPerWeek = 168;

    private static readonly string[] Days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    public static int Of(DateTimeOffset at, TimeSpan utcOffset)
    {
        var local = at.ToOffset(utcOffset);
        return (((int)local.DayOfWeek + 6) % 7 * 24) + local.Hour;
    }

    /// <summary>The local Monday 00:00 of the week holding <paramref name="at"/>.</summary>
    public static DateTimeOffset WeekStart(DateTimeOffset at, TimeSpan utcOffset)
    {
        var local = at.ToOffset(utcOffset);
        var day = ((int)local.DayOfWeek + 6) % 7;
        return new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, utcOffset).AddDays(-day);
    }

    public static string Label(int startHourOfWeek, int hours)
    {
        var end = startHourOfWeek + hours;
        var endDay = (end - 1) / 24 % 7;
        var endHour = end - ((end - 1) / 24 * 24);
        var startText = string.Create(CultureInfo.InvariantCulture, $"{Days[startHourOfWeek / 24 % 7]} {startHourOfWeek % 24:00}:00");
        var endText = string.Create(CultureInfo.InvariantCulture, $"{endHour:00}:00");
        return endDay == startHourOfWeek / 24 % 7 ? $"{startText}–{endText}" : $"{startText}–{Days[endDay]} {endText}";
    }
}

/// <summary>
/// Space-time hotspots in an incident history. The city is cut into square cells; for each cell and each window of
/// <see cref="HotspotOptions.WindowHours"/> consecutive local hours of the week, the count in the window is tested
/// against the cell's own baseline: given the cell's incidents over the whole week, each would fall in the window with
/// the share the rest of the city puts there, so the count is Binomial(cell total, that share) if the cell keeps the
/// city's rhythm. A one-sided exact p-value per (cell, window), then Benjamini–Hochberg over all tested pairs at
/// <see cref="HotspotOptions.FalseDiscoveryRate"/>; pairs that could not reach significance even with every incident
/// of the cell in the window (share^total above the rate) are not counted as tests. Overlapping significant windows of
/// a cell merge into one hotspot. A place busy at every hour is not a hotspot here: its own baseline explains it.
/// </summary>
public static class HotspotDetector
{
    public static HotspotReport Detect(
        IEnumerable<HistoricalIncident> history, DateTimeOffset from, DateTimeOffset until, GeoPoint origin, HotspotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        options ??= new HotspotOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        if (until <= from)
        {
            throw new ArgumentException($"the history must end after it starts, got {from:O} .. {until:O}", nameof(until));
        }

        var lattice = new CellLattice(origin, options.CellMeters);
        var offset = options.UtcOffset;
        var cityByHour = new int[HourOfWeek.HoursPerWeek];
        var cells = new Dictionary<(int Column, int Row), int[]>();
        var total = 0;
        foreach (var incident in history)
        {
            if (incident.CreatedAt < from || incident.CreatedAt >= until || (options.ExcludeCancelled && incident.Outcome == HistoricalOutcome.Cancelled))
            {
                continue;
            }

            var hour = HourOfWeek.Of(incident.CreatedAt, offset);
            var cell = lattice.CellOf(incident.Location);
            if (!cells.TryGetValue(cell, out var counts))
            {
                counts = new int[HourOfWeek.HoursPerWeek];
                cells[cell] = counts;
            }

            counts[hour]++;
            cityByHour[hour]++;
            total++;
        }

        var weeks = (until - from).TotalDays / 7;
        var w = options.WindowHours;
        var tests = new List<(int Column, int Row, int Start, int Observed, double PValue)>();
        foreach (var ((column, row), counts) in cells)
        {
            var cellTotal = counts.Sum();
            var others = total - cellTotal;
            if (others <= 0)
            {
                continue;
            }

            for (var start = 0; start < HourOfWeek.HoursPerWeek; start++)
            {
                var observed = 0;
                var cityInWindow = 0;
                for (var k = 0; k < w; k++)
                {
                    var h = (start + k) % HourOfWeek.HoursPerWeek;
                    observed += counts[h];
                    cityInWindow += cityByHour[h];
                }

                // The rest of the city's share of this window: the cell's own incidents do not set its baseline.
                var share = (double)(cityInWindow - observed) / others;
                if (share >= 1 || Math.Pow(share, cellTotal) > options.FalseDiscoveryRate)
                {
                    continue;
                }

                tests.Add((column, row, start, observed, share <= 0 ? (observed > 0 ? 0 : 1) : Tails.BinomialAtLeast(observed, cellTotal, share)));
            }
        }

        var (rejected, qValues) = FalseDiscovery.BenjaminiHochberg([.. tests.Select(t => t.PValue)], options.FalseDiscoveryRate);
        var hotspots = new List<Hotspot>();
        foreach (var group in Enumerable.Range(0, tests.Count)
            .Where(i => rejected[i] && tests[i].Observed >= options.MinIncidents)
            .GroupBy(i => (tests[i].Column, tests[i].Row)))
        {
            var counts = cells[group.Key];
            var cellTotal = counts.Sum();
            var covered = new bool[HourOfWeek.HoursPerWeek];
            foreach (var i in group)
            {
                for (var k = 0; k < w; k++)
                {
                    covered[(tests[i].Start + k) % HourOfWeek.HoursPerWeek] = true;
                }
            }

            foreach (var (start, hours) in Runs(covered))
            {
                var inRun = group.Where(i => InRun(tests[i].Start, start, hours)).ToList();
                var observed = 0;
                var cityInRun = 0;
                for (var k = 0; k < hours; k++)
                {
                    var h = (start + k) % HourOfWeek.HoursPerWeek;
                    observed += counts[h];
                    cityInRun += cityByHour[h];
                }

                var expected = cellTotal * (double)(cityInRun - observed) / (total - cellTotal);
                var (center, corners) = lattice.Square(group.Key);
                var cellId = CellLattice.Id(group.Key);
                hotspots.Add(new Hotspot(
                    string.Create(CultureInfo.InvariantCulture, $"{cellId}@{start}"),
                    cellId,
                    center,
                    corners,
                    start,
                    hours,
                    observed,
                    Math.Round(expected, 3),
                    Math.Round(observed / Math.Max(expected, 0.01), 2), // floored: a window the rest of the city never uses
                    inRun.Min(i => tests[i].PValue),
                    inRun.Min(i => qValues[i]),
                    Math.Round(observed / weeks, 2),
                    cellTotal));
            }
        }

        return new HotspotReport(
            from,
            until,
            total,
            cells.Count,
            tests.Count,
            Math.Round(weeks, 2),
            [.. hotspots.OrderBy(h => h.QValue).ThenByDescending(h => h.RelativeRisk).ThenBy(h => h.Id, StringComparer.Ordinal)]);
    }

    /// <summary>Circular runs of covered hours: (start, length).</summary>
    private static IEnumerable<(int Start, int Hours)> Runs(bool[] covered)
    {
        var n = covered.Length;
        if (covered.All(c => c))
        {
            yield return (0, n);
            yield break;
        }

        for (var h = 0; h < n; h++)
        {
            if (!covered[h] || covered[(h - 1 + n) % n])
            {
                continue;
            }

            var length = 0;
            while (covered[(h + length) % n])
            {
                length++;
            }

            yield return (h, length);
        }
    }

    private static bool InRun(int windowStart, int runStart, int runHours) =>
        ((windowStart - runStart + HourOfWeek.HoursPerWeek) % HourOfWeek.HoursPerWeek) < runHours;
}

/// <summary>Square cells of a fixed side on a local plane anchored at the city's centre, so ids are stable between runs.</summary>
public sealed class CellLattice(GeoPoint origin, double cellMeters)
{
    private readonly LocalProjection _projection = new(origin);

    public (int Column, int Row) CellOf(GeoPoint point)
    {
        var m = _projection.ToMeters(point);
        return ((int)Math.Floor(m.X / cellMeters), (int)Math.Floor(m.Y / cellMeters));
    }

    /// <summary>"E12N-3": the cell's column (east) and row (north) from the origin.</summary>
    public static string Id((int Column, int Row) cell) => string.Create(CultureInfo.InvariantCulture, $"E{cell.Column}N{cell.Row}");

    /// <summary>The cell's centre and its corners, south-west first, counter-clockwise.</summary>
    public (GeoPoint Center, IReadOnlyList<GeoPoint> Corners) Square((int Column, int Row) cell)
    {
        GeoPoint At(double x, double y) => _projection.ToGeo(new Coordinate(x * cellMeters, y * cellMeters));
        var (c, r) = cell;
        return (At(c + 0.5, r + 0.5), [At(c, r), At(c + 1, r), At(c + 1, r + 1), At(c, r + 1)]);
    }
}
