using System.Text.Json;
using System.Threading.Channels;
using System.Data;
using System.Data.Common;
using Dispatch.Server.Archive;
using Dispatch.Storage;

namespace Dispatch.Server.Alerts;

/// <summary>An accepted alert as kept with its incident.</summary>
public sealed record ArchivedAlert(
    string AlertId,
    string GatewayId,
    string CameraId,
    string Kind,
    double Confidence,
    DateTimeOffset ObservedAt,
    DateTimeOffset ReceivedAt,
    string IncidentId,
    double Latitude,
    double Longitude,
    IReadOnlyList<ArchivedBox> Boxes,
    IReadOnlyDictionary<string, string> Attributes,
    bool HasSnapshot);

/// <summary>An operator's decision on an alert accepted into no incident: opened one, or dismissed it.</summary>
public sealed record AlertDecision(Live.AlertState State, string? IncidentId, string? Reason, string Actor, DateTimeOffset DecidedAt);

/// <summary>A bounding box as archived (normalised frame coordinates).</summary>
public sealed record ArchivedBox(double X, double Y, double Width, double Height, string Label, double Score);

/// <summary>An alert's event clip as archived (the bytes apart): which alert, what it holds.</summary>
public sealed record ArchivedClip(
    string GatewayId,
    string AlertId,
    string CameraId,
    string MediaType,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    int WidthPx,
    int HeightPx,
    int FrameCount,
    long Bytes,
    DateTimeOffset ReceivedAt)
{
    public double DurationSeconds => (EndsAt - StartsAt).TotalSeconds;
}

/// <summary>Which rendering of a snapshot.</summary>
public enum SnapshotVariant
{
    Original = 0,
    Thumb = 1,
    Annotated = 2,
}

