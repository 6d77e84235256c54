using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Tests.Plans;

public sealed class ResponsePlanTests
{
    [Fact]
    public void Default_plan_has_station_patrol_and_reinforcement_tiers_at_one_three_and_five_minutes()
    {
        var tiers = ResponsePlan.Default.Tiers;

        Assert.Equal(["station", "patrol", "reinforcement"], tiers.Select(t => t.Name));
        Assert.Equal([60.0, 180.0, 300.0], tiers.Select(t => t.Target.TotalSeconds));
        Assert.Equal([TierKind.StationResponders, TierKind.NearestUnits, TierKind.NearestUnits], tiers.Select(t => t.Kind));
    }

    [Fact]
    public void Default_plan_uses_a_100_meter_arrival_radius_and_a_30_second_ack_deadline()
    {
        Assert.Equal(100, ResponsePlan.Default.ArrivalRadiusMeters);
        Assert.Equal(TimeSpan.FromSeconds(30), ResponsePlan.Default.AckDeadline);
    }

    [Fact]
    public void Default_plan_sends_more_responders_to_critical_incidents_than_to_low_ones()
    {
        var plan = ResponsePlan.Default;

        var critical = plan.Tiers.Sum(t => t.RespondersFor(IncidentPriority.Critical));
        var low = plan.Tiers.Sum(t => t.RespondersFor(IncidentPriority.Low));

        Assert.True(critical > low, $"critical {critical} should exceed low {low}");
    }

    [Fact]
    public void Default_plan_sends_every_priority_at_least_one_station_responder()
    {
        var station = ResponsePlan.Default.Tiers.Single(t => t.Kind == TierKind.StationResponders);

        Assert.All(Enum.GetValues<IncidentPriority>(), p => Assert.True(station.RespondersFor(p) >= 1, p.ToString()));
    }

    [Fact]
    public void Default_plan_tiers_cannot_be_changed_through_the_read_only_list()
    {
        var tiers = ResponsePlan.Default.Tiers;

        Assert.True(tiers is not ResponseTier[] and ICollection<ResponseTier> { IsReadOnly: true });
    }

    [Fact]
    public void RespondersFor_returns_the_configured_count()
    {
        var tier = new ResponseTier("patrol", TimeSpan.FromMinutes(3), TierKind.NearestUnits,
            new Dictionary<IncidentPriority, int> { [IncidentPriority.High] = 3 });

        Assert.Equal(3, tier.RespondersFor(IncidentPriority.High));
    }

    [Fact]
    public void RespondersFor_returns_zero_for_a_priority_the_tier_does_not_list()
    {
        var tier = new ResponseTier("patrol", TimeSpan.FromMinutes(3), TierKind.NearestUnits,
            new Dictionary<IncidentPriority, int> { [IncidentPriority.High] = 3 });

        Assert.Equal(0, tier.RespondersFor(IncidentPriority.Low));
    }
}
