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
        """;

    public bool HasSingleWriter => false;
}
