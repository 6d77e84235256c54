namespace Dispatch.Storage.Dialects;

/// <summary>
/// Statements shared by SQLite (3.35+) and PostgreSQL. A cleared grain state stays as a tombstone row
/// (payload NULL) whose version keeps counting, so an ETag from before the clear can never match again.
/// </summary>
internal static class RelationalSql
{
    public const string SelectState = """
        SELECT version, payload FROM grain_state
        WHERE state_name = @state_name AND grain_id = @grain_id
        """;

    /// <summary>First write: a new row, or revival of a tombstone; an existing live row wins and nothing is returned.</summary>
    public const string InsertState = """
        INSERT INTO grain_state (state_name, grain_id, version, payload, updated_at)
        VALUES (@state_name, @grain_id, 1, @payload, @updated_at)
        ON CONFLICT (state_name, grain_id) DO UPDATE
            SET version = grain_state.version + 1, payload = excluded.payload, updated_at = excluded.updated_at
            WHERE grain_state.payload IS NULL
        RETURNING version
        """;

    public const string UpdateState = """
        UPDATE grain_state SET version = version + 1, payload = @payload, updated_at = @updated_at
        WHERE state_name = @state_name AND grain_id = @grain_id AND version = @version AND payload IS NOT NULL
        RETURNING version
        """;

    public const string ClearState = """
        UPDATE grain_state SET version = version + 1, payload = NULL, updated_at = @updated_at
        WHERE state_name = @state_name AND grain_id = @grain_id AND version = @version AND payload IS NOT NULL
        RETURNING version
        """;

    public const string InsertJournalEntry = """
        INSERT INTO incident_journal (incident_id, sequence_number, occurred_at, kind, actor, payload_json, recorded_at)
        VALUES (@incident_id, @sequence_number, @occurred_at, @kind, @actor, @payload_json, @recorded_at)
        ON CONFLICT (incident_id, sequence_number) DO NOTHING
        """;

    private const string JournalColumns = "incident_id, sequence_number, occurred_at, kind, actor, payload_json";

    public const string SelectJournalEntry = $"""
        SELECT {JournalColumns} FROM incident_journal
        WHERE incident_id = @incident_id AND sequence_number = @sequence_number
        """;

    public const string SelectJournalOfIncident = $"""
        SELECT {JournalColumns} FROM incident_journal
        WHERE incident_id = @incident_id ORDER BY sequence_number
        """;

    public const string SelectWholeJournal = $"""
        SELECT {JournalColumns} FROM incident_journal ORDER BY incident_id, sequence_number
        """;
}
