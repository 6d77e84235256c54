using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Ranking;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Ranking;

public sealed class CandidateRankerTests
{
    private static readonly GeoPoint Incident = new(36.65, 117.12);

    private static readonly ResponseTier Patrol = new(
        "patrol",
        TimeSpan.FromSeconds(180),
        TierKind.NearestUnits,
        new Dictionary<IncidentPriority, int> { [IncidentPriority.High] = 2 });

    private static FixedEtaEstimator Etas(params (string UnitId, double EtaSeconds)[] etas) =>
        new(etas.ToDictionary(e => e.UnitId, e => e.EtaSeconds));

    private static TierRecommendation Rank(
        FixedEtaEstimator eta, int requested, IReadOnlyList<Candidate>? candidates = null, IReadOnlySet<string>? excluded = null) =>
        CandidateRanker.RankForTier(Patrol, requested, Incident, candidates ?? eta.All(), eta, excluded);

    [Fact]
    public void Picks_are_ordered_fastest_first()
    {
        var eta = Etas(("U-A", 150), ("U-B", 30), ("U-C", 90));

        var recommendation = Rank(eta, requested: 3);

        Assert.Equal(["U-B", "U-C", "U-A"], recommendation.Picks.Select(p => p.UnitId));
        Assert.Equal([30.0, 90.0, 150.0], recommendation.Picks.Select(p => p.EtaSeconds));
    }

    [Fact]
    public void Equal_etas_are_ordered_by_unit_id_whatever_the_input_order()
    {
        var eta = Etas(("U-3", 60), ("U-1", 60), ("U-2", 60));

        var forward = Rank(eta, requested: 2, eta.Candidates("U-1", "U-2", "U-3"));
        var backward = Rank(eta, requested: 2, eta.Candidates("U-3", "U-2", "U-1"));

        Assert.Equal(["U-1", "U-2"], forward.Picks.Select(p => p.UnitId));
        Assert.Equal(["U-1", "U-2"], backward.Picks.Select(p => p.UnitId));
    }

    [Fact]
    public void Enough_units_within_target_make_a_recommendation_without_risk_or_shortfall()
    {
        var eta = Etas(("U-1", 40), ("U-2", 170), ("U-3", 900));

        var recommendation = Rank(eta, requested: 2);

        Assert.Equal(["U-1", "U-2"], recommendation.Picks.Select(p => p.UnitId));
        Assert.All(recommendation.Picks, p => Assert.True(p.WithinTarget));
        Assert.Empty(recommendation.Shortfalls);
        Assert.False(recommendation.AtRisk);
    }

    [Fact]
    public void Recommendation_carries_tier_name_target_and_requested_count()
    {
        var eta = Etas(("U-1", 40));

        var recommendation = Rank(eta, requested: 1);

        Assert.Equal("patrol", recommendation.TierName);
        Assert.Equal(TimeSpan.FromSeconds(180), recommendation.Target);
        Assert.Equal(1, recommendation.Requested);
    }

    [Fact]
    public void Eta_exactly_at_target_counts_as_within()
    {
        var eta = Etas(("U-1", 180));

        var pick = Assert.Single(Rank(eta, requested: 1).Picks);

        Assert.True(pick.WithinTarget);
    }

    [Fact]
    public void Eta_just_over_target_counts_as_outside()
    {
        var eta = Etas(("U-1", 180.001));

        var pick = Assert.Single(Rank(eta, requested: 1).Picks);

        Assert.False(pick.WithinTarget);
    }

    [Fact]
    public void Too_few_within_target_are_filled_with_the_fastest_of_the_rest()
    {
        var eta = Etas(("U-1", 100), ("U-2", 400), ("U-3", 250));

        var recommendation = Rank(eta, requested: 2);

        Assert.Equal(["U-1", "U-3"], recommendation.Picks.Select(p => p.UnitId));
        Assert.Equal([true, false], recommendation.Picks.Select(p => p.WithinTarget));
        Assert.True(recommendation.AtRisk);
    }

    [Fact]
    public void Too_few_within_target_records_how_many_made_it()
    {
        var eta = Etas(("U-1", 100), ("U-2", 400), ("U-3", 250));

        var recommendation = Rank(eta, requested: 2);

        Assert.Equal(["only 1 of 2 units within 180 s"], recommendation.Shortfalls);
    }

    [Fact]
    public void None_within_target_records_the_fastest_unit_and_still_sends_it()
    {
        var eta = Etas(("U-040", 300), ("U-031", 211.6));

        var recommendation = Rank(eta, requested: 1);

        Assert.Equal("U-031", Assert.Single(recommendation.Picks).UnitId);
        Assert.Equal(["no unit within 180 s; fastest is 212 s (U-031)"], recommendation.Shortfalls);
        Assert.True(recommendation.AtRisk);
    }

    [Fact]
    public void Fewer_candidates_than_requested_records_the_count()
    {
        var eta = Etas(("U-1", 10), ("U-2", 20), ("U-3", 30));

        var recommendation = Rank(eta, requested: 5);

        Assert.Equal(3, recommendation.Picks.Count);
        Assert.Equal(["only 3 candidates for 5 requested"], recommendation.Shortfalls);
        Assert.True(recommendation.AtRisk);
    }

