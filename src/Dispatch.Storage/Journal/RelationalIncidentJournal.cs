using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dispatch.Abstractions.Journal;
using Dispatch.Storage.Dialects;

namespace Dispatch.Storage.Journal;

/// <summary>
/// The incident journal in table <c>incident_journal</c>, keyed by (incident id, sequence number).
/// A batch is appended in one transaction: either every entry is stored (or was already stored
/// identically) or none is. <c>occurred_at</c> is kept as round-trip ISO-8601 text so the instant and
/// offset read back exactly in both dialects, which the idempotency comparison relies on.
/// </summary>
public sealed class RelationalIncidentJournal : IIncidentJournal
{
    private readonly RelationalDatabase _database;
    private readonly TimeProvider _timeProvider;

    public RelationalIncidentJournal(RelationalJournalOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        RelationalOptionsRules.ThrowIfInvalid(options, RelationalOptionsRules.JournalSubject);
        _database = new RelationalDatabase(options.Dialect, options.ConnectionString!);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table now (it is otherwise created at first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.EnsureSchemaAsync(cancellationToken);

    public async Task AppendAsync(IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        foreach (var entry in entries)
        {
            Validate(entry);
        }

        var recordedAt = _timeProvider.GetUtcNow();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var turn = await _database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            await using var insert = RelationalDatabase.Command(connection, RelationalSql.InsertJournalEntry, transaction)
                .With("@incident_id", entry.IncidentId, DbType.String)
                .With("@sequence_number", entry.Sequence, DbType.Int64)
                .With("@occurred_at", entry.At.ToString("O", CultureInfo.InvariantCulture), DbType.String)
                .With("@kind", entry.Kind, DbType.String)
                .With("@actor", entry.Actor, DbType.String)
                .With("@payload_json", entry.PayloadJson, DbType.String)
                .With("@recorded_at", recordedAt, DbType.DateTimeOffset);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                continue;
            }

            // The sequence number was taken: a repeat of the same entry is fine, anything else is refused.
            var stored = await ReadEntryAsync(connection, transaction, entry.IncidentId, entry.Sequence, cancellationToken).ConfigureAwait(false);
            if (stored != entry)
            {
                throw new InvalidOperationException(
                    $"Incident '{entry.IncidentId}' already has journal entry {entry.Sequence} " +
                    $"('{stored?.Kind}' by '{stored?.Actor}' at {stored?.At:O}); refusing a different entry " +
                    $"('{entry.Kind}' by '{entry.Actor}' at {entry.At:O}) under the same sequence number.");
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(incidentId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = RelationalDatabase.Command(connection, RelationalSql.SelectJournalOfIncident)
            .With("@incident_id", incidentId, DbType.String);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(ToEntry(reader));
        }

        return entries;
    }

    public async IAsyncEnumerable<JournalEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = RelationalDatabase.Command(connection, RelationalSql.SelectWholeJournal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ToEntry(reader);
        }
    }

    private static async Task<JournalEntry?> ReadEntryAsync(
        DbConnection connection, DbTransaction transaction, string incidentId, long sequence, CancellationToken cancellationToken)
    {
        await using var command = RelationalDatabase.Command(connection, RelationalSql.SelectJournalEntry, transaction)
            .With("@incident_id", incidentId, DbType.String)
            .With("@sequence_number", sequence, DbType.Int64);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ToEntry(reader) : null;
    }

    private static JournalEntry ToEntry(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1),
        DateTimeOffset.ParseExact(reader.GetString(2), "O", CultureInfo.InvariantCulture, DateTimeStyles.None),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5));

    private static void Validate(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.IncidentId))
        {
            throw new ArgumentException("A journal entry needs an incident id.", nameof(entry));
        }

        if (entry.Sequence < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(entry), entry.Sequence, $"Journal entry of incident '{entry.IncidentId}' has sequence {entry.Sequence}; sequences start at 1.");
        }

        if (entry.Kind is null || entry.Actor is null || entry.PayloadJson is null)
        {
            throw new ArgumentException(
                $"Journal entry {entry.Sequence} of incident '{entry.IncidentId}' needs a kind, an actor and a payload (use \"{{}}\" for none).", nameof(entry));
        }
    }
}
