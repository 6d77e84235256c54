using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Dispatch.Storage.Dialects;

internal sealed class SqliteDialect : ISqlDialect
{
    public static readonly SqliteDialect Instance = new();

    /// <summary>How long a writer from another process may hold the file before we give up.</summary>
    private const int BusyTimeoutMilliseconds = 10_000;

    public DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    public string? ConnectionSetupSql => $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};";

    // WAL lets readers run beside the writer; the mode is stored in the file, so once is enough.
    public string? DatabaseSetupSql => "PRAGMA journal_mode = WAL;";

    public string SchemaSql => """
        CREATE TABLE IF NOT EXISTS grain_state (
            state_name TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            payload BLOB NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (state_name, grain_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS incident_journal (
            incident_id TEXT NOT NULL,
            sequence_number INTEGER NOT NULL,
            occurred_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (incident_id, sequence_number)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS incident (
            incident_id TEXT NOT NULL PRIMARY KEY,
            version INTEGER NOT NULL,
            snapshot BLOB NOT NULL,
            type TEXT NOT NULL,
            priority INTEGER NOT NULL,
            source INTEGER NOT NULL,
            status INTEGER NOT NULL,
            latitude REAL NOT NULL,
            longitude REAL NOT NULL,
            created_at TEXT NOT NULL,
            ended_at TEXT NULL,
            grid_id TEXT NULL,
            station_id TEXT NULL,
            station_responders INTEGER NOT NULL,
            last_alert_at TEXT NULL,
            description TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS incident_by_status ON incident (status, created_at);
        CREATE INDEX IF NOT EXISTS incident_by_created ON incident (created_at);
        CREATE INDEX IF NOT EXISTS incident_by_grid ON incident (grid_id, created_at);
        CREATE TABLE IF NOT EXISTS unit_assignment (
            unit_id TEXT NOT NULL,
            assignment_number INTEGER NOT NULL,
            incident_id TEXT NOT NULL,
            tier_name TEXT NOT NULL,
            state INTEGER NOT NULL,
            assigned_at TEXT NOT NULL,
            ack_deadline TEXT NOT NULL,
            incident_latitude REAL NOT NULL,
            incident_longitude REAL NOT NULL,
            arrival_radius_meters REAL NOT NULL,
            ended_at TEXT NULL,
            end_reason TEXT NULL,
            PRIMARY KEY (unit_id, assignment_number)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS unit_assignment_one_active ON unit_assignment (unit_id) WHERE state < 4;
        CREATE TABLE IF NOT EXISTS unit_position (
            unit_id TEXT NOT NULL PRIMARY KEY,
            latitude REAL NOT NULL,
            longitude REAL NOT NULL,
            at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS unit_position_by_place ON unit_position (latitude, longitude);
        CREATE TABLE IF NOT EXISTS alert_ledger (
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            camera_id TEXT NOT NULL,
            incident_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            observed_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (gateway_id, alert_id)
        ) WITHOUT ROWID;
        """;

    public bool HasSingleWriter => true;

    // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
    public bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };
}
