using System.Runtime.CompilerServices;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;

namespace Dispatch.Grains.Records;

/// <summary>
/// The incident record in process memory, for development, tests and the in-process engine: the same rules as the
/// relational store (a commit is all or nothing, a stale version is refused, one active assignment per unit, an alert
/// id once per gateway), and the journal readable through <see cref="IIncidentJournal"/>.
/// </summary>
public sealed class InMemoryIncidentStore : IIncidentStore, IIncidentJournal, IUnitPositionStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Version, byte[] Snapshot, IncidentSummary Summary)> _incidents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, JournalEntry>> _journal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<long, UnitAssignmentRow>> _assignments = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Gateway, string Alert), AlertLedgerEntry> _alerts = [];
    private readonly Dictionary<string, UnitPositionReport> _positions = new(StringComparer.Ordinal);

    Task<StoredIncident?> IIncidentStore.ReadAsync(string incidentId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_incidents.TryGetValue(incidentId, out var row)
                ? new StoredIncident(row.Version, row.Snapshot, JournalOf(incidentId))
                : null);
        }
    }

    public Task<long> CommitAsync(IncidentCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var id = commit.Summary.IncidentId;
        lock (_gate)
        {
            var stored = _incidents.TryGetValue(id, out var row) ? row.Version : 0;
            if (stored != commit.ExpectedVersion)
            {
                throw new RecordVersionConflictException(commit.ExpectedVersion == 0
                    ? $"incident '{id}' already exists"
                    : $"incident '{id}' is no longer at version {commit.ExpectedVersion}: another writer stored a newer one");
            }

            var journal = _journal.TryGetValue(id, out var entries) ? entries : null;
            if (commit.Journal.Any(e => journal?.ContainsKey(e.Sequence) == true))
            {
                throw new RecordVersionConflictException($"incident '{id}' already has some of these journal entries: another writer got there first");
            }

            foreach (var a in commit.Assignments)
            {
                if (_assignments.TryGetValue(a.UnitId, out var held))
                {
                    if (held.TryGetValue(a.AssignmentNumber, out var same) && same.IncidentId != a.IncidentId)
                    {
                        throw new UnitAlreadyAssignedException(a.UnitId, $"assignment #{a.AssignmentNumber} of unit '{a.UnitId}' belongs to another incident; refusing it to incident '{a.IncidentId}'");
                    }

                    if (a.IsActive && held.Values.Any(h => h.IsActive && h.AssignmentNumber != a.AssignmentNumber))
                    {
                        throw new UnitAlreadyAssignedException(a.UnitId, $"unit '{a.UnitId}' already holds an active assignment; refusing #{a.AssignmentNumber} to incident '{a.IncidentId}'");
                    }
                }
            }

            if (commit.Alerts.FirstOrDefault(a => _alerts.ContainsKey((a.GatewayId, a.AlertId))) is { } taken)
            {
                throw new RecordRefusedException($"alert '{taken.AlertId}' of gateway '{taken.GatewayId}' is already recorded");
            }

            var version = stored + 1;
            _incidents[id] = (version, [.. commit.Snapshot], commit.Summary);
            if (journal is null)
            {
                _journal[id] = journal = [];
            }

            foreach (var entry in commit.Journal)
            {
                journal[entry.Sequence] = entry;
            }

            foreach (var a in commit.Assignments)
            {
                if (!_assignments.TryGetValue(a.UnitId, out var held))
                {
                    _assignments[a.UnitId] = held = [];
                }

                held[a.AssignmentNumber] = a;
            }

            foreach (var alert in commit.Alerts)
            {
                _alerts[(alert.GatewayId, alert.AlertId)] = alert;
            }

            return Task.FromResult(version);
        }
    }

    public Task<IReadOnlyList<IncidentSummary>> FindAsync(IncidentFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_gate)
        {
            IReadOnlyList<IncidentSummary> found = [.. _incidents.Values.Select(r => r.Summary)
                .Where(s => filter.Status is not { } status || s.Status == status)
                .Where(s => filter.Source is not { } source || s.Source == source)
                .Where(s => filter.Type is null || s.Type == filter.Type)
                .Where(s => filter.Priority is not { } priority || s.Priority == priority)
                .Where(s => filter.CreatedFrom is not { } from || s.CreatedAt >= from)
                .Where(s => filter.CreatedBefore is not { } before || s.CreatedAt < before)
                .Where(s => filter.StationId is null || s.StationId == filter.StationId)
                .Where(s => filter.GridIds is not { Count: > 0 } grids || (s.GridId is not null && grids.Contains(s.GridId, StringComparer.Ordinal)))
                .Where(s => filter.After is not { } after || after.Precedes(s.CreatedAt, s.IncidentId))
                .Where(s => filter.Box is not { } b || (s.Latitude >= b.South && s.Latitude <= b.North && s.Longitude >= b.West && s.Longitude <= b.East))
                .OrderByDescending(s => s.CreatedAt)
                .ThenByDescending(s => s.IncidentId, StringComparer.Ordinal)
                .Take(Math.Clamp(filter.Limit, 1, 100_000))];
            return Task.FromResult(found);
        }
    }

    public Task<StoredUnitAssignments> ReadUnitAsync(string unitId, int latest, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_assignments.TryGetValue(unitId, out var held) || held.Count == 0)
            {
                return Task.FromResult(new StoredUnitAssignments([], 0));
            }

            return Task.FromResult(new StoredUnitAssignments([.. held.Values.TakeLast(latest)], held.Keys.Max()));
        }
    }

    public Task<AlertLedgerEntry?> FindAlertAsync(string gatewayId, string alertId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_alerts.GetValueOrDefault((gatewayId, alertId)));
        }
    }

    public Task RecordAlertAsync(AlertLedgerEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (!_alerts.TryAdd((entry.GatewayId, entry.AlertId), entry))
            {
                throw new RecordRefusedException($"alert '{entry.AlertId}' of gateway '{entry.GatewayId}' is already recorded");
            }
        }

        return Task.CompletedTask;
    }

    public Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                if (_journal.TryGetValue(entry.IncidentId, out var existing)
                    && existing.TryGetValue(entry.Sequence, out var taken) && taken != entry)
                {
                    throw new InvalidOperationException(
                        $"journal entry {entry.IncidentId}#{entry.Sequence} is already taken by a different entry");
                }
            }

            foreach (var entry in entries)
            {
                if (!_journal.TryGetValue(entry.IncidentId, out var existing))
                {
                    _journal[entry.IncidentId] = existing = [];
                }

                existing[entry.Sequence] = entry;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JournalEntry>> ReadAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(JournalOf(incidentId));
        }
    }

    public async IAsyncEnumerable<JournalEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<JournalEntry> all;
        lock (_gate)
        {
            all = [.. _journal.OrderBy(j => j.Key, StringComparer.Ordinal).SelectMany(j => j.Value.Values)];
        }

        foreach (var entry in all)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }

        await Task.CompletedTask;
    }

    public Task<StoredPosition?> ReadPositionAsync(string unitId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_positions.TryGetValue(unitId, out var p) ? new StoredPosition(p.Position, p.At) : null);
        }
    }

    public Task SavePositionsAsync(IReadOnlyList<UnitPositionReport> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        lock (_gate)
        {
            foreach (var position in positions)
            {
                if (!_positions.TryGetValue(position.UnitId, out var known) || known.At <= position.At)
                {
                    _positions[position.UnitId] = position;
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UnitPositionReport>> FindPositionsAsync(double south, double west, double north, double east, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<UnitPositionReport> found = [.. _positions.Values.Where(p =>
                p.Position.Latitude >= south && p.Position.Latitude <= north && p.Position.Longitude >= west && p.Position.Longitude <= east)];
            return Task.FromResult(found);
        }
    }

    private IReadOnlyList<JournalEntry> JournalOf(string incidentId) =>
        _journal.TryGetValue(incidentId, out var entries) ? [.. entries.Values] : [];
}
