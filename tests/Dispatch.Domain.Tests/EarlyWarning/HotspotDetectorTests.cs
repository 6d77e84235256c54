using Dispatch.Domain.City;
using Dispatch.Domain.DaySimulation;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Tests.EarlyWarning;

public sealed class HotspotDetectorTests
{
    private static readonly GeoPoint Origin = new(36.66, 117.0);
    private static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    // A Monday, local time; eight weeks of history.
    private static readonly DateTimeOffset From = new(2025, 3, 3, 0, 0, 0, Offset);
    private static readonly DateTimeOffset Until = From.AddDays(56);

    /// <summary>Relative busyness of the hours of a day (the city's rhythm); the same everywhere, so it is no hotspot.</summary>
    private static readonly double[] Rhythm = [.. DayIncidents.HourlyProfile];

    /// <summary>A place that gets extra incidents on some weekdays at some hours.</summary>
    private sealed record Plant(double EastMeters, double NorthMeters, DayOfWeek[] Days, int StartHour, int Hours, int PerOccurrence);

    /// <summary>
    /// Background incidents spread uniformly over a 6 x 6 km square, at times following the city's daily rhythm
    /// (space and time independent: the null hypothesis), plus the planted clusters within 80 m of their places.
    /// </summary>
    private static List<HistoricalIncident> History(int seed, int background, params Plant[] plants)
    {
        var random = new Random(seed);
        var total = Rhythm.Sum();
        var list = new List<HistoricalIncident>();
        for (var i = 0; i < background; i++)
        {
            var day = random.Next(56);
            var hour = DayIncidents.Pick(random, Rhythm, total);
            var at = From.AddDays(day).AddHours(hour + random.NextDouble());
            var place = GreatCircle.Offset(Origin, (random.NextDouble() - 0.5) * 6000, (random.NextDouble() - 0.5) * 6000);
            list.Add(Incident(list.Count, place, at));
        }

        foreach (var plant in plants)
        {
            var center = GreatCircle.Offset(Origin, plant.NorthMeters, plant.EastMeters);
            for (var day = 0; day < 56; day++)
            {
                var date = From.AddDays(day);
                if (!plant.Days.Contains(date.DayOfWeek))
                {
                    continue;
                }

                for (var k = 0; k < plant.PerOccurrence; k++)
                {
                    list.Add(Incident(list.Count, DayIncidents.Around(random, center, 80), date.AddHours(plant.StartHour + (random.NextDouble() * plant.Hours))));
                }
            }
        }

        return list;
    }

    private static HistoricalIncident Incident(int n, GeoPoint at, DateTimeOffset createdAt) =>
        new($"I-{n}", "theft", IncidentPriority.Normal, at, createdAt, createdAt.AddMinutes(30), HistoricalOutcome.Closed);

    private static int HourOfWeekOf(DayOfWeek day, int hour) => (((int)day + 6) % 7 * 24) + hour;

    [Fact]
    public void Planted_clusters_are_found_at_their_place_and_hours()
    {
        // Both in the middle of a 300 m cell, so their 80 m circles stay inside it.
        var friday = new Plant(1350, -750, [DayOfWeek.Friday], 21, 3, 2);
        var school = new Plant(-1650, 1350, [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], 15, 2, 2);
        var history = History(seed: 3, background: 8000, friday, school);

        var report = HotspotDetector.Detect(history, From, Until, Origin);

        foreach (var plant in new[] { friday, school })
        {
            var center = GreatCircle.Offset(Origin, plant.NorthMeters, plant.EastMeters);
            foreach (var day in plant.Days)
            {
                var hour = HourOfWeekOf(day, plant.StartHour);
                Assert.Contains(report.Hotspots, h => GreatCircle.DistanceMeters(h.Center, center) < 350 && h.Covers(hour));
            }
        }

        Assert.All(report.Hotspots, h => Assert.True(h.QValue <= 0.05 && h.RelativeRisk > 1 && h.Observed >= 4, $"{h.Id}: q {h.QValue}, rr {h.RelativeRisk}"));
    }

