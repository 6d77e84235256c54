using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Incidents;

/// <summary>
/// The incident's record: loading it, the timeline, and the one commit that ends every step. Officers' reports are the
/// exception to one call, one step: they may arrive together (the units of one incident acknowledge or arrive at nearly
/// the same moment), so they wait for any step in progress, then join a batch that is committed once, after
/// <see cref="DispatchGrainOptions.ReportCommitWindow"/> (<c>.Reports.cs</c>).
/// </summary>
public sealed partial class IncidentGrain : IIncomingGrainCallFilter
{
    private static readonly JsonSerializerOptions JournalJson = new(JsonSerializerDefaults.Web);

    private bool _loaded;

    // The version of the stored record (0: not stored yet).
    private long _version;

    // Timeline: the journal as stored, then this step's entries.
    private readonly List<TimelineEntry> _timeline = [];
    private int _committed;
    private int _published;

    // What this step changed besides the state and the timeline, and what to tell others once it is durable.
    private readonly Dictionary<(string UnitId, long Number), (AssignmentRecord Record, long Stamp)> _changedAssignments = [];
    private long _changeStamp;

    // The step in progress (every call but an officer's report is one), which reports wait for.
    private Task? _stepDone;
    private Task? _loading;
    private readonly List<AlertLedgerEntry> _pendingAlerts = [];
    private readonly List<AssignmentRecord> _claimsToConfirm = [];
    private readonly List<(AssignmentRecord Assignment, string Reason)> _endsToTell = [];
    private readonly List<Func<Task>> _afterCommit = [];

    // Terminal buttons (unit id / client action id) in the record, and those of entries not yet committed, by sequence.
    private readonly HashSet<string> _appliedActions = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _pendingActionIds = [];
    private string? _stationCommittedInStep;

