using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dispatch.Abstractions.Journal;
using Dispatch.Storage.Dialects;

namespace Dispatch.Storage.Journal;

/// <summary>
/// The incident journal in table <c>incident_journal</c>, keyed by (incident id, sequence number). The dispatch
/// engine writes it through <see cref="Incidents.RelationalIncidentStore"/>, in the same commit as the incident's
/// state; this class reads it for auditors and appends on its own for tools and tests. A batch is appended in one
/// transaction: either every entry is stored (or was already stored identically) or none is. <c>occurred_at</c> is
/// kept as round-trip ISO-8601 text so the instant and offset read back exactly in both dialects, which the
/// idempotency comparison relies on.
/// </summary>
public sealed class RelationalIncidentJournal : IIncidentJournal
{
    private readonly RelationalDatabase _database;
    private readonly TimeProvider _timeProvider;

    public RelationalIncidentJournal(RelationalJournalOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        RelationalOptionsRules.ThrowIfInvalid(options, RelationalOptionsRules.JournalSubject);
        _database = RelationalDatabase.For(options.Dialect, options.ConnectionString!);
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
            JournalRows.Validate(entry);
        }

        var recordedAt = _timeProvider.GetUtcNow();
        await _database.WriteAsync<bool>("journal", grouped: false, async (connection, transaction, token) =>
        {
            foreach (var entry in entries)
            {
                await using var insert = JournalRows.Insert(connection, transaction, entry, recordedAt);
                if (await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false) == 1)
                {
                    continue;
                }

                // The sequence number was taken: a repeat of the same entry is fine, anything else is refused.
                var stored = await ReadEntryAsync(connection, transaction, entry.IncidentId, entry.Sequence, token).ConfigureAwait(false);
                if (stored != entry)
                {
                    throw new InvalidOperationException(
                        $"Incident '{entry.IncidentId}' already has journal entry {entry.Sequence} " +
                        $"('{stored?.Kind}' by '{stored?.Actor}' at {stored?.At:O}); refusing a different entry " +
                        $"('{entry.Kind}' by '{entry.Actor}' at {entry.At:O}) under the same sequence number.");
                }
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(incidentId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, RelationalSql.SelectJournalOfIncident)
            .With("@incident_id", incidentId, DbType.String);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<JournalEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(JournalRows.Read(reader));
        }

        return entries;
    }

    public async IAsyncEnumerable<JournalEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, RelationalSql.SelectWholeJournal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return JournalRows.Read(reader);
        }
    }

    private static async Task<JournalEntry?> ReadEntryAsync(
        DbConnection connection, DbTransaction transaction, string incidentId, long sequence, CancellationToken cancellationToken)
    {
        await using var command = DbCommands.Command(connection, RelationalSql.SelectJournalEntry, transaction)
            .With("@incident_id", incidentId, DbType.String)
            .With("@sequence_number", sequence, DbType.Int64);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? JournalRows.Read(reader) : null;
    }
}

/// <summary>How a journal entry is checked, written and read, for the journal and the incident store alike.</summary>
internal static class JournalRows
{
    public static DbCommand Insert(DbConnection connection, DbTransaction transaction, JournalEntry entry, DateTimeOffset recordedAt) =>
        DbCommands.Command(connection, RelationalSql.InsertJournalEntry, transaction)
            .With("@incident_id", entry.IncidentId, DbType.String)
            .With("@sequence_number", entry.Sequence, DbType.Int64)
            .With("@occurred_at", entry.At.ToString("O", CultureInfo.InvariantCulture), DbType.String)
            .With("@kind", entry.Kind, DbType.String)
            .With("@actor", entry.Actor, DbType.String)
            .With("@payload_json", entry.PayloadJson, DbType.String)
            .With("@recorded_at", recordedAt, DbType.DateTimeOffset);

    public static JournalEntry Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1),
        DateTimeOffset.ParseExact(reader.GetString(2), "O", CultureInfo.InvariantCulture, DateTimeStyles.None),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5));

    public static void Validate(JournalEntry entry)
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
