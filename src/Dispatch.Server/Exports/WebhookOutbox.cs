using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Dispatch.Abstractions.Incidents;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Exports;

/// <summary>A delivery that failed for good: after its last attempt, or at once on a permanent refusal (4xx).</summary>
public sealed record DeadLetter(
    long DeliveryId,
    string Endpoint,
    string IncidentId,
    string Event,
    int Attempts,
    string LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset FailedAt);

/// <summary>Deliveries by state, for the supervisors' panel.</summary>
public sealed record OutboxCounts(int Pending, int Delivered, int Dead);

/// <summary>
/// Posts each incident's CAP or EIDO document to the configured webhooks when it opens, changes and closes. The event
/// sink only hands the change over (non-blocking); a writer keeps every delivery in a SQLite outbox before it is sent,
/// so a restart resumes pending deliveries. Per endpoint and incident, deliveries go in order (a later one waits for an
/// earlier one to succeed or die); an update not yet attempted is replaced by a newer one. A failure is retried with
/// exponential backoff and jitter; after the last attempt, or at once on a permanent refusal (a 4xx other than 408,
/// 425 and 429), the delivery is a dead letter until a supervisor retries it. Every POST is signed:
/// X-Dispatch-Signature: t=UNIX_SECONDS,v1=hex(HMAC-SHA256(secret, "t.body")).
/// </summary>
public sealed partial class WebhookOutbox : BackgroundService
{
    public const string SignatureHeader = "X-Dispatch-Signature";
    public const string EventHeader = "X-Dispatch-Event";
    public const string DeliveryHeader = "X-Dispatch-Delivery";
    public const string IncidentHeader = "X-Dispatch-Incident";

    private const int Pending = 0;
    private const int Delivered = 1;
    private const int Dead = 2;

