using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Storage.Dialects;
using Dispatch.Storage.Journal;

namespace Dispatch.Storage.Incidents;

/// <summary>
/// The incident record in four tables: <c>incident</c> (state and the columns lists are filtered on),
/// <c>incident_journal</c> (the timeline), <c>unit_assignment</c> (who holds what; a partial unique index allows one
/// active assignment per unit) and <c>alert_ledger</c> (accepted alert ids). One <see cref="CommitAsync"/> writes all
/// four for one step of one incident in one unit of work: through the group commit on SQLite (its own savepoint in a
/// shared transaction), in its own transaction on PostgreSQL. Times are ISO-8601 text in UTC, so they sort and read
/// back exactly in both dialects.
/// </summary>
public sealed class RelationalIncidentStore : IIncidentStore, IUnitPositionStore
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private readonly RelationalDatabase _database;
    private readonly bool _groupCommit;
    private readonly TimeProvider _timeProvider;

    public RelationalIncidentStore(RelationalIncidentStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        RelationalOptionsRules.ThrowIfInvalid(options, RelationalOptionsRules.IncidentStoreSubject);
        _database = RelationalDatabase.For(options.Dialect, options.ConnectionString!);
        _groupCommit = options.GroupCommit;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>What this process committed to the store's database (shared with grain storage on the same database).</summary>
    public StorageStatistics Statistics => _database.Statistics;

    /// <summary>Creates the tables now (they are otherwise created at first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.EnsureSchemaAsync(cancellationToken);

    public async Task<StoredIncident?> ReadAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(incidentId);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long version;
        byte[] snapshot;
        await using (var command = DbCommands.Command(connection, IncidentSql.SelectIncident).With("@incident_id", incidentId, DbType.String))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            version = reader.GetInt64(0);
            snapshot = reader.GetFieldValue<byte[]>(1);
        }

        var journal = new List<JournalEntry>();
        await using (var command = DbCommands.Command(connection, RelationalSql.SelectJournalOfIncident).With("@incident_id", incidentId, DbType.String))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                journal.Add(JournalRows.Read(reader));
            }
        }

        return new StoredIncident(version, snapshot, journal);
    }

    public Task<long> CommitAsync(IncidentCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var summary = commit.Summary;
        foreach (var entry in commit.Journal)
        {
            JournalRows.Validate(entry);
            if (entry.IncidentId != summary.IncidentId)
            {
                throw new ArgumentException($"journal entry {entry.Sequence} belongs to incident '{entry.IncidentId}', not '{summary.IncidentId}'", nameof(commit));
            }
        }

        var now = _timeProvider.GetUtcNow();
        return _database.WriteAsync("incident", _groupCommit, async (connection, transaction, token) =>
        {
            var version = await WriteIncidentRowAsync(connection, transaction, commit, now, token).ConfigureAwait(false);
            foreach (var entry in commit.Journal)
            {
                await using var insert = JournalRows.Insert(connection, transaction, entry, now);
                if (await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false) != 1)
                {
                    throw new RecordVersionConflictException(
                        $"incident '{summary.IncidentId}' already has journal entry {entry.Sequence}: another writer got there first");
                }
            }

            foreach (var assignment in commit.Assignments)
            {
                await WriteAssignmentAsync(connection, transaction, assignment, token).ConfigureAwait(false);
            }

            foreach (var alert in commit.Alerts)
            {
                if (await InsertAlertAsync(connection, transaction, alert, now, token).ConfigureAwait(false) != 1)
                {
                    throw new RecordRefusedException($"alert '{alert.AlertId}' of gateway '{alert.GatewayId}' is already recorded");
                }
            }

            return version;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<IncidentSummary>> FindAsync(IncidentFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sql = new StringBuilder(IncidentSql.SelectSummaries);
        var conditions = new List<string>();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, "");
        if (filter.Status is { } status)
        {
            conditions.Add("status = @status");
            command.With("@status", (int)status, DbType.Int32);
        }

        if (filter.Source is { } source)
        {
            conditions.Add("source = @source");
            command.With("@source", (int)source, DbType.Int32);
        }

        if (filter.Type is { } type)
        {
            conditions.Add("type = @type");
            command.With("@type", type, DbType.String);
        }

        if (filter.Priority is { } priority)
        {
            conditions.Add("priority = @priority");
            command.With("@priority", (int)priority, DbType.Int32);
        }

        if (filter.CreatedFrom is { } from)
        {
            conditions.Add("created_at >= @from");
            command.With("@from", Time(from), DbType.String);
        }

        if (filter.CreatedBefore is { } before)
        {
            conditions.Add("created_at < @before");
            command.With("@before", Time(before), DbType.String);
        }

        if (filter.StationId is { } stationId)
        {
            conditions.Add("station_id = @station_id");
            command.With("@station_id", stationId, DbType.String);
        }

        if (filter.GridIds is { Count: > 0 } gridIds)
        {
            var names = new List<string>(gridIds.Count);
            foreach (var (gridId, i) in gridIds.Distinct(StringComparer.Ordinal).Select((g, i) => (g, i)))
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"@grid{i}");
                names.Add(name);
                command.With(name, gridId, DbType.String);
            }

            conditions.Add($"grid_id IN ({string.Join(", ", names)})");
        }

        if (filter.After is { } after)
        {
            // Keyset paging in the listing's own order: a page never repeats or skips a row when new incidents arrive.
            conditions.Add("(created_at < @after_at OR (created_at = @after_at AND incident_id < @after_id))");
            command.With("@after_at", Time(after.CreatedAt), DbType.String).With("@after_id", after.IncidentId, DbType.String);
        }

        if (filter.Box is { } box)
        {
            conditions.Add("latitude >= @south AND latitude <= @north AND longitude >= @west AND longitude <= @east");
            command.With("@south", box.South, DbType.Double).With("@north", box.North, DbType.Double)
                .With("@west", box.West, DbType.Double).With("@east", box.East, DbType.Double);
        }

        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        sql.Append(" ORDER BY created_at DESC, incident_id DESC LIMIT @limit");
        command.With("@limit", Math.Clamp(filter.Limit, 1, 100_000), DbType.Int32);
        command.CommandText = sql.ToString();
        var found = new List<IncidentSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new IncidentSummary(
                reader.GetString(0),
                reader.GetString(1),
                (IncidentPriority)reader.GetInt32(2),
                (IncidentSource)reader.GetInt32(3),
                (IncidentStatus)reader.GetInt32(4),
                reader.GetDouble(5),
                reader.GetDouble(6),
                ParseTime(reader.GetString(7)),
                reader.IsDBNull(8) ? null : ParseTime(reader.GetString(8)),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetInt32(11),
                reader.IsDBNull(12) ? null : ParseTime(reader.GetString(12)),
                reader.GetString(13)));
        }

        return found;
    }

    public async Task<StoredUnitAssignments> ReadUnitAsync(string unitId, int latest, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(unitId);
        ArgumentOutOfRangeException.ThrowIfLessThan(latest, 1);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, IncidentSql.SelectUnitAssignments)
            .With("@unit_id", unitId, DbType.String)
            .With("@limit", latest, DbType.Int32);
        var rows = new List<UnitAssignmentRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new UnitAssignmentRow(
                reader.GetString(0),
                reader.GetInt64(1),
                reader.GetString(2),
                reader.GetString(3),
                (AssignmentState)reader.GetInt32(4),
                ParseTime(reader.GetString(5)),
                ParseTime(reader.GetString(6)),
                reader.GetDouble(7),
                reader.GetDouble(8),
                reader.GetDouble(9),
                reader.IsDBNull(10) ? null : ParseTime(reader.GetString(10)),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        rows.Reverse();
        return new StoredUnitAssignments(rows, rows.Count == 0 ? 0 : rows[^1].AssignmentNumber);
    }

    public async Task<AlertLedgerEntry?> FindAlertAsync(string gatewayId, string alertId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, IncidentSql.SelectAlert)
            .With("@gateway_id", gatewayId, DbType.String)
            .With("@alert_id", alertId, DbType.String);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AlertLedgerEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), ParseTime(reader.GetString(5)))
            : null;
    }

    public async Task RecordAlertAsync(AlertLedgerEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var now = _timeProvider.GetUtcNow();
        var inserted = await _database.WriteAsync("alert", _groupCommit,
            (connection, transaction, token) => InsertAlertAsync(connection, transaction, entry, now, token), cancellationToken).ConfigureAwait(false);
        if (inserted != 1)
        {
            throw new RecordRefusedException($"alert '{entry.AlertId}' of gateway '{entry.GatewayId}' is already recorded");
        }
    }

    public async Task<StoredPosition?> ReadPositionAsync(string unitId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, PositionSql.Select).With("@unit_id", unitId, DbType.String);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredPosition(new GeoPoint(reader.GetDouble(0), reader.GetDouble(1)), ParseTime(reader.GetString(2)))
            : null;
    }

    public Task SavePositionsAsync(IReadOnlyList<UnitPositionReport> positions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count == 0)
        {
            return Task.CompletedTask;
        }

        // One unit of work for the whole batch: a single commit, however many units moved.
        return _database.WriteAsync("positions", _groupCommit, async (connection, transaction, token) =>
        {
            await using var command = DbCommands.Command(connection, PositionSql.Upsert, transaction)
                .With("@unit_id", "", DbType.String)
                .With("@latitude", 0.0, DbType.Double)
                .With("@longitude", 0.0, DbType.Double)
                .With("@at", "", DbType.String);
            await command.PrepareAsync(token).ConfigureAwait(false);
            foreach (var position in positions)
            {
                command.Parameters[0].Value = position.UnitId;
                command.Parameters[1].Value = position.Position.Latitude;
                command.Parameters[2].Value = position.Position.Longitude;
                command.Parameters[3].Value = Time(position.At);
                await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            return positions.Count;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<UnitPositionReport>> FindPositionsAsync(double south, double west, double north, double east, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DbCommands.Command(connection, PositionSql.SelectInBox)
            .With("@south", south, DbType.Double).With("@north", north, DbType.Double)
            .With("@west", west, DbType.Double).With("@east", east, DbType.Double);
        var found = new List<UnitPositionReport>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(new UnitPositionReport(reader.GetString(0), new GeoPoint(reader.GetDouble(1), reader.GetDouble(2)), ParseTime(reader.GetString(3))));
        }

        return found;
    }

    private async Task<long> WriteIncidentRowAsync(DbConnection connection, DbTransaction transaction, IncidentCommit commit, DateTimeOffset now, CancellationToken token)
    {
        var s = commit.Summary;
        var isNew = commit.ExpectedVersion == 0;
        await using var command = DbCommands.Command(connection, isNew ? IncidentSql.InsertIncident : IncidentSql.UpdateIncident, transaction)
            .With("@incident_id", s.IncidentId, DbType.String)
            .With("@snapshot", commit.Snapshot, DbType.Binary)
            .With("@type", s.Type, DbType.String)
            .With("@priority", (int)s.Priority, DbType.Int32)
            .With("@source", (int)s.Source, DbType.Int32)
            .With("@status", (int)s.Status, DbType.Int32)
            .With("@latitude", s.Latitude, DbType.Double)
            .With("@longitude", s.Longitude, DbType.Double)
            .With("@created_at", Time(s.CreatedAt), DbType.String)
            .With("@ended_at", s.EndedAt is { } ended ? Time(ended) : null, DbType.String)
            .With("@grid_id", s.GridId, DbType.String)
            .With("@station_id", s.StationId, DbType.String)
            .With("@station_responders", s.StationResponders, DbType.Int32)
            .With("@last_alert_at", s.LastAlertAt is { } last ? Time(last) : null, DbType.String)
            .With("@description", s.Description, DbType.String)
            .With("@updated_at", now, DbType.DateTimeOffset);
        if (!isNew)
        {
            command.With("@version", commit.ExpectedVersion, DbType.Int64);
        }

        var result = await command.ExecuteScalarAsync(token).ConfigureAwait(false);
        return result is null or DBNull
            ? throw new RecordVersionConflictException(isNew
                ? $"incident '{s.IncidentId}' already exists"
                : $"incident '{s.IncidentId}' is no longer at version {commit.ExpectedVersion}: another writer stored a newer one")
            : Convert.ToInt64(result, CultureInfo.InvariantCulture);
    }

    private async Task WriteAssignmentAsync(DbConnection connection, DbTransaction transaction, UnitAssignmentRow a, CancellationToken token)
    {
        await using var command = DbCommands.Command(connection, IncidentSql.UpsertAssignment, transaction)
            .With("@unit_id", a.UnitId, DbType.String)
            .With("@assignment_number", a.AssignmentNumber, DbType.Int64)
            .With("@incident_id", a.IncidentId, DbType.String)
            .With("@tier_name", a.TierName, DbType.String)
            .With("@state", (int)a.State, DbType.Int32)
            .With("@assigned_at", Time(a.AssignedAt), DbType.String)
            .With("@ack_deadline", Time(a.AckDeadline), DbType.String)
            .With("@incident_latitude", a.IncidentLatitude, DbType.Double)
            .With("@incident_longitude", a.IncidentLongitude, DbType.Double)
            .With("@arrival_radius_meters", a.ArrivalRadiusMeters, DbType.Double)
            .With("@ended_at", a.EndedAt is { } ended ? Time(ended) : null, DbType.String)
            .With("@end_reason", a.EndReason, DbType.String);
        int changed;
        try
        {
            changed = await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }
        catch (DbException exception) when (_database.Dialect.IsUniqueViolation(exception))
        {
            throw new UnitAlreadyAssignedException(a.UnitId, $"unit '{a.UnitId}' already holds an active assignment; refusing #{a.AssignmentNumber} to incident '{a.IncidentId}'");
        }

        if (changed != 1)
        {
            throw new UnitAlreadyAssignedException(a.UnitId, $"assignment #{a.AssignmentNumber} of unit '{a.UnitId}' belongs to another incident; refusing it to incident '{a.IncidentId}'");
        }
    }

    private static async Task<int> InsertAlertAsync(DbConnection connection, DbTransaction transaction, AlertLedgerEntry alert, DateTimeOffset now, CancellationToken token)
    {
        await using var command = DbCommands.Command(connection, IncidentSql.InsertAlert, transaction)
            .With("@gateway_id", alert.GatewayId, DbType.String)
            .With("@alert_id", alert.AlertId, DbType.String)
            .With("@camera_id", alert.CameraId, DbType.String)
            .With("@incident_id", alert.IncidentId, DbType.String)
            .With("@fingerprint", alert.Fingerprint, DbType.String)
            .With("@observed_at", Time(alert.ObservedAt), DbType.String)
            .With("@recorded_at", now, DbType.DateTimeOffset);
        return await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }

    internal static string Time(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    internal static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}

/// <summary>Options of the relational incident store (same database as the journal and grain state in a deployment).</summary>
public sealed class RelationalIncidentStoreOptions : RelationalDatabaseOptions
{
    /// <summary>SQLite: commits share transactions with other writes queued at the same moment (see <see cref="RelationalStorageOptions.GroupCommit"/>).</summary>
    public bool GroupCommit { get; set; } = true;
}