    [Fact]
    public void Uniform_noise_stays_quiet_and_the_false_alarm_rate_is_reported()
    {
        // 20 independent histories with no space-time interaction. Under this complete null, Benjamini-Hochberg at
        // q = 0.05 bounds the chance of any hotspot in a run by 0.05 (less, for discrete tests).
        const int runs = 20;
        var runsWithAny = 0;
        var hotspots = 0;
        var tests = 0;
        for (var seed = 100; seed < 100 + runs; seed++)
        {
            var report = HotspotDetector.Detect(History(seed, background: 6000), From, Until, Origin);
            runsWithAny += report.Hotspots.Count > 0 ? 1 : 0;
            hotspots += report.Hotspots.Count;
            tests += report.Tests;
        }

        var rate = (double)runsWithAny / runs;
        TestContext.Current.TestOutputHelper?.WriteLine($"uniform noise: {runsWithAny} of {runs} runs raised a hotspot ({hotspots} hotspots over {tests} tests); false-alarm rate {rate:P0} per run");
        Assert.True(rate <= 0.10, $"{runsWithAny} of {runs} runs raised a hotspot");
        Assert.True(hotspots <= 3, $"{hotspots} hotspots in pure noise");
    }

    [Fact]
    public void A_place_busy_at_every_hour_is_explained_by_its_own_baseline()
    {
        // Every day at every hour of the city's rhythm: four times the background density, and no time of its own.
        var history = History(seed: 5, background: 6000);
        var random = new Random(9);
        var center = GreatCircle.Offset(Origin, 500, 500);
        var total = Rhythm.Sum();
        for (var i = 0; i < 800; i++)
        {
            var at = From.AddDays(random.Next(56)).AddHours(DayIncidents.Pick(random, Rhythm, total) + random.NextDouble());
            history.Add(Incident(history.Count, DayIncidents.Around(random, center, 80), at));
        }

        var report = HotspotDetector.Detect(history, From, Until, Origin);

        Assert.DoesNotContain(report.Hotspots, h => GreatCircle.DistanceMeters(h.Center, center) < 350);
    }

    [Fact]
    public void Cancelled_incidents_and_incidents_outside_the_period_are_left_out()
    {
        var history = History(seed: 4, background: 2000, new Plant(0, 0, [DayOfWeek.Saturday], 22, 2, 3));
        var cancelled = history.Select(h => h with { Outcome = HistoricalOutcome.Cancelled }).ToList();

        Assert.Empty(HotspotDetector.Detect(cancelled, From, Until, Origin).Hotspots);
        Assert.Equal(0, HotspotDetector.Detect(history, Until, Until.AddDays(7), Origin).Incidents);
        Assert.Equal(history.Count, HotspotDetector.Detect(history, From, Until, Origin).Incidents);
    }