    private readonly ExportOptions _options;
    private readonly IncidentDocuments _documents;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookOutbox> _logger;
    private readonly HttpClient _http;
    private readonly string _connectionString;
    private readonly Dictionary<string, WebhookEndpoint> _endpoints;
    private readonly Channel<(IncidentView Incident, IncidentEvent Event)> _changes =
        Channel.CreateBounded<(IncidentView, IncidentEvent)>(new BoundedChannelOptions(50_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lazy<Task> _schema;
    private long _dropped;

    public WebhookOutbox(IOptions<ExportOptions> options, IncidentDocuments documents, TimeProvider clock, ILogger<WebhookOutbox> logger, string databasePath)
    {
        _options = options.Value;
        _documents = documents;
        _clock = clock;
        _logger = logger;
        _endpoints = _options.Webhooks.ToDictionary(w => w.Name, StringComparer.Ordinal);
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds) };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true }.ToString();
        _schema = new Lazy<Task>(CreateSchemaAsync);
    }

    /// <summary>False when no webhook is configured: nothing is kept or sent.</summary>
    public bool Enabled => _endpoints.Count > 0;

    /// <summary>Changes refused because the hand-over queue was full (they are logged).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Hands a change over; never blocks the grain that reports it.</summary>
    public void IncidentChanged(IncidentView incident, IReadOnlyList<TimelineEntry> appended)
    {
        if (!Enabled)
        {
            return;
        }

        var ev = appended.Any(e => e.Kind is TimelineKinds.Closed or TimelineKinds.Cancelled) ? IncidentEvent.Closed
            : appended.Any(e => e.Kind == TimelineKinds.Created) ? IncidentEvent.Opened
            : IncidentEvent.Updated;
        if (!_changes.Writer.TryWrite((incident, ev)))
        {
            Interlocked.Increment(ref _dropped);
            LogDropped(_logger, incident.IncidentId);
        }
    }

    public async Task<IReadOnlyList<DeadLetter>> DeadLettersAsync(int limit, CancellationToken cancellationToken)
    {
        await _schema.Value;
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT id, endpoint, incident_id, event, attempts, last_error, created_at, finished_at FROM webhook_delivery
            WHERE state = 2 ORDER BY finished_at DESC, id DESC LIMIT $limit
            """;
        query.Parameters.AddWithValue("$limit", limit);
        var letters = new List<DeadLetter>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(new DeadLetter(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5),
                new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero), new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero)));
        }

        return letters;
    }

    public async Task<OutboxCounts> CountsAsync(CancellationToken cancellationToken)
    {
        await _schema.Value;
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT state, count(*) FROM webhook_delivery GROUP BY state";
        var counts = new int[3];
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetInt32(0)] = reader.GetInt32(1);
        }

        return new OutboxCounts(counts[Pending], counts[Delivered], counts[Dead]);
    }

    /// <summary>Puts a dead letter back in line with fresh attempts; false when no dead letter has this id.</summary>
    public async Task<bool> RetryAsync(long deliveryId, CancellationToken cancellationToken)
    {
        await _schema.Value;
        await using var connection = await OpenAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE webhook_delivery SET state = 0, attempts = 0, next_attempt_at = $now, finished_at = NULL WHERE id = $id AND state = 2";
        update.Parameters.AddWithValue("$id", deliveryId);
        update.Parameters.AddWithValue("$now", _clock.GetUtcNow().UtcTicks);
        var changed = await update.ExecuteNonQueryAsync(cancellationToken) == 1;
        _wake.Release();
        return changed;
    }

    /// <summary>The signature header value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(string secret, long unixSeconds, string body)
    {
        var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{unixSeconds}.{body}"));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        await _schema.Value;
        await Task.WhenAll(IntakeLoopAsync(stoppingToken), DeliveryLoopAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _http.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    /// <summary>Renders each handed-over change for every endpoint and keeps it in the outbox.</summary>
    private async Task IntakeLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new List<(IncidentView Incident, IncidentEvent Event)>();
                while (batch.Count < 256 && _changes.Reader.TryRead(out var change))
                {
                    batch.Add(change);
                }

                try
                {
                    await StoreAsync(batch, stoppingToken);
                    _wake.Release();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogStoreFailed(_logger, ex, batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task StoreAsync(List<(IncidentView Incident, IncidentEvent Event)> batch, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow().UtcTicks;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (incident, ev) in batch)
        {
            foreach (var endpoint in _endpoints.Values)
            {
                var (contentType, body) = endpoint.Format == "eido"
                    ? (IncidentDocuments.EidoMediaType, _documents.EidoJson(incident))
                    : (IncidentDocuments.CapMediaType, _documents.CapXml(incident, ev));
                var eventName = EventName(ev);
                if (ev == IncidentEvent.Updated)
                {
                    // The newest delivery of this incident is an update nobody has tried yet: send the newer state instead.
                    await using var coalesce = connection.CreateCommand();
                    coalesce.Transaction = transaction;
                    coalesce.CommandText = """
                        UPDATE webhook_delivery SET body = $body
                        WHERE id = (SELECT max(id) FROM webhook_delivery WHERE endpoint = $endpoint AND incident_id = $incident)
                          AND state = 0 AND attempts = 0 AND event = 'updated'
                        """;
                    coalesce.Parameters.AddWithValue("$body", body);
                    coalesce.Parameters.AddWithValue("$endpoint", endpoint.Name);
                    coalesce.Parameters.AddWithValue("$incident", incident.IncidentId);
                    if (await coalesce.ExecuteNonQueryAsync(cancellationToken) == 1)
                    {
                        continue;
                    }
                }

                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO webhook_delivery (endpoint, incident_id, event, content_type, body, attempts, next_attempt_at, state, last_error, created_at)
                    VALUES ($endpoint, $incident, $event, $type, $body, 0, $now, 0, '', $now)
                    """;
                insert.Parameters.AddWithValue("$endpoint", endpoint.Name);
                insert.Parameters.AddWithValue("$incident", incident.IncidentId);
                insert.Parameters.AddWithValue("$event", eventName);
                insert.Parameters.AddWithValue("$type", contentType);
                insert.Parameters.AddWithValue("$body", body);
                insert.Parameters.AddWithValue("$now", now);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task DeliveryLoopAsync(CancellationToken stoppingToken)
    {
        var lastPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = _clock.GetUtcNow();
                if (now - lastPrune > TimeSpan.FromHours(1))
                {
                    await PruneAsync(now, stoppingToken);
                    lastPrune = now;
                }

                var due = await DueAsync(now, stoppingToken);
                if (due.Count > 0)
                {
                    await Task.WhenAll(due.Select(d => DeliverAsync(d, stoppingToken)));
                    continue;
                }

                var next = await NextAttemptAsync(stoppingToken);
                var wait = next is { } at ? at - _clock.GetUtcNow() : TimeSpan.FromSeconds(5);
                await _wake.WaitAsync(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : wait, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), _clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private sealed record Due(long Id, string Endpoint, string IncidentId, string Event, string ContentType, string Body, int Attempts);

    /// <summary>The first pending delivery of each (endpoint, incident) whose time has come.</summary>
    private async Task<List<Due>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT d.id, d.endpoint, d.incident_id, d.event, d.content_type, d.body, d.attempts FROM webhook_delivery d
            WHERE d.state = 0 AND d.next_attempt_at <= $now
              AND NOT EXISTS (SELECT 1 FROM webhook_delivery e
                              WHERE e.state = 0 AND e.endpoint = d.endpoint AND e.incident_id = d.incident_id AND e.id < d.id)
            ORDER BY d.next_attempt_at, d.id LIMIT 32
            """;
        query.Parameters.AddWithValue("$now", now.UtcTicks);
        var due = new List<Due>();
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new Due(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetInt32(6)));
        }

        return due;
    }

    private async Task<DateTimeOffset?> NextAttemptAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT min(next_attempt_at) FROM webhook_delivery WHERE state = 0";
        return await query.ExecuteScalarAsync(cancellationToken) is long ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    private async Task DeliverAsync(Due delivery, CancellationToken stoppingToken)
    {
        var attempt = delivery.Attempts + 1;
        string? error;
        var permanent = false;
        if (!_endpoints.TryGetValue(delivery.Endpoint, out var endpoint))
        {
            error = $"endpoint '{delivery.Endpoint}' is no longer configured";
            permanent = true;
        }
        else
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
                {
                    Content = new StringContent(delivery.Body, Encoding.UTF8, delivery.ContentType),
                };
                request.Headers.Add(SignatureHeader, Sign(endpoint.Secret, _clock.GetUtcNow().ToUnixTimeSeconds(), delivery.Body));
                request.Headers.Add(EventHeader, delivery.Event);
                request.Headers.Add(DeliveryHeader, delivery.Id.ToString(CultureInfo.InvariantCulture));
                request.Headers.Add(IncidentHeader, delivery.IncidentId);
                using var response = await _http.SendAsync(request, stoppingToken);
                var status = (int)response.StatusCode;
                error = response.IsSuccessStatusCode ? null : string.Create(CultureInfo.InvariantCulture, $"HTTP {status} {response.ReasonPhrase}");
                permanent = status is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests) && status != 425;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                error = ex is TaskCanceledException ? $"no answer within {_options.RequestTimeoutSeconds} s" : ex.Message;
            }
        }

        var now = _clock.GetUtcNow();
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var update = connection.CreateCommand();
        if (error is null)
        {
            update.CommandText = "UPDATE webhook_delivery SET state = 1, attempts = $attempts, finished_at = $now, last_error = '' WHERE id = $id";
        }
        else if (permanent || attempt >= _options.MaxAttempts)
        {
            update.CommandText = "UPDATE webhook_delivery SET state = 2, attempts = $attempts, finished_at = $now, last_error = $error WHERE id = $id";
            LogDeadLetter(_logger, delivery.Id, delivery.Endpoint, delivery.IncidentId, attempt, error);
        }
        else
        {
            var backoff = Math.Min(_options.MaxRetrySeconds, _options.FirstRetrySeconds * Math.Pow(2, attempt - 1)) * (0.8 + (0.4 * Random.Shared.NextDouble()));
            update.CommandText = "UPDATE webhook_delivery SET attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE id = $id";
            update.Parameters.AddWithValue("$next", (now + TimeSpan.FromSeconds(backoff)).UtcTicks);
        }

        update.Parameters.AddWithValue("$id", delivery.Id);
        update.Parameters.AddWithValue("$attempts", attempt);
        update.Parameters.AddWithValue("$now", now.UtcTicks);
        update.Parameters.AddWithValue("$error", error ?? "");
        await update.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>Delivered documents are kept a week (for questions), then dropped; dead letters stay until retried.</summary>
    private async Task PruneAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM webhook_delivery WHERE state = 1 AND finished_at < $cutoff";
        delete.Parameters.AddWithValue("$cutoff", (now - TimeSpan.FromDays(7)).UtcTicks);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string EventName(IncidentEvent ev) => ev switch
    {
        IncidentEvent.Opened => "opened",
        IncidentEvent.Closed => "closed",
        _ => "updated",
    };

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
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
            CREATE TABLE IF NOT EXISTS webhook_delivery (
                id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, incident_id TEXT NOT NULL, event TEXT NOT NULL,
                content_type TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL,
                state INTEGER NOT NULL, last_error TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER);
            CREATE INDEX IF NOT EXISTS webhook_delivery_queue ON webhook_delivery (state, endpoint, incident_id, id);
            CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (state, next_attempt_at);
            """;
        await create.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: its change was not queued for the webhooks (hand-over queue full)")]
    private static partial void LogDropped(ILogger logger, string incidentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} incident changes could not be kept in the webhook outbox")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} to {Endpoint} for incident {IncidentId} is a dead letter after {Attempts} attempts: {Error}")]
    private static partial void LogDeadLetter(ILogger logger, long deliveryId, string endpoint, string incidentId, int attempts, string error);
}