    [Fact]
    public void Late_picks_and_too_few_candidates_are_both_recorded()
    {
        var eta = Etas(("U-1", 100), ("U-2", 200), ("U-3", 300));

        var recommendation = Rank(eta, requested: 5);

        Assert.Equal(["only 1 of 5 units within 180 s", "only 3 candidates for 5 requested"], recommendation.Shortfalls);
    }

    [Fact]
    public void No_candidates_records_that_no_unit_is_reachable()
    {
        var eta = Etas();

        var recommendation = Rank(eta, requested: 2, candidates: []);

        Assert.Empty(recommendation.Picks);
        Assert.Equal(["no available unit reachable"], recommendation.Shortfalls);
        Assert.True(recommendation.AtRisk);
    }

    [Fact]
    public void Only_unreachable_candidates_records_that_no_unit_is_reachable()
    {
        var eta = Etas(("U-1", double.PositiveInfinity), ("U-2", double.NaN));

        var recommendation = Rank(eta, requested: 1);

        Assert.Empty(recommendation.Picks);
        Assert.Equal(["no available unit reachable"], recommendation.Shortfalls);
    }

    [Fact]
    public void Unreachable_candidates_are_never_picked_even_to_fill()
    {
        var eta = Etas(("U-1", double.PositiveInfinity), ("U-2", 500), ("U-3", double.NaN));

        var recommendation = Rank(eta, requested: 3);

        Assert.Equal(["U-2"], recommendation.Picks.Select(p => p.UnitId));
        Assert.Contains("only 1 candidate for 3 requested", recommendation.Shortfalls);
    }

    [Fact]
    public void Excluded_units_are_never_picked()
    {
        var eta = Etas(("U-1", 10), ("U-2", 20), ("U-3", 30));

        var recommendation = Rank(eta, requested: 2, excluded: new HashSet<string> { "U-1" });

        Assert.Equal(["U-2", "U-3"], recommendation.Picks.Select(p => p.UnitId));
    }

    [Fact]
    public void All_candidates_excluded_records_that_no_unit_is_reachable()
    {
        var eta = Etas(("U-1", 10));

        var recommendation = Rank(eta, requested: 1, excluded: new HashSet<string> { "U-1" });

        Assert.Empty(recommendation.Picks);
        Assert.Equal(["no available unit reachable"], recommendation.Shortfalls);
    }

    [Fact]
    public void Zero_requested_gives_an_empty_recommendation_without_shortfall()
    {
        var eta = Etas(("U-1", 10));

        var recommendation = Rank(eta, requested: 0);

        Assert.Empty(recommendation.Picks);
        Assert.Empty(recommendation.Shortfalls);
        Assert.False(recommendation.AtRisk);
    }

    [Fact]
    public void Negative_requested_is_refused()
    {
        var eta = Etas(("U-1", 10));

        Assert.Throws<ArgumentOutOfRangeException>(() => Rank(eta, requested: -1));
    }

    [Fact]
    public void Etas_for_all_candidates_come_from_one_estimator_call()
    {
        var eta = Etas(("U-1", 10), ("U-2", 20), ("U-3", 30), ("U-4", 40), ("U-5", 50));

        Rank(eta, requested: 2);

        Assert.Equal(1, eta.Calls);
        Assert.Equal(5, eta.OriginsEstimated);
    }

    [Fact]
    public void Each_ranking_calls_the_estimator_once()
    {
        var eta = Etas(("U-1", 10), ("U-2", 20));

        Rank(eta, requested: 1);
        Rank(eta, requested: 2);

        Assert.Equal(2, eta.Calls);
    }

    [Fact]
    public void Pick_reason_gives_unit_kind_rounded_eta_target_and_rank()
    {
        var etas = Enumerable.Range(1, 12).ToDictionary(i => $"U-{i:000}", i => 100.0 + i);
        etas["U-017"] = 94.4;
        etas.Remove("U-012");
        var eta = new FixedEtaEstimator(etas);

        var pick = Rank(eta, requested: 1).Picks[0];

        Assert.Equal("U-017 car: ETA 94 s within 180 s target (rank 1 of 12)", pick.Reason);
    }

    [Fact]
    public void Pick_reason_for_a_unit_outside_target_says_it_exceeds_the_target()
    {
        var eta = Etas(("U-031", 212), ("U-040", 300));

        var pick = Rank(eta, requested: 1, [eta.Candidate("U-031", UnitKind.Motorcycle), eta.Candidate("U-040")]).Picks[0];

        Assert.StartsWith("U-031 motorcycle: ETA 212 s exceeds 180 s target", pick.Reason, StringComparison.Ordinal);
        Assert.EndsWith("(rank 1 of 2)", pick.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_pick_has_a_reason_naming_its_unit()
    {
        var eta = Etas(("U-1", 10), ("U-2", 200), ("U-3", 300));

        var recommendation = Rank(eta, requested: 3);

        Assert.All(recommendation.Picks, p => Assert.StartsWith(p.UnitId + " ", p.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_unit_listed_twice_is_picked_once_at_its_faster_eta()
    {
        var eta = Etas(("U-1", 50), ("U-1-stale", 20), ("U-2", 30));
        var stale = eta.Candidate("U-1-stale") with { UnitId = "U-1" };

        var recommendation = Rank(eta, requested: 3, [eta.Candidate("U-1"), stale, eta.Candidate("U-2")]);

        Assert.Equal(["U-1", "U-2"], recommendation.Picks.Select(p => p.UnitId));
        Assert.Equal(20, recommendation.Picks[0].EtaSeconds);
    }
}
