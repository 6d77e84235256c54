using System.Data;
using System.Data.Common;
using Dispatch.Server.Archive;
using Dispatch.Storage;

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
/// The video audit: every live view and clip playback, written when it starts (so a view that never ends cleanly is still
/// on record) and completed when it ends. In a SQLite file of the host's own beside the archive (embedded), or in the
/// cluster's PostgreSQL, where an auditor on any host lists what was watched on every host and ids are unique cluster-wide
/// (<see cref="ArchiveDatabase"/>). Each write commits on its own, durably (on SQLite with a full sync): these are rare,
/// and an auditor's record must not be lost to a power cut.
/// </summary>
public sealed class VideoAudit
{
    private readonly ArchiveDatabase _database;

    /// <summary>The audit in a SQLite file of this host's own.</summary>
    public VideoAudit(string databasePath)
        : this(ArchiveDatabase.Sqlite(databasePath, fullSync: true))
    {
    }

    public VideoAudit(ArchiveDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Records the start of a view or playback; returns its id.</summary>
    public async Task<long> StartAsync(string kind, string actor, string? unitId, string cameraId, string? alertId, DateTimeOffset startedAt, string? remote)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var insert = DbCommands.Command(connection, """
            INSERT INTO video_audit (kind, actor, unit_id, camera_id, alert_id, started_at, remote)
            VALUES (@kind, @actor, @unit, @camera, @alert, @started, @remote)
            RETURNING id
            """);
        insert.With("@kind", kind, DbType.String)
            .With("@actor", actor, DbType.String)
            .With("@unit", unitId, DbType.String)
            .With("@camera", cameraId, DbType.String)
            .With("@alert", alertId, DbType.String)
            .With("@started", startedAt.UtcTicks, DbType.Int64)
            .With("@remote", remote, DbType.String);
        return Convert.ToInt64(await insert.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Completes a record: when it ended and how long was watched; the first end recorded stays.</summary>
    public async Task<bool> EndAsync(long id, DateTimeOffset endedAt, double seconds, long? frames = null, long? framesDropped = null)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var update = DbCommands.Command(connection, """
            UPDATE video_audit SET ended_at = @ended, seconds = @seconds, frames = @frames, frames_dropped = @dropped
            WHERE id = @id AND ended_at IS NULL
            """);
        update.With("@id", id, DbType.Int64)
            .With("@ended", endedAt.UtcTicks, DbType.Int64)
            .With("@seconds", Math.Round(Math.Max(0, seconds), 3), DbType.Double)
            .With("@frames", frames, DbType.Int64)
            .With("@dropped", framesDropped, DbType.Int64);
        return await update.ExecuteNonQueryAsync() > 0;
    }

    public async Task<VideoAuditEntry?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection, $"{Select} WHERE id = @id");
        query.With("@id", id, DbType.Int64);
        return (await ReadAsync(query, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<VideoAuditEntry>> QueryAsync(VideoAuditQuery filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection, $"""
            {Select}
            WHERE (@from IS NULL OR started_at >= @from) AND (@to IS NULL OR started_at < @to)
              AND (@camera IS NULL OR camera_id = @camera) AND (@actor IS NULL OR actor = @actor) AND (@kind IS NULL OR kind = @kind)
            ORDER BY started_at DESC, id DESC LIMIT @limit
            """);
        query.With("@from", filter.From?.UtcTicks, DbType.Int64)
            .With("@to", filter.To?.UtcTicks, DbType.Int64)
            .With("@camera", filter.CameraId, DbType.String)
            .With("@actor", filter.Actor, DbType.String)
            .With("@kind", filter.Kind, DbType.String)
            .With("@limit", filter.Limit, DbType.Int32);
        return await ReadAsync(query, cancellationToken);
    }

    private const string Select = """
        SELECT id, kind, actor, unit_id, camera_id, alert_id, started_at, ended_at, seconds, frames, frames_dropped, remote FROM video_audit
        """;

    private static async Task<IReadOnlyList<VideoAuditEntry>> ReadAsync(DbCommand query, CancellationToken cancellationToken)
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

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await _database.EnsureSchemaAsync($"""
            CREATE TABLE IF NOT EXISTS video_audit (
                id {_database.Identity}, kind TEXT NOT NULL, actor TEXT NOT NULL, unit_id TEXT NULL,
                camera_id TEXT NOT NULL, alert_id TEXT NULL, started_at {_database.BigInt} NOT NULL, ended_at {_database.BigInt} NULL,
                seconds {_database.Real} NULL, frames {_database.BigInt} NULL, frames_dropped {_database.BigInt} NULL, remote TEXT NULL);
            CREATE INDEX IF NOT EXISTS video_audit_by_start ON video_audit (started_at);
            CREATE INDEX IF NOT EXISTS video_audit_by_camera ON video_audit (camera_id, started_at);
            """, cancellationToken);
        return await _database.OpenAsync(cancellationToken);
    }
}
