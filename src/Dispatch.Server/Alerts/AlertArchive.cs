using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

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
/// Accepted alerts, their snapshots (original, thumbnail, boxes drawn) and event clips in one SQLite file, so operators can see
/// what a camera saw for any incident, also after a restart. Writes go through one writer (SQLite takes one) in batches.
/// </summary>
public sealed class AlertArchive : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _connectionString;
    private const int MaxBatch = 256;
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _schema;
    private readonly Task _writer;

    public AlertArchive(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true }.ToString();
        _schema = new Lazy<Task>(CreateSchemaAsync);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Keeps the alert (first copy wins) and its snapshot renderings; completes once committed. Concurrent saves are
    /// committed together in one transaction (group commit), so one disk flush serves many alerts.
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
                await _schema.Value;
                await WriteBatchAsync(batch);
                batch.ForEach(w => w.Committed.TrySetResult());
            }
            catch (Exception ex)
            {
                batch.ForEach(w => w.Committed.TrySetException(ex));
            }
        }
    }

    private async Task WriteBatchAsync(List<PendingWrite> batch)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        foreach (var (alert, snapshots, _) in batch)
        {
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT OR IGNORE INTO camera_alert (gateway_id, alert_id, camera_id, kind, confidence, observed_at, received_at,
                        incident_id, latitude, longitude, boxes_json, attributes_json, has_snapshot)
                    VALUES ($gateway, $alert, $camera, $kind, $confidence, $observed, $received, $incident, $lat, $lon, $boxes, $attributes, $snapshot)
                    """;
                insert.Parameters.AddWithValue("$gateway", alert.GatewayId);
                insert.Parameters.AddWithValue("$alert", alert.AlertId);
                insert.Parameters.AddWithValue("$camera", alert.CameraId);
                insert.Parameters.AddWithValue("$kind", alert.Kind);
                insert.Parameters.AddWithValue("$confidence", alert.Confidence);
                insert.Parameters.AddWithValue("$observed", alert.ObservedAt.UtcTicks);
                insert.Parameters.AddWithValue("$received", alert.ReceivedAt.UtcTicks);
                insert.Parameters.AddWithValue("$incident", alert.IncidentId);
                insert.Parameters.AddWithValue("$lat", alert.Latitude);
                insert.Parameters.AddWithValue("$lon", alert.Longitude);
                insert.Parameters.AddWithValue("$boxes", JsonSerializer.Serialize(alert.Boxes, Json));
                insert.Parameters.AddWithValue("$attributes", JsonSerializer.Serialize(alert.Attributes, Json));
                insert.Parameters.AddWithValue("$snapshot", alert.HasSnapshot ? 1 : 0);
                if (await insert.ExecuteNonQueryAsync() == 0)
                {
                    continue; // already archived: the first copy's snapshots stay
                }
            }

            foreach (var (variant, jpeg) in snapshots)
            {
                await using var blob = connection.CreateCommand();
                blob.Transaction = transaction;
                blob.CommandText = "INSERT OR REPLACE INTO camera_alert_snapshot (gateway_id, alert_id, variant, jpeg) VALUES ($gateway, $alert, $variant, $jpeg)";
                blob.Parameters.AddWithValue("$gateway", alert.GatewayId);
                blob.Parameters.AddWithValue("$alert", alert.AlertId);
                blob.Parameters.AddWithValue("$variant", (int)variant);
                blob.Parameters.AddWithValue("$jpeg", jpeg);
                await blob.ExecuteNonQueryAsync();
            }
        }

        await transaction.CommitAsync();
    }

    /// <summary>The alerts that opened or joined an incident, oldest first.</summary>
    public async Task<IReadOnlyList<ArchivedAlert>> ForIncidentAsync(string incidentId, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"{SelectAlert} WHERE incident_id = $incident ORDER BY observed_at, alert_id";
        query.Parameters.AddWithValue("$incident", incidentId);
        return await ReadAlertsAsync(query, cancellationToken);
    }

    /// <summary>An alert by id; <paramref name="gatewayId"/> picks one when two gateways used the same id.</summary>
    public async Task<ArchivedAlert?> FindAsync(string alertId, string? gatewayId, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"{SelectAlert} WHERE alert_id = $alert AND ($gateway IS NULL OR gateway_id = $gateway) ORDER BY received_at LIMIT 1";
        query.Parameters.AddWithValue("$alert", alertId);
        query.Parameters.AddWithValue("$gateway", (object?)gatewayId ?? DBNull.Value);
        return (await ReadAlertsAsync(query, cancellationToken)).FirstOrDefault();
    }

    public async Task<byte[]?> SnapshotAsync(string gatewayId, string alertId, SnapshotVariant variant, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT jpeg FROM camera_alert_snapshot WHERE gateway_id = $gateway AND alert_id = $alert AND variant = $variant";
        query.Parameters.AddWithValue("$gateway", gatewayId);
        query.Parameters.AddWithValue("$alert", alertId);
        query.Parameters.AddWithValue("$variant", (int)variant);
        return await query.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>
    /// Keeps an alert's event clip beside its snapshots; false when the alert already has one (the first copy stays).
    /// A rare write of up to a few MiB, so it goes straight to the file rather than through the alert batches.
    /// </summary>
    public async Task<bool> SaveClipAsync(ArchivedClip clip, byte[] bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(bytes);
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT OR IGNORE INTO camera_alert_clip (gateway_id, alert_id, camera_id, media_type, starts_at, ends_at, width_px, height_px,
                frame_count, byte_count, received_at, bytes)
            VALUES ($gateway, $alert, $camera, $media, $starts, $ends, $width, $height, $frames, $count, $received, $bytes)
            """;
        insert.Parameters.AddWithValue("$gateway", clip.GatewayId);
        insert.Parameters.AddWithValue("$alert", clip.AlertId);
        insert.Parameters.AddWithValue("$camera", clip.CameraId);
        insert.Parameters.AddWithValue("$media", clip.MediaType);
        insert.Parameters.AddWithValue("$starts", clip.StartsAt.UtcTicks);
        insert.Parameters.AddWithValue("$ends", clip.EndsAt.UtcTicks);
        insert.Parameters.AddWithValue("$width", clip.WidthPx);
        insert.Parameters.AddWithValue("$height", clip.HeightPx);
        insert.Parameters.AddWithValue("$frames", clip.FrameCount);
        insert.Parameters.AddWithValue("$count", bytes.LongLength);
        insert.Parameters.AddWithValue("$received", clip.ReceivedAt.UtcTicks);
        insert.Parameters.AddWithValue("$bytes", bytes);
        return await insert.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>What an alert's clip holds, or null when it has none (yet).</summary>
    public async Task<ArchivedClip?> ClipInfoAsync(string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT gateway_id, alert_id, camera_id, media_type, starts_at, ends_at, width_px, height_px, frame_count, byte_count, received_at
            FROM camera_alert_clip WHERE gateway_id = $gateway AND alert_id = $alert
            """;
        query.Parameters.AddWithValue("$gateway", gatewayId);
        query.Parameters.AddWithValue("$alert", alertId);
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
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT bytes FROM camera_alert_clip WHERE gateway_id = $gateway AND alert_id = $alert";
        query.Parameters.AddWithValue("$gateway", gatewayId);
        query.Parameters.AddWithValue("$alert", alertId);
        return await query.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>The latest accepted alerts, newest first, with any decision on them (the operators' feed after a start).</summary>
    public async Task<IReadOnlyList<(ArchivedAlert Alert, AlertDecision? Decision)>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = $"{SelectAlert} ORDER BY received_at DESC, alert_id LIMIT $limit";
        query.Parameters.AddWithValue("$limit", limit);
        var alerts = await ReadAlertsAsync(query, cancellationToken);
        var result = new List<(ArchivedAlert, AlertDecision?)>(alerts.Count);
        foreach (var alert in alerts)
        {
            result.Add((alert, await DecisionAsync(connection, alert.GatewayId, alert.AlertId, cancellationToken)));
        }

        return result;
    }

    public async Task<AlertDecision?> DecisionAsync(string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await _schema.Value.WaitAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        return await DecisionAsync(connection, gatewayId, alertId, cancellationToken);
    }

    /// <summary>Records an operator's decision on an alert (durably: WAL with a full sync for this rare write).</summary>
    public async Task DecideAsync(string gatewayId, string alertId, Live.AlertState state, string? incidentId, string? reason, string actor)
    {
        await _schema.Value;
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA synchronous = FULL;
            INSERT OR REPLACE INTO camera_alert_decision (gateway_id, alert_id, state, incident_id, reason, actor, decided_at)
            VALUES ($gateway, $alert, $state, $incident, $reason, $actor, $at);
            """;
        command.Parameters.AddWithValue("$gateway", gatewayId);
        command.Parameters.AddWithValue("$alert", alertId);
        command.Parameters.AddWithValue("$state", (int)state);
        command.Parameters.AddWithValue("$incident", (object?)incidentId ?? DBNull.Value);
        command.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
        command.Parameters.AddWithValue("$actor", actor);
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.UtcTicks);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<AlertDecision?> DecisionAsync(SqliteConnection connection, string gatewayId, string alertId, CancellationToken cancellationToken)
    {
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT state, incident_id, reason, actor, decided_at FROM camera_alert_decision WHERE gateway_id = $gateway AND alert_id = $alert";
        query.Parameters.AddWithValue("$gateway", gatewayId);
        query.Parameters.AddWithValue("$alert", alertId);
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

    private static async Task<IReadOnlyList<ArchivedAlert>> ReadAlertsAsync(SqliteCommand query, CancellationToken cancellationToken)
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
                reader.GetInt64(12) != 0));
        }

        return alerts;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        // WAL with synchronous=NORMAL: a power cut may lose the last archived alerts, never corrupt the file; the
        // alert ids that make re-sends idempotent are in the incident record's alert ledger, not here.
        pragma.CommandText = "PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task CreateSchemaAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var create = connection.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS camera_alert (
                gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, camera_id TEXT NOT NULL, kind TEXT NOT NULL,
                confidence REAL NOT NULL, observed_at INTEGER NOT NULL, received_at INTEGER NOT NULL, incident_id TEXT NOT NULL,
                latitude REAL NOT NULL, longitude REAL NOT NULL, boxes_json TEXT NOT NULL, attributes_json TEXT NOT NULL,
                has_snapshot INTEGER NOT NULL, PRIMARY KEY (gateway_id, alert_id));
            CREATE INDEX IF NOT EXISTS camera_alert_by_incident ON camera_alert (incident_id);
            CREATE INDEX IF NOT EXISTS camera_alert_by_alert ON camera_alert (alert_id);
            CREATE TABLE IF NOT EXISTS camera_alert_snapshot (
                gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, variant INTEGER NOT NULL, jpeg BLOB NOT NULL,
                PRIMARY KEY (gateway_id, alert_id, variant));
            CREATE INDEX IF NOT EXISTS camera_alert_by_received ON camera_alert (received_at);
            CREATE TABLE IF NOT EXISTS camera_alert_clip (
                gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, camera_id TEXT NOT NULL, media_type TEXT NOT NULL,
                starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, width_px INTEGER NOT NULL, height_px INTEGER NOT NULL,
                frame_count INTEGER NOT NULL, byte_count INTEGER NOT NULL, received_at INTEGER NOT NULL, bytes BLOB NOT NULL,
                PRIMARY KEY (gateway_id, alert_id));
            CREATE TABLE IF NOT EXISTS camera_alert_decision (
                gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, state INTEGER NOT NULL, incident_id TEXT NULL, reason TEXT NULL,
                actor TEXT NOT NULL, decided_at INTEGER NOT NULL, PRIMARY KEY (gateway_id, alert_id));
            """;
        await create.ExecuteNonQueryAsync();
    }
}
