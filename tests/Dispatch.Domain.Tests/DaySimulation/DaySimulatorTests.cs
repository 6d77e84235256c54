using Dispatch.Domain.City;
using Dispatch.Domain.DaySimulation;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Roads;

namespace Dispatch.Domain.Tests.DaySimulation;

public sealed class DaySimulatorTests
{
    private static readonly Lazy<(CityModel City, RoadGraph Graph)> Demo = new(() =>
    {
        var city = DemoCity.Generate(7);
        var graph = RoadGraph.Build(DemoRoads.Generate(7, 0.2), new RoadGraphOptions { Origin = DemoCity.JinanCenter });
        return (city, graph);
    });

    [Fact]
    public void Same_seed_gives_the_same_incidents()
    {
        var a = DayIncidents.Generate(Demo.Value.City, 5, 200);
        var b = DayIncidents.Generate(Demo.Value.City, 5, 200);
        var c = DayIncidents.Generate(Demo.Value.City, 6, 200);

        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(i => i.Location), c.Select(i => i.Location));
    }

    [Fact]
    public void Incidents_are_in_time_order_within_one_day_and_busier_by_day_than_before_dawn()
    {
        var incidents = DayIncidents.Generate(Demo.Value.City, 5, 2000);

        Assert.Equal(incidents.OrderBy(i => i.At), incidents);
        Assert.All(incidents, i => Assert.InRange(i.At, TimeSpan.Zero, TimeSpan.FromDays(1)));
        var night = incidents.Count(i => i.At.Hours is >= 2 and < 5);
        var evening = incidents.Count(i => i.At.Hours is >= 17 and < 20);
        Assert.True(evening > 3 * night, $"{evening} evening against {night} night incidents");
    }

    [Fact]
    public void Same_seed_gives_the_same_day_for_every_policy()
    {
        var (city, graph) = Demo.Value;
        var incidents = DayIncidents.Generate(city, 7, 150);

        foreach (var policy in Enum.GetValues<DayPolicy>())
        {
            PatrolWindow[] patrols = [new("H-1", incidents[0].Location, TimeSpan.FromHours(8), TimeSpan.FromHours(12))];
            var first = new DaySimulator(city, graph, ResponsePlan.Default).Run(policy, incidents, patrols);
            var second = new DaySimulator(city, graph, ResponsePlan.Default).Run(policy, incidents, patrols);

            Assert.Equal(first.Summary(), second.Summary());
            Assert.Equal((first.Dispatches, first.MoveUps, first.PicksDiffering), (second.Dispatches, second.MoveUps, second.PicksDiffering));
        }
    }

    [Fact]
    public void Summary_line_reports_every_tier_and_the_mean_eta()
    {
        var (city, graph) = Demo.Value;
        var result = new DaySimulator(city, graph, ResponsePlan.Default).Run(DayPolicy.TravelTime, DayIncidents.Generate(city, 7, 50));

        Assert.Matches(@"^policy=travel-time incidents=50 tier1_met=\d+\.\d% tier2_met=\d+\.\d% tier3_met=\d+\.\d% mean_eta_s=\d+\.\d$", result.Summary());
        Assert.True(result.Dispatches >= 50);
        Assert.Equal(50, result.PicksCompared);
    }

    [Fact]
    public void Ranking_by_travel_time_meets_the_patrol_tier_at_least_as_often_as_straight_line()
    {
        var (city, graph) = Demo.Value;
        var incidents = DayIncidents.Generate(city, 7, 300);
        var simulator = new DaySimulator(city, graph, ResponsePlan.Default);

        var straight = simulator.Run(DayPolicy.StraightLineNearest, incidents);
        var road = simulator.Run(DayPolicy.TravelTime, incidents);

        Assert.True(road.TierMetShare(1) >= straight.TierMetShare(1), $"{road.Summary()} / {straight.Summary()}");
        Assert.True(road.MeanEtaSeconds < straight.MeanEtaSeconds);
        Assert.True(road.PicksDiffering > 0);
    }

    [Fact]
    public void Hotspot_patrols_answer_the_hotspots_incidents_faster_than_move_ups_alone()
    {
        // Incidents every 20 minutes between 20:00 and 23:00 at one spot, far from its station; the patrol stands by there.
        var (city, graph) = Demo.Value;
        var centroid = city.Grids[17].Boundary.Centroid;
        var at = new GeoPoint(centroid.Y, centroid.X);
        var station = city.FindStation(city.Grids[17].StationId)!;
        var incidents = Enumerable.Range(0, 9).Select(n => new DayIncident(
            n + 1, TimeSpan.FromHours(20) + TimeSpan.FromMinutes(20 * n), GreatCircle.Offset(at, 30 * (n % 3), -20 * (n % 2)),
            IncidentPriority.High, city.Grids[17].Id, station.Id, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(2), 1000 + n)).ToList();
        PatrolWindow[] patrols = [new("H-1", at, TimeSpan.FromHours(20), TimeSpan.FromHours(23))];
        var simulator = new DaySimulator(city, graph, ResponsePlan.Default);

        var moveUps = simulator.Run(DayPolicy.TravelTimeWithMoveUps, incidents, patrols);
        var hotspots = simulator.Run(DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols, incidents, patrols);

        Assert.True(hotspots.PatrolPostings >= 1);
        Assert.Equal(0, moveUps.PatrolPostings);
        Assert.True(hotspots.MeanEtaSeconds < moveUps.MeanEtaSeconds, $"{hotspots.Summary()} / {moveUps.Summary()}");
        Assert.True(hotspots.TierMetShare(1) >= moveUps.TierMetShare(1));
        Assert.Equal(incidents.Count, hotspots.Outcomes.Count);
    }

    [Fact]
    public void The_hotspot_policy_without_patrol_windows_is_refused()
    {
        var (city, graph) = Demo.Value;

        var error = Assert.Throws<ArgumentException>(() => new DaySimulator(city, graph, ResponsePlan.Default)
            .Run(DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols, DayIncidents.Generate(city, 7, 5)));

        Assert.Contains("patrol windows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clustered_days_are_seeded_and_a_cluster_adds_incidents_on_its_own_weekdays_only()
    {
        var city = Demo.Value.City;
        var options = new ClusteredIncidentOptions { BackgroundPerDay = 200, Clusters = 6, IncidentsPerOccurrence = 8 };
        var clusters = ClusteredIncidents.Plant(city, 3, options);

        var friday = ClusteredIncidents.Day(city, clusters, 3, 3, DayOfWeek.Friday, options);
        var again = ClusteredIncidents.Day(city, clusters, 3, 3, DayOfWeek.Friday, options);

        Assert.Equal(friday, again);
        Assert.Equal(friday.OrderBy(i => i.At), friday);
        Assert.Equal(Enumerable.Range(1, friday.Count), friday.Select(i => i.Number));
        foreach (var cluster in clusters.Where(c => !c.Days.Contains(DayOfWeek.Friday)))
        {
            Assert.DoesNotContain(friday, i => cluster.Covers(DayOfWeek.Friday, i.At) && GreatCircle.DistanceMeters(i.Location, cluster.Center) < 1);
        }

        var history = ClusteredIncidents.History(city, clusters, 3, new DateOnly(2025, 3, 3), 7, options);
        Assert.True(history.Count >= 7 * 200);
        Assert.All(history, h => Assert.Equal(HistoricalOutcome.Closed, h.Outcome));
    }
}