    [Fact]
    public void Clustered_city_history_recovers_every_planted_cluster_with_few_false_discoveries()
    {
        var city = DemoCity.Generate(7);
        var options = new ClusteredIncidentOptions { BackgroundPerDay = 600, Clusters = 8 };
        var clusters = ClusteredIncidents.Plant(city, 11, options);
        var first = new DateOnly(2025, 3, 3);
        var history = ClusteredIncidents.History(city, clusters, 11, first, 56, options);

        var report = HotspotDetector.Detect(history, From, Until, city.Center);

        // A hotspot is true when its cell touches a cluster's circle and its hours meet one of the cluster's occurrences.
        bool True(Hotspot h) => clusters.Any(c => GreatCircle.DistanceMeters(h.Center, c.Center) <= c.RadiusMeters + 215
            && c.Days.Any(d => Enumerable.Range(c.StartHour, c.Hours).Any(hour => h.Covers(HourOfWeekOf(d, hour)))));
        var falseShare = report.Hotspots.Count == 0 ? 0 : (double)report.Hotspots.Count(h => !True(h)) / report.Hotspots.Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"clustered city: {report.Hotspots.Count} hotspots, {report.Hotspots.Count(h => !True(h))} not at a planted cluster ({falseShare:P1}); {report.Tests} tests over {report.Cells} cells");
        Assert.All(clusters, c => Assert.Contains(report.Hotspots, h => GreatCircle.DistanceMeters(h.Center, c.Center) <= c.RadiusMeters + 215 && True(h)));
        Assert.True(falseShare <= 0.10, $"{falseShare:P1} of hotspots are not at a planted cluster");
    }

    [Fact]
    public void Options_out_of_range_are_refused_naming_the_key_and_value()
    {
        var error = Assert.Throws<ArgumentException>(() => HotspotDetector.Detect([], From, Until, Origin, new HotspotOptions { CellMeters = 10, FalseDiscoveryRate = 0.7 }));

        Assert.Contains("CellMeters must be within 50..5000, got 10", error.Message, StringComparison.Ordinal);
        Assert.Contains("FalseDiscoveryRate must be within (0, 0.5), got 0.7", error.Message, StringComparison.Ordinal);
        Assert.Contains("UtcOffsetHours", Assert.Single(new HotspotOptions { UtcOffsetHours = 8.1 }.Validate("Dispatch:EarlyWarning:Hotspots:")), StringComparison.Ordinal);
    }
}

public sealed class EarlyWarningListTests
{
    private static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    private static Hotspot At(string id, int startHourOfWeek, int hours, double q = 0.01) =>
        new(id, id, new GeoPoint(36.66, 117.0), [], startHourOfWeek, hours, 10, 2, 5, 1e-6, q, 1.2, 40);

    [Fact]
    public void Hours_of_the_week_read_as_local_days_and_hours()
    {
        Assert.Equal("Fri 21:00–24:00", At("a", (4 * 24) + 21, 3).HoursLabel);
        Assert.Equal("Sun 22:00–Mon 02:00", At("b", (6 * 24) + 22, 4).HoursLabel);
        Assert.Equal(0, HourOfWeek.Of(new DateTimeOffset(2025, 3, 2, 16, 30, 0, TimeSpan.Zero), Offset)); // Monday 00:30 in UTC+8
    }

    [Fact]
    public void A_days_list_has_each_districts_occurrences_strongest_first_across_midnight_too()
    {
        var friday = new DateOnly(2025, 3, 7);
        Hotspot[] hotspots = [At("late", (4 * 24) + 22, 4, q: 0.02), At("strong", (4 * 24) + 9, 2, q: 0.001), At("thursday-night", (3 * 24) + 23, 3), At("monday", 10, 2)];

        var lists = EarlyWarningList.ForDay(hotspots, friday, Offset, h => h.Id == "strong" ? "G-02" : "G-01");

        Assert.Equal(["G-01", "G-02"], lists.Select(l => l.DistrictId));
        var g01 = lists[0].Warnings;
        Assert.Equal(["thursday-night", "late"], g01.Select(w => w.Hotspot.Id));
        Assert.Equal(new DateTimeOffset(2025, 3, 6, 23, 0, 0, Offset), g01[0].From);
        Assert.Equal(new DateTimeOffset(2025, 3, 8, 2, 0, 0, Offset), g01[1].Until);
        Assert.Equal(new DateTimeOffset(2025, 3, 7, 9, 0, 0, Offset), lists[1].Warnings.Single().From);
    }

    [Fact]
    public void Next_occurrence_is_the_running_one_or_else_the_coming_one()
    {
        var hotspot = At("a", (4 * 24) + 21, 3);
        var fridayNight = new DateTimeOffset(2025, 3, 7, 22, 0, 0, Offset);

        Assert.Equal(new DateTimeOffset(2025, 3, 7, 21, 0, 0, Offset), EarlyWarningList.Next(hotspot, fridayNight, Offset).From);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 21, 0, 0, Offset), EarlyWarningList.Next(hotspot, fridayNight.AddHours(2), Offset).From);
    }
}