/// <summary>
/// Accepted alerts, their snapshots (original, thumbnail, boxes drawn), event clips and operators' decisions, so operators
/// can see what a camera saw for any incident, also after a restart. In a SQLite file of the host's own (embedded) or in
/// the cluster's PostgreSQL, where every host reads what any host took (<see cref="ArchiveDatabase"/>). Alerts are
/// written by one writer in batches (group commit), off the gateway's ack until the batch commits.
/// </summary>
public sealed class AlertArchive : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Pauses between attempts at a batch the database refused for being down or busy; they add up to about 5 s.</summary>
    private static readonly TimeSpan[] RetryPauses =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)];

    private const int MaxBatch = 256;
    private readonly ArchiveDatabase _database;
    private readonly TimeSpan _retryFor;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    /// <summary>The archive in a SQLite file of this host's own.</summary>
    public AlertArchive(string databasePath)
        : this(ArchiveDatabase.Sqlite(databasePath, fullSync: false))
    {
    }

    /// <summary>
    /// The archive in <paramref name="database"/>. A batch PostgreSQL refuses for being down or busy is tried again for up
    /// to <paramref name="retryFor"/> (default 5 s: as long as a SQLite writer waits for a busy file, which SQLite does
    /// itself, so SQLite batches are not tried again) before its saves fail.
    /// </summary>
    public AlertArchive(ArchiveDatabase database, TimeSpan? retryFor = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _retryFor = retryFor ?? (database.IsPostgreSql ? TimeSpan.FromSeconds(5) : TimeSpan.Zero);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Keeps the alert (first copy wins) and its snapshot renderings; completes once committed. Concurrent saves are
    /// committed together in one transaction (group commit), so one commit serves many alerts.
    /// </summary>
    public Task SaveAsync(ArchivedAlert alert, IReadOnlyDictionary<SnapshotVariant, byte[]> snapshots, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(snapshots);
        var write = new PendingWrite(alert, snapshots, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_writes.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(AlertArchive), "the alert archive is shut down");
        }

        return write.Committed.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        while (await _writes.Reader.WaitToReadAsync())
        {
            var batch = new List<PendingWrite>();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                await WriteWithRetriesAsync(batch);
                batch.ForEach(w => w.Committed.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(w => w.Committed.TrySetException(ex));
            }
        }
    }

    /// <summary>
    /// Writes a batch, again after a pause while the database is down or busy (a PostgreSQL restart, a failover), until
    /// <see cref="_retryFor"/> has passed. Safe to repeat: a batch whose commit did land finds its alerts there and adds nothing.
    /// </summary>
    private async Task WriteWithRetriesAsync(List<PendingWrite> batch)
    {
        var waited = TimeSpan.Zero;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await EnsureSchemaAsync(CancellationToken.None);
                await WriteBatchAsync(batch);
                return;
            }
            catch (Exception ex) when (ArchiveDatabase.IsUnavailable(ex) && waited < _retryFor)
            {
                var pause = RetryPauses[Math.Min(attempt, RetryPauses.Length - 1)];
                await Task.Delay(pause);
                waited += pause;
            }
        }
    }

    private async Task WriteBatchAsync(List<PendingWrite> batch)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        foreach (var (alert, snapshots, _) in batch)
        {
            await using (var insert = DbCommands.Command(connection, """
                INSERT INTO camera_alert (gateway_id, alert_id, camera_id, kind, confidence, observed_at, received_at,
                    incident_id, latitude, longitude, boxes_json, attributes_json, has_snapshot)
                VALUES (@gateway, @alert, @camera, @kind, @confidence, @observed, @received, @incident, @lat, @lon, @boxes, @attributes, @snapshot)
                ON CONFLICT (gateway_id, alert_id) DO NOTHING
                """, transaction))
            {
                insert.With("@gateway", alert.GatewayId, DbType.String)
                    .With("@alert", alert.AlertId, DbType.String)
                    .With("@camera", alert.CameraId, DbType.String)
                    .With("@kind", alert.Kind, DbType.String)
                    .With("@confidence", alert.Confidence, DbType.Double)
                    .With("@observed", alert.ObservedAt.UtcTicks, DbType.Int64)
                    .With("@received", alert.ReceivedAt.UtcTicks, DbType.Int64)
                    .With("@incident", alert.IncidentId, DbType.String)
                    .With("@lat", alert.Latitude, DbType.Double)
                    .With("@lon", alert.Longitude, DbType.Double)
                    .With("@boxes", JsonSerializer.Serialize(alert.Boxes, Json), DbType.String)
                    .With("@attributes", JsonSerializer.Serialize(alert.Attributes, Json), DbType.String)
                    .With("@snapshot", alert.HasSnapshot ? 1 : 0, DbType.Int32);
                if (await insert.ExecuteNonQueryAsync() == 0)
                {
                    continue; // already archived: the first copy's snapshots stay
                }
            }

            foreach (var (variant, jpeg) in snapshots)
            {
                await using var blob = DbCommands.Command(connection, """
                    INSERT INTO camera_alert_snapshot (gateway_id, alert_id, variant, jpeg) VALUES (@gateway, @alert, @variant, @jpeg)
                    ON CONFLICT (gateway_id, alert_id, variant) DO UPDATE SET jpeg = excluded.jpeg
                    """, transaction);
                blob.With("@gateway", alert.GatewayId, DbType.String)
                    .With("@alert", alert.AlertId, DbType.String)
                    .With("@variant", (int)variant, DbType.Int32)
                    .With("@jpeg", jpeg, DbType.Binary);
                await blob.ExecuteNonQueryAsync();
            }
        }

        await transaction.CommitAsync();
    }

    /// <summary>The alerts that opened or joined an incident, oldest first.</summary>
    public async Task<IReadOnlyList<ArchivedAlert>> ForIncidentAsync(string incidentId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection, $"{SelectAlert} WHERE incident_id = @incident ORDER BY observed_at, alert_id");
        query.With("@incident", incidentId, DbType.String);
        return await ReadAlertsAsync(query, cancellationToken);
    }

    /// <summary>An alert by id; <paramref name="gatewayId"/> picks one when two gateways used the same id.</summary>
    public async Task<ArchivedAlert?> FindAsync(string alertId, string? gatewayId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection,
            $"{SelectAlert} WHERE alert_id = @alert AND (@gateway IS NULL OR gateway_id = @gateway) ORDER BY received_at LIMIT 1");
        query.With("@alert", alertId, DbType.String).With("@gateway", gatewayId, DbType.String);
        return (await ReadAlertsAsync(query, cancellationToken)).FirstOrDefault();
    }

    public async Task<byte[]?> SnapshotAsync(string gatewayId, string alertId, SnapshotVariant variant, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection,
            "SELECT jpeg FROM camera_alert_snapshot WHERE gateway_id = @gateway AND alert_id = @alert AND variant = @variant");
        query.With("@gateway", gatewayId, DbType.String).With("@alert", alertId, DbType.String).With("@variant", (int)variant, DbType.Int32);
        return await query.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>
    /// Keeps an alert's event clip beside its snapshots; false when the alert already has one (the first copy stays).
    /// A rare write of up to a few MiB, so it goes straight to the database rather than through the alert batches.
    /// </summary>
    public async Task<bool> SaveClipAsync(ArchivedClip clip, byte[] bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(bytes);
        await using var connection = await OpenAsync(cancellationToken);
        await using var insert = DbCommands.Command(connection, """
            INSERT INTO camera_alert_clip (gateway_id, alert_id, camera_id, media_type, starts_at, ends_at, width_px, height_px,
                frame_count, byte_count, received_at, bytes)
            VALUES (@gateway, @alert, @camera, @media, @starts, @ends, @width, @height, @frames, @count, @received, @bytes)
            ON CONFLICT (gateway_id, alert_id) DO NOTHING
            """);
        insert.With("@gateway", clip.GatewayId, DbType.String)
            .With("@alert", clip.AlertId, DbType.String)
            .With("@camera", clip.CameraId, DbType.String)
            .With("@media", clip.MediaType, DbType.String)
            .With("@starts", clip.StartsAt.UtcTicks, DbType.Int64)
            .With("@ends", clip.EndsAt.UtcTicks, DbType.Int64)
            .With("@width", clip.WidthPx, DbType.Int32)
            .With("@height", clip.HeightPx, DbType.Int32)
            .With("@frames", clip.FrameCount, DbType.Int32)
            .With("@count", bytes.LongLength, DbType.Int64)
            .With("@received", clip.ReceivedAt.UtcTicks, DbType.Int64)
            .With("@bytes", bytes, DbType.Binary);
        return await insert.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>What an alert's clip holds, or null when it has none (yet).</summary>
    public async Task<ArchivedClip?> ClipInfoAsync(string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection, """
            SELECT gateway_id, alert_id, camera_id, media_type, starts_at, ends_at, width_px, height_px, frame_count, byte_count, received_at
            FROM camera_alert_clip WHERE gateway_id = @gateway AND alert_id = @alert
            """);
        query.With("@gateway", gatewayId, DbType.String).With("@alert", alertId, DbType.String);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ArchivedClip(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8), reader.GetInt64(9), new DateTimeOffset(reader.GetInt64(10), TimeSpan.Zero))
            : null;
    }

    /// <summary>An alert's clip bytes, or null when it has none.</summary>
    public async Task<byte[]?> ClipBytesAsync(string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = DbCommands.Command(connection, "SELECT bytes FROM camera_alert_clip WHERE gateway_id = @gateway AND alert_id = @alert");
        query.With("@gateway", gatewayId, DbType.String).With("@alert", alertId, DbType.String);
        return await query.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>The latest accepted alerts, newest first, with any decision on them (the operators' feed after a start).</summary>
    public async Task<IReadOnlyList<(ArchivedAlert Alert, AlertDecision? Decision)>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        IReadOnlyList<ArchivedAlert> alerts;
        await using (var query = DbCommands.Command(connection, $"{SelectAlert} ORDER BY received_at DESC, alert_id LIMIT @limit"))
        {
            query.With("@limit", limit, DbType.Int32);
            alerts = await ReadAlertsAsync(query, cancellationToken);
        }

        var result = new List<(ArchivedAlert, AlertDecision?)>(alerts.Count);
        foreach (var alert in alerts)
        {
            result.Add((alert, await DecisionAsync(connection, alert.GatewayId, alert.AlertId, cancellationToken)));
        }

        return result;
    }

    public async Task<AlertDecision?> DecisionAsync(string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await DecisionAsync(connection, gatewayId, alertId, cancellationToken);
    }

    /// <summary>Records an operator's decision on an alert (durably: on SQLite a full sync for this rare write).</summary>
    public async Task DecideAsync(string gatewayId, string alertId, Live.AlertState state, string? incidentId, string? reason, string actor)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = DbCommands.Command(connection, $"""
            {_database.FullSyncPrefix}
            INSERT INTO camera_alert_decision (gateway_id, alert_id, state, incident_id, reason, actor, decided_at)
            VALUES (@gateway, @alert, @state, @incident, @reason, @actor, @at)
            ON CONFLICT (gateway_id, alert_id) DO UPDATE SET state = excluded.state, incident_id = excluded.incident_id,
                reason = excluded.reason, actor = excluded.actor, decided_at = excluded.decided_at
            """);
        command.With("@gateway", gatewayId, DbType.String)
            .With("@alert", alertId, DbType.String)
            .With("@state", (int)state, DbType.Int32)
            .With("@incident", incidentId, DbType.String)
            .With("@reason", reason, DbType.String)
            .With("@actor", actor, DbType.String)
            .With("@at", DateTimeOffset.UtcNow.UtcTicks, DbType.Int64);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<AlertDecision?> DecisionAsync(DbConnection connection, string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await using var query = DbCommands.Command(connection,
            "SELECT state, incident_id, reason, actor, decided_at FROM camera_alert_decision WHERE gateway_id = @gateway AND alert_id = @alert");
        query.With("@gateway", gatewayId, DbType.String).With("@alert", alertId, DbType.String);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AlertDecision((Live.AlertState)reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), new DateTimeOffset(reader.GetInt64(4), TimeSpan.Zero))
            : null;
    }

    /// <summary>Commits what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer;
    }

    private sealed record PendingWrite(ArchivedAlert Alert, IReadOnlyDictionary<SnapshotVariant, byte[]> Snapshots, TaskCompletionSource Committed);

    private const string SelectAlert = """
        SELECT alert_id, gateway_id, camera_id, kind, confidence, observed_at, received_at, incident_id, latitude, longitude,
               boxes_json, attributes_json, has_snapshot FROM camera_alert
        """;

    private static async Task<IReadOnlyList<ArchivedAlert>> ReadAlertsAsync(DbCommand query, CancellationToken cancellationToken)
    {
        var alerts = new List<ArchivedAlert>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            alerts.Add(new ArchivedAlert(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetDouble(4),
                new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero),
                reader.GetString(7),
                reader.GetDouble(8),
                reader.GetDouble(9),
                JsonSerializer.Deserialize<List<ArchivedBox>>(reader.GetString(10), Json) ?? [],
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(11), Json) ?? [],
                reader.GetInt32(12) != 0));
        }

        return alerts;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        return await _database.OpenAsync(cancellationToken);
    }

    // SQLite: WAL with synchronous=NORMAL, so a power cut may lose the last archived alerts, never corrupt the file; the
    // alert ids that make re-sends idempotent are in the incident record's alert ledger, not here.
    private Task EnsureSchemaAsync(CancellationToken cancellationToken) => _database.EnsureSchemaAsync($"""
        CREATE TABLE IF NOT EXISTS camera_alert (
            gateway_id {_database.Key} NOT NULL, alert_id {_database.Key} NOT NULL, camera_id TEXT NOT NULL, kind TEXT NOT NULL,
            confidence {_database.Real} NOT NULL, observed_at {_database.BigInt} NOT NULL, received_at {_database.BigInt} NOT NULL,
            incident_id TEXT NOT NULL, latitude {_database.Real} NOT NULL, longitude {_database.Real} NOT NULL,
            boxes_json TEXT NOT NULL, attributes_json TEXT NOT NULL, has_snapshot INTEGER NOT NULL, PRIMARY KEY (gateway_id, alert_id));
        CREATE INDEX IF NOT EXISTS camera_alert_by_incident ON camera_alert (incident_id);
        CREATE INDEX IF NOT EXISTS camera_alert_by_alert ON camera_alert (alert_id);
        CREATE TABLE IF NOT EXISTS camera_alert_snapshot (
            gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, variant INTEGER NOT NULL, jpeg {_database.Blob} NOT NULL,
            PRIMARY KEY (gateway_id, alert_id, variant));
        CREATE INDEX IF NOT EXISTS camera_alert_by_received ON camera_alert (received_at);
        CREATE TABLE IF NOT EXISTS camera_alert_clip (
            gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, camera_id TEXT NOT NULL, media_type TEXT NOT NULL,
            starts_at {_database.BigInt} NOT NULL, ends_at {_database.BigInt} NOT NULL, width_px INTEGER NOT NULL, height_px INTEGER NOT NULL,
            frame_count INTEGER NOT NULL, byte_count {_database.BigInt} NOT NULL, received_at {_database.BigInt} NOT NULL, bytes {_database.Blob} NOT NULL,
            PRIMARY KEY (gateway_id, alert_id));
        CREATE TABLE IF NOT EXISTS camera_alert_decision (
            gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, state INTEGER NOT NULL, incident_id TEXT NULL, reason TEXT NULL,
            actor TEXT NOT NULL, decided_at {_database.BigInt} NOT NULL, PRIMARY KEY (gateway_id, alert_id));
        """, cancellationToken);
}
