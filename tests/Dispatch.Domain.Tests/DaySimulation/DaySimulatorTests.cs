using Dispatch.Domain.City;
using Dispatch.Domain.DaySimulation;
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
            var first = new DaySimulator(city, graph, ResponsePlan.Default).Run(policy, incidents);
            var second = new DaySimulator(city, graph, ResponsePlan.Default).Run(policy, incidents);

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
}
