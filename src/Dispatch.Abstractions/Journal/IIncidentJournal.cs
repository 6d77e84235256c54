namespace Dispatch.Abstractions.Journal;

/// <summary>
/// One audited event of an incident's life (created, unit assigned, acknowledged, arrived, tier met or
/// breached, closed...). <paramref name="Sequence"/> is 1-based and gap-free per incident.
/// </summary>
public sealed record JournalEntry(
    string IncidentId,
    long Sequence,
    DateTimeOffset At,
    string Kind,
    string Actor,
    string PayloadJson);

/// <summary>
/// The append-only incident journal an auditor reads. Appends are idempotent on
/// (incident id, sequence): writing the same entry twice stores it once; a different entry under a
/// taken sequence number is refused with <see cref="InvalidOperationException"/>.
/// </summary>
public interface IIncidentJournal
{
    Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JournalEntry>> ReadAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>Every entry, ordered by incident id then sequence.</summary>
    IAsyncEnumerable<JournalEntry> ReadAllAsync(CancellationToken cancellationToken = default);
}
