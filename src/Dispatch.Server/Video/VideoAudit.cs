using Microsoft.Data.Sqlite;

namespace Dispatch.Server.Video;

/// <summary>What was watched: a live view of a camera, or the playback of an alert's clip.</summary>
public static class VideoAuditKinds
{
    public const string Live = "live";
    public const string Clip = "clip";
}

/// <summary>
/// One audit event: who watched which camera (and which alert's clip), from when to when, for how long.
/// <see cref="Seconds"/> is the time watched: a live view's connection time, a clip's playing time as the player
/// reported it (null while the view is open or the player never said).
/// </summary>
public sealed record VideoAuditEntry(
    long Id,
    string Kind,
    string Actor,
    string? UnitId,
    string CameraId,
    string? AlertId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double? Seconds,
    long? Frames,
    long? FramesDropped,
    string? Remote);

/// <summary>What to read from the audit: a time window, a camera, an actor, a kind; newest first.</summary>
public sealed record VideoAuditQuery(DateTimeOffset? From, DateTimeOffset? To, string? CameraId, string? Actor, string? Kind, int Limit);

/// <summary>
/// The video audit in its own SQLite file beside the archive: every live view and clip playback, written when it starts
/// (so a view that never ends cleanly is still on record) and completed when it ends. Each write commits on its own with
/// a full sync: these are rare, and an auditor's record must not be lost to a power cut.
/// </summary>
public sealed class VideoAudit
{
    private readonly string _connectionString;
    private readonly Lazy<Task> _schema;

    public VideoAudit(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true }.ToString();
        _schema = new Lazy<Task>(CreateSchemaAsync);
    }

    /// <summary>Records the start of a view or playback; returns its id.</summary>
    public async Task<long> StartAsync(string kind, string actor, string? unitId, string cameraId, string? alertId, DateTimeOffset startedAt, string? remote)
    {
        await _schema.Value;
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO video_audit (kind, actor, unit_id, camera_id, alert_id, started_at, remote)
            VALUES ($kind, $actor, $unit, $camera, $alert, $started, $remote);
            SELECT last_insert_rowid();
            """;
        insert.Parameters.AddWithValue("$kind", kind);
        insert.Parameters.AddWithValue("$actor", actor);
        insert.Parameters.AddWithValue("$unit", (object?)unitId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$camera", cameraId);
        insert.Parameters.AddWithValue("$alert", (object?)alertId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$started", startedAt.UtcTicks);
        insert.Parameters.AddWithValue("$remote", (object?)remote ?? DBNull.Value);
        return (long)(await insert.ExecuteScalarAsync())!;
    }

    /// <summary>Completes a record: when it ended and how long was watched; the first end recorded stays.</summary>
    public async Task<bool> EndAsync(long id, DateTimeOffset endedAt, double seconds, long? frames = null, long? framesDropped = null)
    {
        await _schema.Value;
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE video_audit SET ended_at = $ended, seconds = $seconds, frames = $frames, frames_dropped = $dropped
            WHERE id = $id AND ended_at IS NULL
            """;
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$ended", endedAt.UtcTicks);
        update.Parameters.AddWithValue("$seconds", Math.Round(Math.Max(0, seconds), 3));
        update.Parameters.AddWithValue("$frames", (object?)frames ?? DBNull.Value);
        update.Parameters.AddWithValue("$dropped", (object?)framesDropped ?? DBNull.Value);
        return await update.ExecuteNonQueryAsync() > 0;
    }

    public async Task<VideoAuditEntry?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"{Select} WHERE id = $id";
        query.Parameters.AddWithValue("$id", id);
        return (await ReadAsync(query, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<VideoAuditEntry>> QueryAsync(VideoAuditQuery filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"""
            {Select}
            WHERE ($from IS NULL OR started_at >= $from) AND ($to IS NULL OR started_at < $to)
              AND ($camera IS NULL OR camera_id = $camera) AND ($actor IS NULL OR actor = $actor) AND ($kind IS NULL OR kind = $kind)
            ORDER BY started_at DESC, id DESC LIMIT $limit
            """;
        query.Parameters.AddWithValue("$from", (object?)filter.From?.UtcTicks ?? DBNull.Value);
        query.Parameters.AddWithValue("$to", (object?)filter.To?.UtcTicks ?? DBNull.Value);
        query.Parameters.AddWithValue("$camera", (object?)filter.CameraId ?? DBNull.Value);
        query.Parameters.AddWithValue("$actor", (object?)filter.Actor ?? DBNull.Value);
        query.Parameters.AddWithValue("$kind", (object?)filter.Kind ?? DBNull.Value);
        query.Parameters.AddWithValue("$limit", filter.Limit);
        return await ReadAsync(query, cancellationToken);
    }

    private const string Select = """
        SELECT id, kind, actor, unit_id, camera_id, alert_id, started_at, ended_at, seconds, frames, frames_dropped, remote FROM video_audit
        """;

    private static async Task<IReadOnlyList<VideoAuditEntry>> ReadAsync(SqliteCommand query, CancellationToken cancellationToken)
    {
        var entries = new List<VideoAuditEntry>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new VideoAuditEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero),
                reader.IsDBNull(7) ? null : new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero),
                reader.IsDBNull(8) ? null : reader.GetDouble(8),
                reader.IsDBNull(9) ? null : reader.GetInt64(9),
                reader.IsDBNull(10) ? null : reader.GetInt64(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return entries;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task CreateSchemaAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var create = connection.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS video_audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, actor TEXT NOT NULL, unit_id TEXT NULL,
                camera_id TEXT NOT NULL, alert_id TEXT NULL, started_at INTEGER NOT NULL, ended_at INTEGER NULL,
                seconds REAL NULL, frames INTEGER NULL, frames_dropped INTEGER NULL, remote TEXT NULL);
            CREATE INDEX IF NOT EXISTS video_audit_by_start ON video_audit (started_at);
            CREATE INDEX IF NOT EXISTS video_audit_by_camera ON video_audit (camera_id, started_at);
            """;
        await create.ExecuteNonQueryAsync();
    }
}
