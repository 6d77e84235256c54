using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Incidents;

/// <summary>What assigned units report: acknowledged, en route, on scene (button or GPS), cleared, released.</summary>
public sealed partial class IncidentGrain
{
    // Reports collected for the next batch commit, and the batch commits in order (one at a time).
    private TaskCompletionSource<bool>? _reportBatch;
    private Task _reportCommits = Task.CompletedTask;

    public async Task<CommandResult> OnUnitReportAsync(UnitReport report)
    {
        ArgumentNullException.ThrowIfNull(report);

        // A step in progress (a deadline, an operator's command) may release this very unit: it goes first.
        while (_stepDone is { } step)
        {
            await step;
        }

        await EnsureLoadedAsync();
        var assignment = S.Assignments.LastOrDefault(a => a.UnitId == report.UnitId && a.AssignmentNumber == report.AssignmentNumber);
        if (!S.Exists || assignment is null)
        {
            logger.LogWarning("Incident {IncidentId} ignored a report from unit {UnitId} it did not assign", IncidentId, report.UnitId);
            return CommandResult.Refused($"incident '{IncidentId}' has no assignment #{report.AssignmentNumber} of unit '{report.UnitId}'");
        }

        if (!assignment.IsActive)
        {
            return CommandResult.Refused($"unit '{report.UnitId}' no longer holds incident '{IncidentId}' ({assignment.EndReason ?? assignment.State.ToString()})");
        }

        var tier = S.Tiers.FirstOrDefault(t => t.Name == assignment.TierName);
        switch (report.Kind)
        {
            case UnitReportKind.Acknowledged:
                Advance(assignment, AssignmentState.Acknowledged);
                Append(report.At, TimelineKinds.Acknowledged, report.Actor, $"{report.UnitId} acknowledged", report.UnitId, assignment.TierName, report.ClientActionId);
                break;
            case UnitReportKind.EnRoute:
                Advance(assignment, AssignmentState.EnRoute);
                Append(report.At, TimelineKinds.EnRoute, report.Actor, $"{report.UnitId} en route", report.UnitId, assignment.TierName, report.ClientActionId);
                break;
            case UnitReportKind.OnScene:
                Advance(assignment, AssignmentState.OnScene);
                assignment.ArrivedAt ??= report.At;
                Append(report.At, TimelineKinds.OnScene, report.Actor, $"{report.UnitId} on scene: {report.Detail}", report.UnitId, assignment.TierName, report.ClientActionId);
                if (tier is not null)
                {
                    RecordArrival(tier, report.At, report.UnitId, report.Actor);
                }

                break;
            case UnitReportKind.Cleared:
                assignment.State = AssignmentState.Cleared;
                assignment.EndedAt = report.At;
                assignment.EndReason = "cleared";
                Append(report.At, TimelineKinds.Cleared, report.Actor, $"{report.UnitId} cleared", report.UnitId, assignment.TierName, report.ClientActionId);
                break;
            case UnitReportKind.Released:
                var wasOnScene = assignment.State == AssignmentState.OnScene;
                assignment.State = AssignmentState.Released;
                assignment.EndedAt = report.At;
                assignment.EndReason = report.Detail;
                Append(report.At, TimelineKinds.UnitReleased, report.Actor, $"{report.UnitId} left the incident: {report.Detail}", report.UnitId, assignment.TierName, report.ClientActionId);
                if (!wasOnScene && tier is { Kind: TierKind.NearestUnits } && S.Status == IncidentStatus.Open)
                {
                    try
                    {
                        await FillNearestTiersAsync([tier], Actors.System, recheck: false);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        LogDispatchFailed(logger, exception, IncidentId);
                        tier.Filled = false;
                        _retryNotBefore = clock.GetUtcNow() + RetryDelay;
                    }
                }

                break;
        }

        MarkChanged(assignment);
        if (report.Kind == UnitReportKind.Released)
        {
            // A refill is a dispatch step of its own: committed now, not batched.
            return await CommitOrRefuseAsync();
        }

        if (!await CommitInBatchAsync())
        {
            return CommandResult.Refused($"incident '{IncidentId}' could not record the report now; try again");
        }

        ArmDeadlineTimer();
        return CommandResult.Success;
    }

    /// <summary>
    /// Joins the batch of reports being collected (or starts one): the batch waits the report window so reports arriving
    /// together share it, waits for the previous batch's commit, then commits everything pending once.
    /// </summary>
    private Task<bool> CommitInBatchAsync()
    {
        if (_reportBatch is { } open)
        {
            return open.Task;
        }

        var batch = _reportBatch = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _reportCommits = CommitBatchAsync(batch, _reportCommits);
        return batch.Task;
    }

    private async Task CommitBatchAsync(TaskCompletionSource<bool> batch, Task previous)
    {
        if (_options.ReportCommitWindow > TimeSpan.Zero)
        {
            await Task.Delay(_options.ReportCommitWindow);
        }

        await previous;
        if (batch.Task.IsCompleted)
        {
            // Refused already: an earlier commit failed and took these reports' changes with it.
            return;
        }

        // Reports from here on go to the next batch.
        if (ReferenceEquals(_reportBatch, batch))
        {
            _reportBatch = null;
        }

        var committed = await CommitAsync();
        batch.TrySetResult(committed);
    }

    private static void Advance(AssignmentRecord assignment, AssignmentState next)
    {
        if (assignment.IsActive && next > assignment.State)
        {
            assignment.State = next;
        }
    }
}
