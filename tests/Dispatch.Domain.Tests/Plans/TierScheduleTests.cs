using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Tests.Plans;

public sealed class TierScheduleTests
{
    private static readonly DateTimeOffset CreatedAt = new(2026, 11, 23, 8, 0, 0, TimeSpan.FromHours(8));

    private static ResponsePlan PlanWithTargets(params int[] targetSeconds) => new(
        [.. targetSeconds.Select((s, i) => new ResponseTier($"tier-{i}", TimeSpan.FromSeconds(s), TierKind.NearestUnits, new Dictionary<IncidentPriority, int>()))],
        ArrivalRadiusMeters: 100,
        AckDeadline: TimeSpan.FromSeconds(30));

    [Fact]
    public void Each_tier_deadline_is_creation_time_plus_its_target()
    {
        var deadlines = TierSchedule.Deadlines(CreatedAt, ResponsePlan.Default);

        Assert.Equal(["station", "patrol", "reinforcement"], deadlines.Select(d => d.TierName));
        Assert.Equal(
            [CreatedAt.AddMinutes(1), CreatedAt.AddMinutes(3), CreatedAt.AddMinutes(5)],
            deadlines.Select(d => d.Deadline));
        Assert.Equal([0, 1, 2], deadlines.Select(d => d.TierIndex));
    }

    [Fact]
    public void Deadlines_keep_the_creation_offset()
    {
        var deadline = TierSchedule.Deadlines(CreatedAt, ResponsePlan.Default)[0];

        Assert.Equal(TimeSpan.FromHours(8), deadline.Deadline.Offset);
    }

    [Fact]
    public void Plan_without_tiers_has_no_deadlines()
    {
        Assert.Empty(TierSchedule.Deadlines(CreatedAt, PlanWithTargets()));
        Assert.Null(TierSchedule.Next(CreatedAt, PlanWithTargets(), CreatedAt));
    }

    [Fact]
    public void Next_deadline_at_creation_is_the_first_tier()
    {
        var next = TierSchedule.Next(CreatedAt, ResponsePlan.Default, CreatedAt);

        Assert.Equal("station", next?.TierName);
    }

    [Fact]
    public void Next_deadline_skips_tiers_already_passed()
    {
        var next = TierSchedule.Next(CreatedAt, ResponsePlan.Default, CreatedAt.AddSeconds(100));

        Assert.Equal(new TierDeadline(1, "patrol", CreatedAt.AddSeconds(180)), next);
    }

    [Fact]
    public void A_deadline_at_exactly_now_is_reached_not_next()
    {
        var now = CreatedAt.AddSeconds(180);

        Assert.Equal("reinforcement", TierSchedule.Next(CreatedAt, ResponsePlan.Default, now)?.TierName);
        Assert.Equal(["station", "patrol"], TierSchedule.Reached(CreatedAt, ResponsePlan.Default, now).Select(d => d.TierName));
    }

    [Fact]
    public void No_next_deadline_once_every_tier_has_passed()
    {
        Assert.Null(TierSchedule.Next(CreatedAt, ResponsePlan.Default, CreatedAt.AddHours(1)));
    }

    [Fact]
    public void Nothing_is_reached_before_the_first_deadline()
    {
        Assert.Empty(TierSchedule.Reached(CreatedAt, ResponsePlan.Default, CreatedAt.AddSeconds(59)));
    }

    [Fact]
    public void Next_deadline_is_the_earliest_ahead_even_when_tiers_are_out_of_order()
    {
        var plan = PlanWithTargets(300, 60, 180);

        var next = TierSchedule.Next(CreatedAt, plan, CreatedAt.AddSeconds(61));

        Assert.Equal(2, next?.TierIndex);
    }
}
