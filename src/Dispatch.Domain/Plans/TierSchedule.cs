namespace Dispatch.Domain.Plans;

/// <summary>When one tier of an incident's response must have arrived.</summary>
public sealed record TierDeadline(int TierIndex, string TierName, DateTimeOffset Deadline);

/// <summary>
/// Tier deadlines of an incident, counted from its creation. Pure, so an incident can re-arm
/// its timer from persisted state after reactivation by asking for the next deadline after now.
/// </summary>
public static class TierSchedule
{
    /// <summary>Each tier's deadline, in the plan's tier order.</summary>
    public static IReadOnlyList<TierDeadline> Deadlines(DateTimeOffset createdAt, ResponsePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. plan.Tiers.Select((tier, i) => new TierDeadline(i, tier.Name, createdAt + tier.Target))];
    }

    /// <summary>The earliest deadline still ahead of <paramref name="now"/>; null once every deadline has passed.</summary>
    public static TierDeadline? Next(DateTimeOffset createdAt, ResponsePlan plan, DateTimeOffset now) =>
        Deadlines(createdAt, plan)
            .Where(d => d.Deadline > now)
            .OrderBy(d => d.Deadline)
            .ThenBy(d => d.TierIndex)
            .FirstOrDefault();

    /// <summary>The deadlines reached by <paramref name="now"/> (a deadline at exactly now is reached), earliest first.</summary>
    public static IReadOnlyList<TierDeadline> Reached(DateTimeOffset createdAt, ResponsePlan plan, DateTimeOffset now) =>
        [.. Deadlines(createdAt, plan)
            .Where(d => d.Deadline <= now)
            .OrderBy(d => d.Deadline)
            .ThenBy(d => d.TierIndex)];
}
