using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Incidents;

/// <summary>Deadlines on the dispatch clock: tier breaches, ack timeouts, retries and waiting tiers, handled as one step.</summary>
public sealed partial class IncidentGrain
{
    private ITimer? _deadlineTimer;
    private DateTimeOffset? _deadlineTimerDue;

    public async Task CheckDeadlinesAsync()
    {
        await EnsureLoadedAsync();
        if (!S.Exists || S.Status != IncidentStatus.Open)
        {
            return;
        }

        // The one-shot timer that brought us here has fired: forget it, so the re-arm below always sets a new
        // one. A timer may fire a little before its due time (clock granularity); without this, the same due time
        // would look already armed and the deadline would never be handled.
        DisposeDeadlineTimer();
        var now = clock.GetUtcNow();
        if (_retryNotBefore > now)
        {
            ArmDeadlineTimer();
            return;
        }

        _retryNotBefore = null;
        var changed = false;

        // Breaches first: they need no other grain, so a slow or failing unit cannot delay them.
        foreach (var tier in S.Tiers.Where(t => t.Outcome == TierOutcome.Pending && t.Deadline <= now))
        {
            tier.Outcome = TierOutcome.Breached;
            Append(now, TimelineKinds.TierBreached, Actors.System,
                $"tier {tier.Name}: nobody on scene by the {tier.Target.TotalSeconds:F0} s deadline ({Stamp(tier.Deadline)})",
                tierName: tier.Name);
            changed = true;
        }

        try
        {
            foreach (var assignment in S.Assignments.Where(a => a.State == AssignmentState.Dispatched && a.AckDeadline <= now).ToList())
            {
                changed |= await HandleAckTimeoutAsync(assignment, now);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDeadlineFailed(logger, exception, IncidentId);
            _retryNotBefore = now + RetryDelay;
        }

        if (_retryNotBefore is null && S.TiersPlanned && S.Tiers.Any(t => !t.Filled))
        {
            await FillUnfilledTiersAsync(Actors.System);
            changed = true;
        }
        else if (_retryNotBefore is null && _nextWaitingCheck <= now)
        {
            changed |= await RecheckWaitingTiersAsync(now);
        }

        if (changed)
        {
            await CommitAsync();
        }

        ArmDeadlineTimer();
    }

    /// <summary>
    /// The officer did not acknowledge in time: the unit is taken off (unless it acknowledged just now) and its tier
    /// filled again. True when the incident changed.
    /// </summary>
    private async Task<bool> HandleAckTimeoutAsync(AssignmentRecord assignment, DateTimeOffset now)
    {
        var unit = GrainFactory.GetGrain<IPatrolUnitGrain>(assignment.UnitId);
        var released = await unit.ReleaseAsync(IncidentId, "no acknowledgement by the ack deadline", Actors.System, onlyIfUnacknowledged: true);
        if (!released.Ok)
        {
            // The officer acknowledged just in time (the report is on its way) or the unit moved on: take its word.
            var view = await unit.GetAsync();
            if (view?.Assignment is { } held && held.IncidentId == IncidentId && held.AssignmentNumber == assignment.AssignmentNumber)
            {
                if (assignment.IsActive && AssignmentState.Acknowledged > assignment.State)
                {
                    assignment.State = AssignmentState.Acknowledged;
                    MarkChanged(assignment);
                }

                return false;
            }

            assignment.State = AssignmentState.Released;
            assignment.EndedAt = now;
            assignment.EndReason = released.Error;
            MarkChanged(assignment);
            Append(now, TimelineKinds.UnitReleased, Actors.System, $"{assignment.UnitId} no longer holds the incident: {released.Error}", assignment.UnitId, assignment.TierName);
            return true;
        }

        assignment.State = AssignmentState.Released;
        assignment.EndedAt = now;
        assignment.EndReason = "ack timeout";
        MarkChanged(assignment);
        _endsToTell.Add((assignment, "ack timeout"));
        Append(now, TimelineKinds.AckTimeout, Actors.System,
            $"{assignment.UnitId} did not acknowledge by {Stamp(assignment.AckDeadline)}; released, dispatching the next unit",
            assignment.UnitId, assignment.TierName);
        var tier = S.Tiers.FirstOrDefault(t => t.Name == assignment.TierName);
        if (tier is not null)
        {
            await FillNearestTiersAsync([tier], Actors.System, recheck: false);
        }

        return true;
    }

    private void ArmDeadlineTimer()
    {
        var due = S.Status != IncidentStatus.Open || !S.Exists
            ? null
            : S.Assignments.Where(a => a.State == AssignmentState.Dispatched).Select(a => (DateTimeOffset?)a.AckDeadline)
                .Concat(S.Tiers.Where(t => t.Outcome == TierOutcome.Pending).Select(t => (DateTimeOffset?)t.Deadline))
                .Append(S.TiersPlanned && S.Tiers.Any(t => !t.Filled) ? _retryNotBefore : null)
                .Append(WaitingTiers().Any() ? _nextWaitingCheck : null)
                .Min();
        if (due is not null && _retryNotBefore > due)
        {
            // After a failure nothing fires before the retry time, so a failing call cannot spin.
            due = _retryNotBefore;
        }

        if (due == _deadlineTimerDue)
        {
            return;
        }

        DisposeDeadlineTimer();
        if (due is null)
        {
            return;
        }

        // The dispatch clock may be a test's fake, so the timer comes from it; the callback only sends a message to
        // this grain, so the deadline work runs on the grain's own scheduler like any other call.
        var self = Self;
        var delay = due.Value - clock.GetUtcNow();
        _deadlineTimerDue = due;
        _deadlineTimer = clock.CreateTimer(_ => self.CheckDeadlinesAsync().Ignore(), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void DisposeDeadlineTimer()
    {
        _deadlineTimer?.Dispose();
        _deadlineTimer = null;
        _deadlineTimerDue = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: handling an ack deadline failed; retrying shortly")]
    private static partial void LogDeadlineFailed(ILogger logger, Exception exception, string incidentId);
}
