using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.SafetyIndex;
using Dispatch.Domain.Tests.City;

namespace Dispatch.Domain.Tests.SafetyIndex;

/// <summary>
/// The formula against figures worked out by hand on a small fixture: two grids of one district (G-1, 10,000 residents;
/// G-2, 5,000), one local day (2026-05-04, UTC+8), the default weights 30/20/10/15/15/10 and ceiling 20.
/// </summary>
public sealed class SafetyIndexFormulaTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private static readonly DateOnly Day = new(2026, 5, 4);
    private static readonly DateTimeOffset Noon = new(2026, 5, 4, 12, 0, 0, Beijing);
    private static readonly DateTimeOffset NextDayEnd = new(2026, 5, 6, 0, 0, 0, Beijing);
    private static readonly GeoPoint Corner = new(36.6620, 117.0020);

    private static CityModel Fixture()
    {
        var small = new SmallCity();
        small.Grids[0] = small.Grids[0] with { District = "d1", DistrictName = "一区", Population = 10_000 };
        small.Grids[1] = small.Grids[1] with { District = "d1", Population = 5_000 };
        return small.Build();
    }

    /// <summary>
    /// G-1: two thefts (1.5 each) and a fire (3) within 20 m of one corner (weighted 6), tiers 2 met 1 breached; cameras
    /// 90 of 100 samples online; a grid event resolved in time and rated 5, another past its limit unresolved.
    /// G-2: a disturbance (0.5), its tier met; cameras 40 of 50; a grid event resolved in time and rated 2.
    /// </summary>
    private static SafetyIndexInputs Facts() => new(
        [
            new("G-1", "theft", Corner, Noon, 1, 0),
            new("G-1", "theft", GreatCircle.Offset(Corner, 10, 0), Noon.AddHours(1), 1, 0),
            new("G-1", "fire", GreatCircle.Offset(Corner, 0, 15), Noon.AddHours(2), 0, 1),
            new("G-2", "disturbance", new GeoPoint(36.6650, 117.0150), Noon, 1, 0),
        ],
        [
            new("G-1", new GeoPoint(36.6690, 117.0080), Noon.AddHours(-6), Noon.AddHours(6), Noon.AddHours(1), Noon.AddHours(2), 5, true),
            new("G-1", new GeoPoint(36.6605, 117.0090), Noon.AddHours(-10), Noon.AddHours(-2), null, null, null, true),
            new("G-2", new GeoPoint(36.6690, 117.0190), Noon.AddHours(-3), Noon.AddHours(20), Noon, Noon.AddHours(3), 2, true),
        ],
        [new("G-1", Day, 90, 100), new("G-2", Day, 40, 50)]);

    private static SafetyIndexReport Compute(SafetyIndexInputs? facts = null, DateOnly? to = null, DateTimeOffset? now = null) =>
        SafetyIndexCalculator.Compute(Fixture(), Day, to ?? Day, facts ?? Facts(), now ?? NextDayEnd, new SafetyIndexOptions());

    [Fact]
    public void A_grid_scores_as_worked_out_by_hand()
    {
        var g1 = Compute().Districts.Single().Grids.Single(g => g.GridId == "G-1").Overall.Score;

        // incidents: 6 weighted × 10,000 / 10,000 / 1 day = 6 per 10,000 a day → 100 × (1 − 6/20) = 70
        Assert.Equal(70, g1.Indicator("incidents").Score!.Value, 9);
        Assert.Equal(6, g1.Indicator("incidents").Value!.Value, 9);
        Assert.Equal(200.0 / 3, g1.Indicator("tierCompliance").Score!.Value, 9);
        Assert.Equal(90, g1.Indicator("cameras").Score!.Value, 9);
        Assert.Equal(50, g1.Indicator("gridEventsWithinSla").Score!.Value, 9);
        Assert.Equal(100, g1.Indicator("satisfaction").Score!.Value, 9);

        // five reports (three incidents within 20 m of each other, two grid events far apart): 3 at a repeat location
        Assert.Equal(40, g1.Indicator("repeatLocations").Score!.Value, 9);

        // (30×70 + 20×66.67 + 10×90 + 15×50 + 15×100 + 10×40) / 100
        Assert.Equal(((30 * 70) + (20 * 200.0 / 3) + (10 * 90) + (15 * 50) + (15 * 100) + (10 * 40)) / 100, g1.Index!.Value, 9);
        Assert.Equal(69.8333333333, g1.Index!.Value, 6);
    }

    [Fact]
    public void A_district_scores_its_summed_counts_not_the_mean_of_its_grids()
    {
        var d1 = Compute().Districts.Single();
        var score = d1.Overall.Score;

        Assert.Equal(("d1", "一区", (int?)15_000), (d1.DistrictId, d1.Name, d1.Population));

        // 6.5 weighted × 10,000 / 15,000 = 4.333 per 10,000 → 78.33; tiers 3/4; cameras 130/150; SLA 2/3; mean rating 3.5 → 62.5; repeat 3 of 7
        Assert.Equal(100 * (1 - (6.5 * 10_000 / 15_000 / 20)), score.Indicator("incidents").Score!.Value, 9);
        Assert.Equal(75, score.Indicator("tierCompliance").Score!.Value, 9);
        Assert.Equal(100.0 * 130 / 150, score.Indicator("cameras").Score!.Value, 9);
        Assert.Equal(200.0 / 3, score.Indicator("gridEventsWithinSla").Score!.Value, 9);
        Assert.Equal(62.5, score.Indicator("satisfaction").Score!.Value, 9);
        Assert.Equal(100 * (1 - (3.0 / 7)), score.Indicator("repeatLocations").Score!.Value, 9);
        var expected = ((30 * 78.3333333333333) + (20 * 75) + (10 * 86.6666666666667) + (15 * 66.6666666666667) + (15 * 62.5) + (10 * 57.1428571428571)) / 100;
        Assert.Equal(expected, score.Index!.Value, 9);
        Assert.Equal(72.2559523810, score.Index!.Value, 6);
    }

    [Fact]
    public void Indicators_without_data_drop_out_and_the_others_share_their_weight()
    {
        var counts = new IndicatorCounts { Population = 10_000, Days = 1, WeightedIncidents = 10, Incidents = 10, TiersMet = 1, TiersBreached = 3 };

        var score = SafetyIndexFormula.Score(counts, new SafetyIndexOptions());

        // incidents 100 × (1 − 10/20) = 50 (weight 30), tiers 25 (weight 20); cameras, SLA, satisfaction, repeats have no data
        Assert.Equal(((30 * 50) + (20 * 25)) / 50.0, score.Index!.Value, 9);
        Assert.Null(score.Indicator("cameras").Score);
        Assert.Equal("no camera reported", score.Indicator("cameras").Detail);
    }

    [Fact]
    public void Unknown_residents_leave_the_incident_rate_out_and_nothing_at_all_leaves_no_index()
    {
        Assert.Null(SafetyIndexFormula.Score(new IndicatorCounts { Days = 1, Incidents = 3, WeightedIncidents = 3 }, new SafetyIndexOptions()).Indicator("incidents").Score);
        Assert.Null(SafetyIndexFormula.Score(new IndicatorCounts { Days = 1 }, new SafetyIndexOptions()).Index);
    }

    [Fact]
    public void The_incident_score_bottoms_out_at_the_ceiling_and_a_weight_of_zero_ignores_an_indicator()
    {
        var options = new SafetyIndexOptions { IncidentRateCeiling = 5 };
        options.Weights.TierCompliance = 0;
        var counts = new IndicatorCounts { Population = 1_000, Days = 1, WeightedIncidents = 2, Incidents = 2, TiersMet = 0, TiersBreached = 5 };

        var score = SafetyIndexFormula.Score(counts, options);

        // 2 × 10,000 / 1,000 = 20 per 10,000 a day, four times the ceiling
        Assert.Equal(0, score.Indicator("incidents").Score);
        Assert.Equal(0, score.Index);
    }

    [Fact]
    public void A_breach_counts_on_the_day_its_limit_passed_and_an_event_not_yet_due_counts_not_at_all()
    {
        var facts = new SafetyIndexInputs([],
        [
            // reported on the 4th, due on the 5th, never resolved: breached on the 5th
            new("G-1", Corner, Noon, Noon.AddDays(1), null, null, null, true),
            // due after "now": undecided
            new("G-1", Corner, Noon, NextDayEnd.AddHours(5), null, null, null, true),
            // rejected: never counts
            new("G-1", Corner, Noon, Noon.AddHours(1), null, null, null, false),
        ], []);

        var days = Compute(facts, Day.AddDays(1)).Districts.Single().Days;

        Assert.Equal([0, 1], days.Select(d => d.Counts.GridEventsBreached));
        Assert.All(days, d => Assert.Equal(0, d.Counts.GridEventsWithinSla));
    }

    [Fact]
    public void Days_weeks_and_the_range_follow_local_time_and_iso_weeks()
    {
        // 2026-05-04 is a Monday: the 4th to the 11th is all of week 19 and the Monday of week 20.
        var facts = new SafetyIndexInputs([new("G-1", "theft", Corner, new DateTimeOffset(2026, 5, 10, 16, 30, 0, TimeSpan.Zero), 0, 0)], [], []);

        var district = Compute(facts, Day.AddDays(7), now: new DateTimeOffset(2026, 5, 20, 0, 0, 0, Beijing)).Districts.Single();

        Assert.Equal(8, district.Days.Count);
        Assert.Equal(["2026-W19", "2026-W20"], district.Weeks.Select(w => w.Period));
        Assert.Equal((7.0, 1.0), (district.Weeks[0].Counts.Days, district.Weeks[1].Counts.Days));

        // 16:30 UTC on the 10th is 00:30 on the 11th in Beijing.
        Assert.Equal("2026-05-11", district.Days.Single(d => d.Counts.Incidents == 1).Period);
        Assert.Equal(1, district.Weeks[1].Counts.Incidents);
        Assert.Equal(("range", 1), (district.Overall.Period, district.Overall.Counts.Incidents));
    }

    [Fact]
    public void The_day_under_way_counts_for_the_share_of_it_gone()
    {
        var facts = new SafetyIndexInputs([new("G-1", "x", Corner, Noon.AddHours(-6), 0, 0)], [], []);

        var g1 = Compute(facts, now: Noon).Districts.Single().Grids.Single(g => g.GridId == "G-1").Overall;

        // one incident (weight 1) in half a day for 10,000 residents: 2 per 10,000 a day
        Assert.Equal(0.5, g1.Counts.Days, 9);
        Assert.Equal(2, g1.Score.Indicator("incidents").Value!.Value, 9);
    }

    [Fact]
    public void Districts_rank_best_first()
    {
        var small = new SmallCity();
        small.Grids[0] = small.Grids[0] with { District = "a", Population = 10_000 };
        small.Grids[1] = small.Grids[1] with { District = "b", Population = 10_000 };
        var facts = new SafetyIndexInputs([new("G-1", "fire", Corner, Noon, 0, 0)], [], []);

        var report = SafetyIndexCalculator.Compute(small.Build(), Day, Day, facts, NextDayEnd, new SafetyIndexOptions());

        Assert.Equal(["b", "a"], report.Districts.Select(d => d.DistrictId));
    }
}
