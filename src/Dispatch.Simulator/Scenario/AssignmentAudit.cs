using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Units;

namespace Dispatch.Simulator.Scenario;

/// <summary>A unit found holding <see cref="NewIncidentId"/> while it still held <see cref="HeldIncidentId"/>.</summary>
public sealed record DoubleAssignment(string UnitId, string HeldIncidentId, string NewIncidentId, string Evidence);

/// <summary>
/// Checks the run from the records alone, without trusting the engine's own bookkeeping: each unit's
/// assignment history and the incident journal, read after the run.
/// </summary>
public static class AssignmentAudit
{
    private static readonly HashSet<string> AssignmentEnds = new(StringComparer.Ordinal)
    {
        TimelineKinds.Cleared, TimelineKinds.UnitReleased, TimelineKinds.AckTimeout,
    };

    /// <summary>Pairs of one unit's history entries whose intervals (in the unit's own event sequence) overlap.</summary>
    public static IReadOnlyList<DoubleAssignment> FromHistories(IReadOnlyDictionary<string, IReadOnlyList<UnitAssignmentRecord>> histories)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var found = new List<DoubleAssignment>();
        foreach (var (unitId, history) in histories)
        {
            var ordered = history.OrderBy(r => r.StartSequence).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                var earlier = ordered[i];
                var earlierEnd = earlier.EndSequence ?? long.MaxValue;
                for (var j = i + 1; j < ordered.Count && ordered[j].StartSequence < earlierEnd; j++)
                {
                    found.Add(new DoubleAssignment(unitId, earlier.IncidentId, ordered[j].IncidentId,
                        $"history: assignment #{ordered[j].AssignmentNumber} started (event {ordered[j].StartSequence}) before #{earlier.AssignmentNumber} ended ({(earlier.EndSequence is { } end ? $"event {end}" : "never")})"));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Units the journal shows assigned to an incident after an earlier assignment of theirs that the journal
    /// never ends (no cleared, released or ack-timeout entry for that unit after it in that incident).
    /// </summary>
    public static IReadOnlyList<DoubleAssignment> FromJournal(IEnumerable<JournalEntry> journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var assignments = new List<(string UnitId, JournalEntry Entry, bool Ended)>();
        foreach (var incident in journal.GroupBy(e => e.IncidentId, StringComparer.Ordinal))
        {
            var entries = incident.OrderBy(e => e.Sequence).Select(e => (Entry: e, UnitId: UnitOf(e))).ToList();
            for (var i = 0; i < entries.Count; i++)
            {
                var (entry, unitId) = entries[i];
                if (entry.Kind != TimelineKinds.UnitAssigned || unitId is null)
                {
                    continue;
                }

                var ended = entries.Skip(i + 1).Any(later => later.UnitId == unitId && AssignmentEnds.Contains(later.Entry.Kind));
                assignments.Add((unitId, entry, ended));
            }
        }

        var found = new List<DoubleAssignment>();
        foreach (var unit in assignments.GroupBy(a => a.UnitId, StringComparer.Ordinal))
        {
            var ordered = unit.OrderBy(a => a.Entry.At).ThenBy(a => a.Entry.IncidentId, StringComparer.Ordinal).ToList();
            for (var i = 0; i < ordered.Count - 1; i++)
            {
                if (!ordered[i].Ended)
                {
                    var next = ordered[i + 1];
                    found.Add(new DoubleAssignment(unit.Key, ordered[i].Entry.IncidentId, next.Entry.IncidentId,
                        $"journal: assigned to {next.Entry.IncidentId} at {next.Entry.At:O} while its assignment to {ordered[i].Entry.IncidentId} (at {ordered[i].Entry.At:O}) was never released or cleared"));
                }
            }
        }

        return found;
    }

    /// <summary>Distinct (unit, held incident, new incident) found by either check.</summary>
    public static IReadOnlyList<DoubleAssignment> DoubleAssigned(
        IReadOnlyDictionary<string, IReadOnlyList<UnitAssignmentRecord>> histories, IReadOnlyList<JournalEntry> journal) =>
        [.. FromHistories(histories).Concat(FromJournal(journal)).DistinctBy(d => (d.UnitId, d.HeldIncidentId, d.NewIncidentId))];

    /// <summary>
    /// Incidents intake gave an id for that the journal does not have, or has without any dispatch decision:
    /// neither a unit assigned nor a recorded shortfall (tier at risk).
    /// </summary>
    public static IReadOnlyList<string> Lost(IEnumerable<string> reportedIncidentIds, IEnumerable<JournalEntry> journal)
    {
        ArgumentNullException.ThrowIfNull(reportedIncidentIds);
        ArgumentNullException.ThrowIfNull(journal);
        var kindsByIncident = journal
            .GroupBy(e => e.IncidentId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Kind).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        return [.. reportedIncidentIds.Distinct(StringComparer.Ordinal).Where(id =>
            !kindsByIncident.TryGetValue(id, out var kinds)
            || !kinds.Contains(TimelineKinds.Created)
            || !(kinds.Contains(TimelineKinds.UnitAssigned) || kinds.Contains(TimelineKinds.TierAtRisk)))];
    }

    /// <summary>Incidents the journal shows at least one unit assigned to.</summary>
    public static int Dispatched(IEnumerable<string> reportedIncidentIds, IEnumerable<JournalEntry> journal)
    {
        var assigned = journal.Where(e => e.Kind == TimelineKinds.UnitAssigned).Select(e => e.IncidentId).ToHashSet(StringComparer.Ordinal);
        return reportedIncidentIds.Distinct(StringComparer.Ordinal).Count(assigned.Contains);
    }

    /// <summary>The unit an entry is about (payload <c>unitId</c>), or null.</summary>
    public static string? UnitOf(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            using var payload = JsonDocument.Parse(entry.PayloadJson);
            return payload.RootElement.ValueKind == JsonValueKind.Object
                && payload.RootElement.TryGetProperty("unitId", out var unitId)
                && unitId.ValueKind == JsonValueKind.String
                ? unitId.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
