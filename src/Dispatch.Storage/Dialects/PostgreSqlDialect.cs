using System.Data.Common;
using Npgsql;

namespace Dispatch.Storage.Dialects;

internal sealed class PostgreSqlDialect : ISqlDialect
{
    public static readonly PostgreSqlDialect Instance = new();

    public DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    public string? ConnectionSetupSql => null;

    public string? DatabaseSetupSql => null;

    // Silos of a cluster start together: the advisory lock keeps their CREATE TABLEs from racing.
    // incident_id sorts byte-wise (COLLATE "C") so ReadAll orders as SQLite does, whatever the locale.
    public string SchemaSql => """
        SELECT pg_advisory_xact_lock(727348201);
        CREATE TABLE IF NOT EXISTS grain_state (
            state_name TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            version BIGINT NOT NULL,
            payload BYTEA NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (state_name, grain_id)
        );
        CREATE TABLE IF NOT EXISTS incident_journal (
            incident_id TEXT COLLATE "C" NOT NULL,
            sequence_number BIGINT NOT NULL,
            occurred_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            payload_json TEXT NOT NULL,
            recorded_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (incident_id, sequence_number)
        );
        CREATE TABLE IF NOT EXISTS incident (
            incident_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            version BIGINT NOT NULL,
            snapshot BYTEA NOT NULL,
            type TEXT NOT NULL,
            priority INTEGER NOT NULL,
            source INTEGER NOT NULL,
            status INTEGER NOT NULL,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            created_at TEXT COLLATE "C" NOT NULL,
            ended_at TEXT NULL,
            grid_id TEXT NULL,
            station_id TEXT NULL,
            station_responders INTEGER NOT NULL,
            last_alert_at TEXT NULL,
            description TEXT NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX IF NOT EXISTS incident_by_status ON incident (status, created_at);
        CREATE INDEX IF NOT EXISTS incident_by_created ON incident (created_at);
        CREATE INDEX IF NOT EXISTS incident_by_grid ON incident (grid_id, created_at);
        CREATE TABLE IF NOT EXISTS unit_assignment (
            unit_id TEXT COLLATE "C" NOT NULL,
            assignment_number BIGINT NOT NULL,
            incident_id TEXT NOT NULL,
            tier_name TEXT NOT NULL,
            state INTEGER NOT NULL,
            assigned_at TEXT NOT NULL,
            ack_deadline TEXT NOT NULL,
            incident_latitude DOUBLE PRECISION NOT NULL,
            incident_longitude DOUBLE PRECISION NOT NULL,
            arrival_radius_meters DOUBLE PRECISION NOT NULL,
            ended_at TEXT NULL,
            end_reason TEXT NULL,
            PRIMARY KEY (unit_id, assignment_number)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS unit_assignment_one_active ON unit_assignment (unit_id) WHERE state < 4;
        CREATE TABLE IF NOT EXISTS unit_position (
            unit_id TEXT NOT NULL PRIMARY KEY,
            latitude DOUBLE PRECISION NOT NULL,
            longitude DOUBLE PRECISION NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS unit_position_by_place ON unit_position (latitude, longitude);
        CREATE TABLE IF NOT EXISTS alert_ledger (
            gateway_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            camera_id TEXT NOT NULL,
            incident_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            observed_at TEXT NOT NULL,
            recorded_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (gateway_id, alert_id)
        );
        """;

    public bool HasSingleWriter => false;

    public bool IsUniqueViolation(DbException exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