    /// <summary>Every call but an officer's report is a step: reports that arrive meanwhile wait for it to end.</summary>
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.InterfaceMethod?.Name is nameof(OnUnitReportAsync) or nameof(HasAppliedAsync))
        {
            await context.Invoke();
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _stepDone = done.Task;
        try
        {
            await context.Invoke();
        }
        finally
        {
            _stepDone = null;
            done.SetResult();
        }
    }

    /// <summary>Reads the record on first use; an open incident then resumes its dispatch and re-arms its deadlines.</summary>
    private Task EnsureLoadedAsync()
    {
        if (_loaded)
        {
            return Task.CompletedTask;
        }

        // Reports interleave: the first caller reads, the others wait for the same read.
        return _loading ??= LoadOnceAsync();
    }

    private async Task LoadOnceAsync()
    {
        try
        {
            Load(await store.ReadAsync(IncidentId));
        }
        finally
        {
            _loading = null;
        }

        _loaded = true;
        if (S.Exists && S.Status == IncidentStatus.Open)
        {
            if (!S.TiersPlanned || S.Tiers.Any(t => !t.Filled))
            {
                // Dispatch was interrupted by a restart: carry on.
                Self.DispatchAsync().Ignore();
            }

            if (WaitingTiers().Any())
            {
                _nextWaitingCheck = clock.GetUtcNow();
            }

            ArmDeadlineTimer();
        }
    }

    private void Load(StoredIncident? stored)
    {
        _changedAssignments.Clear();
        _pendingAlerts.Clear();
        _claimsToConfirm.Clear();
        _endsToTell.Clear();
        _afterCommit.Clear();
        _stationCommittedInStep = null;
        _timeline.Clear();
        _appliedActions.Clear();
        _pendingActionIds.Clear();
        if (stored is null)
        {
            S = new IncidentState();
            _version = 0;
        }
        else
        {
            S = serializer.Deserialize<IncidentState>(stored.Snapshot) ?? new IncidentState();
            _version = stored.Version;
            foreach (var entry in stored.Journal)
            {
                var payload = JsonSerializer.Deserialize<JournalPayload>(entry.PayloadJson, JournalJson);
                _timeline.Add(new TimelineEntry(entry.Sequence, entry.At, entry.Kind, entry.Actor, payload?.Text ?? "", payload?.UnitId, payload?.TierName));
                if (payload is { ClientActionId: { } actionId, UnitId: { } unitId })
                {
                    _appliedActions.Add(unitId + "/" + actionId);
                }
            }
        }

        _committed = _timeline.Count;
        _published = _timeline.Count;
    }

    private void Append(DateTimeOffset at, string kind, string actor, string text, string? unitId = null, string? tierName = null, string? clientActionId = null)
    {
        _timeline.Add(new TimelineEntry(_timeline.Count + 1, at, kind, actor, text, unitId, tierName));
        if (clientActionId is not null && unitId is not null)
        {
            _pendingActionIds[_timeline.Count] = clientActionId;
        }
    }

    public Task<bool> HasAppliedAsync(string unitId, string clientActionId) =>
        Task.FromResult(_appliedActions.Contains(unitId + "/" + clientActionId));

    private void MarkChanged(AssignmentRecord assignment) =>
        _changedAssignments[(assignment.UnitId, assignment.AssignmentNumber)] = (assignment, ++_changeStamp);

    /// <summary>Ends an assignment in the record; the unit is told once the step is durable.</summary>
    private void EndAssignment(AssignmentRecord assignment, AssignmentState end, string reason, string actor)
    {
        var now = clock.GetUtcNow();
        assignment.State = end;
        assignment.EndedAt = now;
        assignment.EndReason = reason;
        MarkChanged(assignment);
        _endsToTell.Add((assignment, reason));
        Append(now, TimelineKinds.UnitReleased, actor, $"{assignment.UnitId} released: {reason}", assignment.UnitId, assignment.TierName);
    }

    /// <summary>
    /// Makes what is pending durable in one commit, then confirms its claims to the units, tells released units, and
    /// publishes the change. What changes while the commit is under way (reports joining the next batch) stays pending.
    /// A refused or failed commit undoes everything pending: claims are given back, a station commitment made in the
    /// step is released, reports waiting for a batch are refused, and the state is read again from the store.
    /// </summary>
    private async Task<bool> CommitAsync()
    {
        int through;
        List<KeyValuePair<(string UnitId, long Number), (AssignmentRecord Record, long Stamp)>> changed;
        int alerts;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                through = _timeline.Count;
                changed = [.. _changedAssignments];
                alerts = _pendingAlerts.Count;
                var commit = new IncidentCommit(
                    Summary(),
                    _version,
                    serializer.SerializeToArray(S),
                    [.. _timeline.Skip(_committed).Take(through - _committed).Select(ToJournal)],
                    [.. changed.Select(c => ToRow(c.Value.Record))],
                    [.. _pendingAlerts.Take(alerts)]);
                try
                {
                    _version = await store.CommitAsync(commit);
                    break;
                }
                catch (UnitAlreadyAssignedException conflict) when (attempt < MaxCommitAttempts && DropConflictingClaim(conflict.UnitId))
                {
                    // The record still holds the unit for another incident (its release is on its way): the rest of the
                    // step stands, without that claim.
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogCommitFailed(logger, exception, IncidentId, _timeline.Count - _committed);
            await UndoStepAsync();
            if (exception is RecordVersionConflictException)
            {
                // Another activation wrote this incident: this one is stale and goes.
                DeactivateOnIdle();
            }

            return false;
        }

        foreach (var (sequence, actionId) in _pendingActionIds.Where(p => p.Key <= through).ToList())
        {
            _appliedActions.Add(_timeline[(int)sequence - 1].UnitId + "/" + actionId);
            _pendingActionIds.Remove(sequence);
        }

        _committed = through;
        foreach (var (key, (_, stamp)) in changed)
        {
            if (_changedAssignments.TryGetValue(key, out var now) && now.Stamp == stamp)
            {
                _changedAssignments.Remove(key);
            }
        }

        _pendingAlerts.RemoveRange(0, alerts);
        _stationCommittedInStep = null;
        var claims = _claimsToConfirm.ToList();
        var ends = _endsToTell.ToList();
        var after = _afterCommit.ToList();
        _claimsToConfirm.Clear();
        _endsToTell.Clear();
        _afterCommit.Clear();
        foreach (var claim in claims)
        {
            GrainFactory.GetGrain<IPatrolUnitGrain>(claim.UnitId).ConfirmAssignmentAsync(IncidentId, claim.AssignmentNumber, committed: true).Ignore();
        }

        foreach (var (assignment, reason) in ends)
        {
            GrainFactory.GetGrain<IPatrolUnitGrain>(assignment.UnitId).AssignmentEndedAsync(IncidentId, assignment.AssignmentNumber, reason).Ignore();
        }

        foreach (var action in after)
        {
            try
            {
                await action();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogAfterCommitFailed(logger, exception, IncidentId);
            }
        }

        await PublishAsync();
        return true;
    }

    /// <summary>Attempts at one commit: each may drop one claim the record refused.</summary>
    private const int MaxCommitAttempts = 4;

    /// <summary>Turns a claim of this step that the record refused into a refusal; false when no such claim is pending.</summary>
    private bool DropConflictingClaim(string? unitId)
    {
        var claim = _claimsToConfirm.FirstOrDefault(c => c.UnitId == unitId);
        if (claim is null)
        {
            return false;
        }

        _claimsToConfirm.Remove(claim);
        GrainFactory.GetGrain<IPatrolUnitGrain>(claim.UnitId).ConfirmAssignmentAsync(IncidentId, claim.AssignmentNumber, committed: false).Ignore();
        var now = clock.GetUtcNow();
        claim.State = AssignmentState.Released;
        claim.EndedAt = now;
        claim.EndReason = "the record still holds the unit for another incident";
        MarkChanged(claim);
        Append(now, TimelineKinds.ClaimRefused, Abstractions.Common.Actors.System,
            $"could not record {claim.UnitId} for tier {claim.TierName}: the record still holds it for another incident", claim.UnitId, claim.TierName);
        if (S.Tiers.FirstOrDefault(t => t.Name == claim.TierName) is { Kind: Domain.Plans.TierKind.NearestUnits } tier)
        {
            tier.WaitingForUnits = true;
            _nextWaitingCheck ??= now + _options.WaitingTierRecheckInterval;
        }

        return true;
    }

    private async Task UndoStepAsync()
    {
        // Reports applied meanwhile go with the reload: their batch is refused, so each officer is told to try again.
        _reportBatch?.TrySetResult(false);
        _reportBatch = null;
        foreach (var claim in _claimsToConfirm)
        {
            GrainFactory.GetGrain<IPatrolUnitGrain>(claim.UnitId).ConfirmAssignmentAsync(IncidentId, claim.AssignmentNumber, committed: false).Ignore();
        }

        if (_stationCommittedInStep is { } stationId)
        {
            GrainFactory.GetGrain<Abstractions.Stations.IStationGrain>(stationId).ReleaseRespondersAsync(IncidentId).Ignore();
        }

        try
        {
            Load(await store.ReadAsync(IncidentId));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Read again on the next call.
            LogCommitFailed(logger, exception, IncidentId, 0);
            Load(null);
            _loaded = false;
        }
    }

    private async Task PublishAsync()
    {
        var appended = _timeline.Skip(_published).ToList();
        _published = _committed;
        var view = View();
        metrics.IncidentChanged(view);
        try
        {
            await events.IncidentChangedAsync(view, appended);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogPublishFailed(logger, exception, IncidentId);
        }
    }

    private IncidentSummary Summary()
    {
        var station = S.Tiers.FirstOrDefault(t => t.StationId is not null);
        return new IncidentSummary(
            IncidentId, S.Type, S.Priority, S.Source, S.Status, S.Latitude, S.Longitude, S.CreatedAt, S.EndedAt,
            S.GridId, station?.StationId, station?.StationResponders ?? 0, S.LastAlertAt,
            S.Description.Length <= 500 ? S.Description : S.Description[..500]);
    }

    private UnitAssignmentRow ToRow(AssignmentRecord a) => new(
        a.UnitId, a.AssignmentNumber, IncidentId, a.TierName, a.State, a.AssignedAt, a.AckDeadline,
        S.Latitude, S.Longitude, plan.ArrivalRadiusMeters, a.EndedAt, a.EndReason);

    private JournalEntry ToJournal(TimelineEntry e) => new(
        IncidentId, e.Sequence, e.At, e.Kind, e.Actor,
        JsonSerializer.Serialize(new JournalPayload(e.Text, e.UnitId, e.TierName, _pendingActionIds.GetValueOrDefault(e.Sequence)), JournalJson));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: a step with {Entries} timeline entries could not be committed; it was undone")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string incidentId, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: publishing a change for live views failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string incidentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: a follow-up of a committed step failed")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception exception, string incidentId);

    /// <summary>An entry's payload in the journal; a terminal button's entry carries the terminal's client action id.</summary>
    private sealed record JournalPayload(
        string Text,
        string? UnitId,
        string? TierName,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientActionId = null);
}
