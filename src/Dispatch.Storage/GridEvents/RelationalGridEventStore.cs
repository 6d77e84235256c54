using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Dispatch.Abstractions.GridEvents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.GridEvents;
using Dispatch.Storage.Dialects;

namespace Dispatch.Storage.GridEvents;

/// <summary>Where the grid events live: the same database as the incident record by default, in tables of their own.</summary>
public sealed class RelationalGridEventStoreOptions : RelationalDatabaseOptions;

/// <summary>
/// Grid events in three tables of their own (<c>grid_event</c>, <c>grid_event_journal</c>, <c>grid_event_photo</c>) and a
/// counter for their ids, apart from the incident record so the emergency path never waits on them. Each step is one
/// transaction: the row's version-checked update and its journal entry. Times are ISO-8601 text in UTC.
/// </summary>
public sealed class RelationalGridEventStore : IGridEventStore
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private const string Columns =
        "event_id, version, state, category, department, routing_reason, grid_id, district_id, latitude, longitude, text, reporter_kind, reporter, " +
        "contact, follow_code_hash, reported_at, due_at, resolved_at, rated_at, rating, rating_comment, escalated_at, incident_id, photo_count, updated_at";

    private const string Values =
        "@event_id, @version, @state, @category, @department, @routing_reason, @grid_id, @district_id, @latitude, @longitude, @text, @reporter_kind, @reporter, " +
        "@contact, @follow_code_hash, @reported_at, @due_at, @resolved_at, @rated_at, @rating, @rating_comment, @escalated_at, @incident_id, @photo_count, @updated_at";

    private const string SqliteSchema = """
        CREATE TABLE IF NOT EXISTS grid_event_counter (name TEXT NOT NULL PRIMARY KEY, next INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS grid_event (
            event_id TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL, state INTEGER NOT NULL, category TEXT NOT NULL,
            department TEXT NOT NULL, routing_reason TEXT NOT NULL, grid_id TEXT NOT NULL, district_id TEXT NOT NULL,
            latitude REAL NOT NULL, longitude REAL NOT NULL, text TEXT NOT NULL, reporter_kind INTEGER NOT NULL, reporter TEXT NULL,
            contact TEXT NULL, follow_code_hash TEXT NULL, reported_at TEXT NOT NULL, due_at TEXT NOT NULL, resolved_at TEXT NULL,
            rated_at TEXT NULL, rating INTEGER NULL, rating_comment TEXT NULL, escalated_at TEXT NULL, incident_id TEXT NULL,
            photo_count INTEGER NOT NULL, updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS grid_event_by_state ON grid_event (state, due_at);
        CREATE INDEX IF NOT EXISTS grid_event_by_reported ON grid_event (reported_at);
        CREATE UNIQUE INDEX IF NOT EXISTS grid_event_by_follow_code ON grid_event (follow_code_hash) WHERE follow_code_hash IS NOT NULL;
        CREATE TABLE IF NOT EXISTS grid_event_journal (
            event_id TEXT NOT NULL, sequence_number INTEGER NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, note TEXT NOT NULL,
            PRIMARY KEY (event_id, sequence_number)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS grid_event_photo (
            event_id TEXT NOT NULL, number INTEGER NOT NULL, content_type TEXT NOT NULL, bytes BLOB NOT NULL,
            PRIMARY KEY (event_id, number)
        ) WITHOUT ROWID;
        """;

    // Silos start together: the advisory lock keeps their CREATE TABLEs from racing (a key of its own, not the incident record's).
    private const string PostgreSqlSchema = """
        SELECT pg_advisory_xact_lock(727348202);
        CREATE TABLE IF NOT EXISTS grid_event_counter (name TEXT NOT NULL PRIMARY KEY, next BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS grid_event (
            event_id TEXT COLLATE "C" NOT NULL PRIMARY KEY, version BIGINT NOT NULL, state INTEGER NOT NULL, category TEXT NOT NULL,
            department TEXT NOT NULL, routing_reason TEXT NOT NULL, grid_id TEXT NOT NULL, district_id TEXT NOT NULL,
            latitude DOUBLE PRECISION NOT NULL, longitude DOUBLE PRECISION NOT NULL, text TEXT NOT NULL, reporter_kind INTEGER NOT NULL, reporter TEXT NULL,
            contact TEXT NULL, follow_code_hash TEXT NULL, reported_at TEXT COLLATE "C" NOT NULL, due_at TEXT COLLATE "C" NOT NULL, resolved_at TEXT NULL,
            rated_at TEXT NULL, rating INTEGER NULL, rating_comment TEXT NULL, escalated_at TEXT NULL, incident_id TEXT NULL,
            photo_count INTEGER NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS grid_event_by_state ON grid_event (state, due_at);
        CREATE INDEX IF NOT EXISTS grid_event_by_reported ON grid_event (reported_at);
        CREATE UNIQUE INDEX IF NOT EXISTS grid_event_by_follow_code ON grid_event (follow_code_hash) WHERE follow_code_hash IS NOT NULL;
        CREATE TABLE IF NOT EXISTS grid_event_journal (
            event_id TEXT NOT NULL, sequence_number BIGINT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, actor TEXT NOT NULL, note TEXT NOT NULL,
            PRIMARY KEY (event_id, sequence_number)
        );
        CREATE TABLE IF NOT EXISTS grid_event_photo (
            event_id TEXT NOT NULL, number INTEGER NOT NULL, content_type TEXT NOT NULL, bytes BYTEA NOT NULL,
            PRIMARY KEY (event_id, number)
        );
        """;

    private readonly RelationalDatabase _database;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _schemaLock = new();
    private Task? _schemaReady;

    public RelationalGridEventStore(RelationalGridEventStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("the grid event store needs a connection string", nameof(options));
        }

        _database = RelationalDatabase.For(options.Dialect, options.ConnectionString);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public async Task<GridEventRecord> CreateAsync(
        GridEventRecord draft, string actor, string note, IReadOnlyList<GridEventPhoto> photos, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(photos);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        return await _database.WriteAsync("grid-event", grouped: false, async (connection, transaction, token) =>
        {
            long number;
            await using (var counter = DbCommands.Command(connection, """
                INSERT INTO grid_event_counter (name, next) VALUES ('grid_event', 1)
                ON CONFLICT (name) DO UPDATE SET next = grid_event_counter.next + 1
                RETURNING next
                """, transaction))
            {
                number = Convert.ToInt64(await counter.ExecuteScalarAsync(token).ConfigureAwait(false), CultureInfo.InvariantCulture);
            }

            var created = draft with
            {
                EventId = string.Create(CultureInfo.InvariantCulture, $"GE-{number}"),
                Version = 1,
                PhotoCount = photos.Count,
                UpdatedAt = now,
            };
            await using (var insert = Bind(DbCommands.Command(connection, $"INSERT INTO grid_event ({Columns}) VALUES ({Values})", transaction), created))
            {
                await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            await InsertJournalAsync(connection, transaction, created.EventId, 1, created.ReportedAt, GridEventMachine.Kind(GridEventAction.Report), actor, note, token)
                .ConfigureAwait(false);
            foreach (var photo in photos)
            {
                await using var insert = DbCommands.Command(connection,
                        "INSERT INTO grid_event_photo (event_id, number, content_type, bytes) VALUES (@event_id, @number, @content_type, @bytes)", transaction)
                    .With("@event_id", created.EventId, DbType.String)
                    .With("@number", photo.Number, DbType.Int32)
                    .With("@content_type", photo.ContentType, DbType.String)
                    .With("@bytes", photo.Bytes, DbType.Binary);
                await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            }

            return created;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredGridEvent?> ReadAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        GridEventRecord? record;
        await using (var select = DbCommands.Command(connection, $"SELECT {Columns} FROM grid_event WHERE event_id = @event_id")
            .With("@event_id", eventId, DbType.String))
        {
            record = (await ReadRecordsAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        }

        if (record is null)
        {
            return null;
        }

        var journal = new List<GridEventJournalEntry>();
        await using (var select = DbCommands.Command(connection,
            "SELECT sequence_number, at, kind, actor, note FROM grid_event_journal WHERE event_id = @event_id ORDER BY sequence_number")
            .With("@event_id", eventId, DbType.String))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                journal.Add(new GridEventJournalEntry(eventId, reader.GetInt64(0), ParseTime(reader.GetString(1)), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
            }
        }

        return new StoredGridEvent(record, journal);
    }

    public async Task<GridEventRecord> CommitAsync(
        GridEventRecord updated, long expectedVersion, string kind, string actor, string note, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updated);
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        return await _database.WriteAsync("grid-event", grouped: false, async (connection, transaction, token) =>
        {
            var next = updated with { Version = expectedVersion + 1, UpdatedAt = now };
            const string Assignments =
                "version = @version, state = @state, category = @category, department = @department, routing_reason = @routing_reason, grid_id = @grid_id, " +
                "district_id = @district_id, latitude = @latitude, longitude = @longitude, text = @text, reporter_kind = @reporter_kind, reporter = @reporter, " +
                "contact = @contact, follow_code_hash = @follow_code_hash, reported_at = @reported_at, due_at = @due_at, resolved_at = @resolved_at, " +
                "rated_at = @rated_at, rating = @rating, rating_comment = @rating_comment, escalated_at = @escalated_at, incident_id = @incident_id, " +
                "photo_count = @photo_count, updated_at = @updated_at";
            await using (var update = Bind(DbCommands.Command(connection,
                $"UPDATE grid_event SET {Assignments} WHERE event_id = @event_id AND version = @expected", transaction), next)
                .With("@expected", expectedVersion, DbType.Int64))
            {
                if (await update.ExecuteNonQueryAsync(token).ConfigureAwait(false) != 1)
                {
                    throw new RecordVersionConflictException(
                        $"grid event {updated.EventId} is no longer at version {expectedVersion}: someone else changed it first (read it again)");
                }
            }

            await InsertJournalAsync(connection, transaction, next.EventId, next.Version, now, kind, actor, note, token).ConfigureAwait(false);
            return next;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<GridEventRecord>> FindAsync(GridEventFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = DbCommands.Command(connection, "");
        var conditions = new List<string>();
        if (filter.States is { Count: > 0 } states)
        {
            conditions.Add($"state IN ({string.Join(", ", states.Select(s => ((int)s).ToString(CultureInfo.InvariantCulture)))})");
        }

        if (filter.Departments is { } departments)
        {
            if (departments.Count == 0)
            {
                return [];
            }

            var names = new List<string>();
            for (var i = 0; i < departments.Count; i++)
            {
                names.Add($"@department_{i}");
                select.With($"@department_{i}", departments[i], DbType.String);
            }

            conditions.Add($"department IN ({string.Join(", ", names)})");
        }

        if (filter.Reporter is { } reporter)
        {
            conditions.Add("reporter = @reporter");
            select.With("@reporter", reporter, DbType.String);
        }

        if (filter.DistrictId is { } district)
        {
            conditions.Add("district_id = @district_id");
            select.With("@district_id", district, DbType.String);
        }

        if (filter.OpenDueBy is { } dueBy)
        {
            var open = Enum.GetValues<GridEventState>().Where(GridEventMachine.IsOpen).Select(s => ((int)s).ToString(CultureInfo.InvariantCulture));
            conditions.Add($"state IN ({string.Join(", ", open)}) AND due_at <= @due_by");
            select.With("@due_by", Time(dueBy), DbType.String);
        }

        if (filter.ReportedFrom is { } from)
        {
            conditions.Add("reported_at >= @reported_from");
            select.With("@reported_from", Time(from), DbType.String);
        }

        if (filter.ReportedBefore is { } before)
        {
            conditions.Add("reported_at < @reported_before");
            select.With("@reported_before", Time(before), DbType.String);
        }

        var sql = new StringBuilder($"SELECT {Columns} FROM grid_event");
        if (conditions.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
        }

        sql.Append(" ORDER BY reported_at DESC, event_id LIMIT @limit");
        select.With("@limit", Math.Clamp(filter.Limit, 1, 100_000), DbType.Int32);
        select.CommandText = sql.ToString();
        return await ReadRecordsAsync(select, cancellationToken).ConfigureAwait(false);
    }

    public async Task<GridEventRecord?> FindByFollowCodeHashAsync(string followCodeHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(followCodeHash);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = DbCommands.Command(connection, $"SELECT {Columns} FROM grid_event WHERE follow_code_hash = @hash")
            .With("@hash", followCodeHash, DbType.String);
        return (await ReadRecordsAsync(select, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    public async Task<GridEventPhoto?> ReadPhotoAsync(string eventId, int number, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = DbCommands.Command(connection,
                "SELECT content_type, bytes FROM grid_event_photo WHERE event_id = @event_id AND number = @number")
            .With("@event_id", eventId, DbType.String)
            .With("@number", number, DbType.Int32);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new GridEventPhoto(number, reader.GetString(0), reader.GetFieldValue<byte[]>(1))
            : null;
    }

    /// <summary>Creates the tables now (they are otherwise created at first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => EnsureSchemaAsync(cancellationToken);

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        Task ready;
        lock (_schemaLock)
        {
            if (_schemaReady is null || _schemaReady.IsFaulted || _schemaReady.IsCanceled)
            {
                _schemaReady = CreateSchemaAsync();
            }

            ready = _schemaReady;
        }

        return ready.IsCompletedSuccessfully ? ready : ready.WaitAsync(cancellationToken);
    }

    private async Task CreateSchemaAsync()
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var turn = await _database.EnterWriteAsync(CancellationToken.None).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (var create = DbCommands.Command(connection, _database.Dialect is PostgreSqlDialect ? PostgreSqlSchema : SqliteSchema, transaction))
        {
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }

    private static async Task InsertJournalAsync(
        DbConnection connection, DbTransaction transaction, string eventId, long sequence, DateTimeOffset at, string kind, string actor, string note, CancellationToken token)
    {
        await using var insert = DbCommands.Command(connection,
                "INSERT INTO grid_event_journal (event_id, sequence_number, at, kind, actor, note) VALUES (@event_id, @sequence, @at, @kind, @actor, @note)", transaction)
            .With("@event_id", eventId, DbType.String)
            .With("@sequence", sequence, DbType.Int64)
            .With("@at", Time(at), DbType.String)
            .With("@kind", kind, DbType.String)
            .With("@actor", actor, DbType.String)
            .With("@note", note, DbType.String);
        await insert.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }

    private static DbCommand Bind(DbCommand command, GridEventRecord e) => command
        .With("@event_id", e.EventId, DbType.String)
        .With("@version", e.Version, DbType.Int64)
        .With("@state", (int)e.State, DbType.Int32)
        .With("@category", e.Category, DbType.String)
        .With("@department", e.Department, DbType.String)
        .With("@routing_reason", e.RoutingReason, DbType.String)
        .With("@grid_id", e.GridId, DbType.String)
        .With("@district_id", e.DistrictId, DbType.String)
        .With("@latitude", e.Latitude, DbType.Double)
        .With("@longitude", e.Longitude, DbType.Double)
        .With("@text", e.Text, DbType.String)
        .With("@reporter_kind", (int)e.ReporterKind, DbType.Int32)
        .With("@reporter", e.Reporter, DbType.String)
        .With("@contact", e.Contact, DbType.String)
        .With("@follow_code_hash", e.FollowCodeHash, DbType.String)
        .With("@reported_at", Time(e.ReportedAt), DbType.String)
        .With("@due_at", Time(e.DueAt), DbType.String)
        .With("@resolved_at", e.ResolvedAt is { } resolved ? Time(resolved) : null, DbType.String)
        .With("@rated_at", e.RatedAt is { } rated ? Time(rated) : null, DbType.String)
        .With("@rating", e.Rating, DbType.Int32)
        .With("@rating_comment", e.RatingComment, DbType.String)
        .With("@escalated_at", e.EscalatedAt is { } escalated ? Time(escalated) : null, DbType.String)
        .With("@incident_id", e.IncidentId, DbType.String)
        .With("@photo_count", e.PhotoCount, DbType.Int32)
        .With("@updated_at", Time(e.UpdatedAt), DbType.String);

    private static async Task<List<GridEventRecord>> ReadRecordsAsync(DbCommand select, CancellationToken cancellationToken)
    {
        var records = new List<GridEventRecord>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : ParseTime(reader.GetString(i));
            records.Add(new GridEventRecord
            {
                EventId = reader.GetString(0),
                Version = reader.GetInt64(1),
                State = (GridEventState)reader.GetInt32(2),
                Category = reader.GetString(3),
                Department = reader.GetString(4),
                RoutingReason = reader.GetString(5),
                GridId = reader.GetString(6),
                DistrictId = reader.GetString(7),
                Latitude = reader.GetDouble(8),
                Longitude = reader.GetDouble(9),
                Text = reader.GetString(10),
                ReporterKind = (GridEventReporterKind)reader.GetInt32(11),
                Reporter = Text(12),
                Contact = Text(13),
                FollowCodeHash = Text(14),
                ReportedAt = ParseTime(reader.GetString(15)),
                DueAt = ParseTime(reader.GetString(16)),
                ResolvedAt = At(17),
                RatedAt = At(18),
                Rating = reader.IsDBNull(19) ? null : reader.GetInt32(19),
                RatingComment = Text(20),
                EscalatedAt = At(21),
                IncidentId = Text(22),
                PhotoCount = reader.GetInt32(23),
                UpdatedAt = ParseTime(reader.GetString(24)),
            });
        }

        return records;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        new(DateTime.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);
}
