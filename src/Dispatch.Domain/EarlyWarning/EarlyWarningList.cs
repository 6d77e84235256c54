namespace Dispatch.Domain.EarlyWarning;

/// <summary>One occurrence of a hotspot: its hours on a given day, in absolute time.</summary>
public sealed record HotspotOccurrence(Hotspot Hotspot, DateTimeOffset From, DateTimeOffset Until);

/// <summary>A district's early warnings for one day, strongest first.</summary>
public sealed record DistrictWarnings(string DistrictId, IReadOnlyList<HotspotOccurrence> Warnings);

/// <summary>Turns hotspots (hours of the week) into times: a day's list per district, the next occurrence of one.</summary>
public static class EarlyWarningList
{
    /// <summary>
    /// Hotspot occurrences overlapping the local day <paramref name="date"/>, grouped by the district holding the
    /// hotspot's centre (<paramref name="districtOf"/> answers null outside every district; those are left out).
    /// Districts in id order; within one, the strongest (lowest q-value, then highest relative risk) first.
    /// </summary>
    public static IReadOnlyList<DistrictWarnings> ForDay(
        IEnumerable<Hotspot> hotspots, DateOnly date, TimeSpan utcOffset, Func<Hotspot, string?> districtOf)
    {
        ArgumentNullException.ThrowIfNull(hotspots);
        ArgumentNullException.ThrowIfNull(districtOf);
        var dayStart = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), utcOffset);
        var dayEnd = dayStart.AddDays(1);
        return [.. hotspots
            .SelectMany(h => Occurrences(h, dayStart, dayEnd, utcOffset))
            .Select(o => (District: districtOf(o.Hotspot), Occurrence: o))
            .Where(x => x.District is not null)
            .GroupBy(x => x.District!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DistrictWarnings(g.Key, [.. g
                .Select(x => x.Occurrence)
                .OrderBy(o => o.Hotspot.QValue)
                .ThenByDescending(o => o.Hotspot.RelativeRisk)
                .ThenBy(o => o.From)]))];
    }

    /// <summary>Every occurrence of <paramref name="hotspot"/> that overlaps [from, until), in time order.</summary>
    public static IEnumerable<HotspotOccurrence> Occurrences(Hotspot hotspot, DateTimeOffset from, DateTimeOffset until, TimeSpan utcOffset)
    {
        ArgumentNullException.ThrowIfNull(hotspot);

        // From the week before, so an occurrence that began before `from` and runs into it is found too.
        for (var week = HourOfWeek.WeekStart(from, utcOffset).AddDays(-7); week < until; week = week.AddDays(7))
        {
            var start = week.AddHours(hotspot.StartHourOfWeek);
            var end = start.AddHours(hotspot.Hours);
            if (end > from && start < until)
            {
                yield return new HotspotOccurrence(hotspot, start, end);
            }
        }
    }

    /// <summary>The occurrence running at <paramref name="now"/>, or else the next one to start.</summary>
    public static HotspotOccurrence Next(Hotspot hotspot, DateTimeOffset now, TimeSpan utcOffset) =>
        Occurrences(hotspot, now, now.AddDays(8), utcOffset).First(o => o.Until > now);
}
