using System.Runtime.CompilerServices;
using Dispatch.Abstractions.Journal;

namespace Dispatch.Grains.Journal;

/// <summary>A process-local journal for development and tests; same idempotency rules as the relational one.</summary>
public sealed class InMemoryIncidentJournal : IIncidentJournal
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<long, JournalEntry>> _byIncident = new(StringComparer.Ordinal);

    public Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                if (_byIncident.TryGetValue(entry.IncidentId, out var existing)
                    && existing.TryGetValue(entry.Sequence, out var taken) && taken != entry)
                {
                    throw new InvalidOperationException(
                        $"journal entry {entry.IncidentId}#{entry.Sequence} is already taken by a different entry");
                }
            }

            foreach (var entry in entries)
            {
                if (!_byIncident.TryGetValue(entry.IncidentId, out var existing))
                {
                    existing = [];
                    _byIncident[entry.IncidentId] = existing;
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
            IReadOnlyList<JournalEntry> entries = _byIncident.TryGetValue(incidentId, out var existing) ? [.. existing.Values] : [];
            return Task.FromResult(entries);
        }
    }

    public async IAsyncEnumerable<JournalEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<JournalEntry> all;
        lock (_gate)
        {
            all = [.. _byIncident.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value.Values)];
        }

        foreach (var entry in all)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return entry;
        }

        await Task.CompletedTask;
    }
}
