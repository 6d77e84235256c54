using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dispatch.Server.Security;

/// <summary>
/// <see cref="ISecurityStore"/> on its own SQLite file. The statements are plain SQL that PostgreSQL runs as well
/// (only the audit id column's DDL differs); times are ISO-8601 text in UTC.
/// </summary>
public sealed class SqliteSecurityStore(string path) : ISecurityStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public string Path => path;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS accounts (
                username TEXT PRIMARY KEY,
                password_hash TEXT NOT NULL,
                roles TEXT NOT NULL,
                units TEXT NOT NULL,
                demo INTEGER NOT NULL,
                failed_sign_ins INTEGER NOT NULL,
                locked_until TEXT NULL,
                created_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS gateways (
                gateway_id TEXT PRIMARY KEY,
                credential_hash TEXT NOT NULL,
                certificate_thumbprint TEXT NULL,
                demo INTEGER NOT NULL,
                changed_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS gateway_cameras (
                camera_id TEXT PRIMARY KEY,
                gateway_id TEXT NOT NULL,
                registered_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS gateway_cameras_by_gateway ON gateway_cameras (gateway_id);
            CREATE TABLE IF NOT EXISTS pending_cameras (
                camera_id TEXT PRIMARY KEY,
                gateway_id TEXT NOT NULL,
                name TEXT NOT NULL,
                latitude REAL NOT NULL,
                longitude REAL NOT NULL,
                heading_degrees REAL NOT NULL,
                requested_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS pending_cameras_by_gateway ON pending_cameras (gateway_id);
            CREATE TABLE IF NOT EXISTS audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL,
                remote TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS audit_by_kind ON audit (kind, id);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Account?> FindAccountAsync(string username, CancellationToken cancellationToken)
    {
        var found = await QueryAsync(
            "SELECT username, password_hash, roles, units, demo, failed_sign_ins, locked_until, created_at FROM accounts WHERE username = $u",
            c => c.Parameters.AddWithValue("$u", username), ReadAccount, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<Account>> ListAccountsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT username, password_hash, roles, units, demo, failed_sign_ins, locked_until, created_at FROM accounts ORDER BY username",
            _ => { }, ReadAccount, cancellationToken);

    public async Task<bool> CreateAccountAsync(Account account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var rows = await ExecuteAsync(
            """
            INSERT INTO accounts (username, password_hash, roles, units, demo, failed_sign_ins, locked_until, created_at)
            VALUES ($u, $h, $r, $n, $d, 0, NULL, $c) ON CONFLICT (username) DO NOTHING
            """,
            c =>
            {
                c.Parameters.AddWithValue("$u", account.Username);
                c.Parameters.AddWithValue("$h", account.PasswordHash);
                c.Parameters.AddWithValue("$r", string.Join(',', account.Roles));
                c.Parameters.AddWithValue("$n", string.Join(',', account.Units));
                c.Parameters.AddWithValue("$d", account.Demo ? 1 : 0);
                c.Parameters.AddWithValue("$c", Text(account.CreatedAt));
            }, cancellationToken);
        return rows == 1;
    }

    public async Task<bool> SetPasswordHashAsync(string username, string passwordHash, CancellationToken cancellationToken) =>
        await ExecuteAsync("UPDATE accounts SET password_hash = $h WHERE username = $u", c =>
        {
            c.Parameters.AddWithValue("$u", username);
            c.Parameters.AddWithValue("$h", passwordHash);
        }, cancellationToken) == 1;

    public async Task<int> CountFailureAsync(string username, CancellationToken cancellationToken)
    {
        var counts = await QueryAsync("UPDATE accounts SET failed_sign_ins = failed_sign_ins + 1 WHERE username = $u RETURNING failed_sign_ins",
            c => c.Parameters.AddWithValue("$u", username), r => r.GetInt32(0), cancellationToken);
        return counts.Count == 0 ? 0 : counts[0];
    }

    public Task SetLockAsync(string username, DateTimeOffset? lockedUntil, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE accounts SET failed_sign_ins = 0, locked_until = $l WHERE username = $u", c =>
        {
            c.Parameters.AddWithValue("$u", username);
            c.Parameters.AddWithValue("$l", lockedUntil is { } at ? Text(at) : DBNull.Value);
        }, cancellationToken);

    public async Task<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM accounts WHERE username = $u", c => c.Parameters.AddWithValue("$u", username), cancellationToken) == 1;

    public async Task<GatewayRecord?> FindGatewayAsync(string gatewayId, CancellationToken cancellationToken)
    {
        var found = await QueryAsync("SELECT gateway_id, credential_hash, certificate_thumbprint, demo, changed_at FROM gateways WHERE gateway_id = $g",
            c => c.Parameters.AddWithValue("$g", gatewayId), ReadGateway, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<GatewayRecord>> ListGatewaysAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT gateway_id, credential_hash, certificate_thumbprint, demo, changed_at FROM gateways ORDER BY gateway_id",
            _ => { }, ReadGateway, cancellationToken);

    public Task SaveGatewayAsync(GatewayRecord gateway, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return ExecuteAsync(
            """
            INSERT INTO gateways (gateway_id, credential_hash, certificate_thumbprint, demo, changed_at) VALUES ($g, $h, $t, $d, $c)
            ON CONFLICT (gateway_id) DO UPDATE SET credential_hash = excluded.credential_hash,
                certificate_thumbprint = excluded.certificate_thumbprint, demo = excluded.demo, changed_at = excluded.changed_at
            """,
            c =>
            {
                c.Parameters.AddWithValue("$g", gateway.GatewayId);
                c.Parameters.AddWithValue("$h", gateway.CredentialHash);
                c.Parameters.AddWithValue("$t", (object?)gateway.CertificateThumbprint ?? DBNull.Value);
                c.Parameters.AddWithValue("$d", gateway.Demo ? 1 : 0);
                c.Parameters.AddWithValue("$c", Text(gateway.ChangedAt));
            }, cancellationToken);
    }

    public async Task<int> CountSelfRegisteredCamerasAsync(string gatewayId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT COUNT(*) FROM gateway_cameras WHERE gateway_id = $g", c => c.Parameters.AddWithValue("$g", gatewayId),
            r => r.GetInt32(0), cancellationToken))[0];

    public Task AddSelfRegisteredCameraAsync(string gatewayId, string cameraId, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO gateway_cameras (camera_id, gateway_id, registered_at) VALUES ($c, $g, $t) ON CONFLICT (camera_id) DO NOTHING", c =>
        {
            c.Parameters.AddWithValue("$c", cameraId);
            c.Parameters.AddWithValue("$g", gatewayId);
            c.Parameters.AddWithValue("$t", Text(DateTimeOffset.UtcNow));
        }, cancellationToken);

    public async Task<bool> AddPendingCameraAsync(PendingCamera camera, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return await ExecuteAsync(
            """
            INSERT INTO pending_cameras (camera_id, gateway_id, name, latitude, longitude, heading_degrees, requested_at)
            VALUES ($c, $g, $n, $la, $lo, $h, $t) ON CONFLICT (camera_id) DO NOTHING
            """,
            c =>
            {
                c.Parameters.AddWithValue("$c", camera.CameraId);
                c.Parameters.AddWithValue("$g", camera.GatewayId);
                c.Parameters.AddWithValue("$n", camera.Name);
                c.Parameters.AddWithValue("$la", camera.Latitude);
                c.Parameters.AddWithValue("$lo", camera.Longitude);
                c.Parameters.AddWithValue("$h", camera.HeadingDegrees);
                c.Parameters.AddWithValue("$t", Text(camera.RequestedAt));
            }, cancellationToken) == 1;
    }

    public async Task<int> CountPendingCamerasAsync(string gatewayId, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT COUNT(*) FROM pending_cameras WHERE gateway_id = $g", c => c.Parameters.AddWithValue("$g", gatewayId),
            r => r.GetInt32(0), cancellationToken))[0];

    public Task<IReadOnlyList<PendingCamera>> ListPendingCamerasAsync(int limit, CancellationToken cancellationToken) =>
        QueryAsync("SELECT camera_id, gateway_id, name, latitude, longitude, heading_degrees, requested_at FROM pending_cameras ORDER BY requested_at, camera_id LIMIT $l",
            c => c.Parameters.AddWithValue("$l", limit), ReadPending, cancellationToken);

    public async Task<PendingCamera?> TakePendingCameraAsync(string cameraId, CancellationToken cancellationToken)
    {
        var taken = await QueryAsync(
            "DELETE FROM pending_cameras WHERE camera_id = $c RETURNING camera_id, gateway_id, name, latitude, longitude, heading_degrees, requested_at",
            c => c.Parameters.AddWithValue("$c", cameraId), ReadPending, cancellationToken);
        return taken.Count == 0 ? null : taken[0];
    }

    public Task AppendAuditAsync(string kind, string actor, string subject, string detail, string remote, DateTimeOffset at, CancellationToken cancellationToken) =>
        ExecuteAsync("INSERT INTO audit (at, kind, actor, subject, detail, remote) VALUES ($a, $k, $w, $s, $d, $r)", c =>
        {
            c.Parameters.AddWithValue("$a", Text(at));
            c.Parameters.AddWithValue("$k", kind);
            c.Parameters.AddWithValue("$w", actor);
            c.Parameters.AddWithValue("$s", subject);
            c.Parameters.AddWithValue("$d", detail);
            c.Parameters.AddWithValue("$r", remote);
        }, cancellationToken);

    public Task<IReadOnlyList<AuditEvent>> ReadAuditAsync(long? beforeId, int limit, string? kind, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT id, at, kind, actor, subject, detail, remote FROM audit WHERE id < $b AND ($k IS NULL OR kind = $k) ORDER BY id DESC LIMIT $l",
            c =>
            {
                c.Parameters.AddWithValue("$b", beforeId ?? long.MaxValue);
                c.Parameters.AddWithValue("$k", (object?)kind ?? DBNull.Value);
                c.Parameters.AddWithValue("$l", limit);
            },
            r => new AuditEvent(r.GetInt64(0), Parse(r.GetString(1)), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6)),
            cancellationToken);

    private static Account ReadAccount(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), SeedAccount.Split(r.GetString(2)), SeedAccount.Split(r.GetString(3)), r.GetInt32(4) != 0, r.GetInt32(5),
        r.IsDBNull(6) ? null : Parse(r.GetString(6)), Parse(r.GetString(7)));

    private static GatewayRecord ReadGateway(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3) != 0, Parse(r.GetString(4)));

    private static PendingCamera ReadPending(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5), Parse(r.GetString(6)));

    private static string Text(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task<int> ExecuteAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
