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
        """;

    public bool HasSingleWriter => true;
}
