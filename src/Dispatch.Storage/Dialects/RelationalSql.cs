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

/// <summary>Statements of the incident record (incident table, journal, unit assignments, alert ledger), shared by both dialects.</summary>
internal static class IncidentSql
{
    private const string SummaryColumns =
        "type, priority, source, status, latitude, longitude, created_at, ended_at, grid_id, station_id, station_responders, last_alert_at, description";

    public const string InsertIncident = $"""
        INSERT INTO incident (incident_id, version, snapshot, {SummaryColumns}, updated_at)
        VALUES (@incident_id, 1, @snapshot, @type, @priority, @source, @status, @latitude, @longitude, @created_at, @ended_at,
                @grid_id, @station_id, @station_responders, @last_alert_at, @description, @updated_at)
        ON CONFLICT (incident_id) DO NOTHING
        RETURNING version
        """;

    public const string UpdateIncident = """
        UPDATE incident SET version = version + 1, snapshot = @snapshot, type = @type, priority = @priority, source = @source,
            status = @status, latitude = @latitude, longitude = @longitude, created_at = @created_at, ended_at = @ended_at,
            grid_id = @grid_id, station_id = @station_id, station_responders = @station_responders,
            last_alert_at = @last_alert_at, description = @description, updated_at = @updated_at
        WHERE incident_id = @incident_id AND version = @version
        RETURNING version
        """;

    public const string SelectIncident = "SELECT version, snapshot FROM incident WHERE incident_id = @incident_id";

    public const string SelectSummaries = $"SELECT incident_id, {SummaryColumns} FROM incident";

    public const string UpsertAssignment = """
        INSERT INTO unit_assignment (unit_id, assignment_number, incident_id, tier_name, state, assigned_at, ack_deadline,
            incident_latitude, incident_longitude, arrival_radius_meters, ended_at, end_reason)
        VALUES (@unit_id, @assignment_number, @incident_id, @tier_name, @state, @assigned_at, @ack_deadline,
            @incident_latitude, @incident_longitude, @arrival_radius_meters, @ended_at, @end_reason)
        ON CONFLICT (unit_id, assignment_number) DO UPDATE SET state = excluded.state, ack_deadline = excluded.ack_deadline,
            ended_at = excluded.ended_at, end_reason = excluded.end_reason
        WHERE unit_assignment.incident_id = excluded.incident_id
        """;

    public const string SelectUnitAssignments = """
        SELECT unit_id, assignment_number, incident_id, tier_name, state, assigned_at, ack_deadline,
            incident_latitude, incident_longitude, arrival_radius_meters, ended_at, end_reason
        FROM unit_assignment WHERE unit_id = @unit_id ORDER BY assignment_number DESC LIMIT @limit
        """;

    public const string SelectActiveAssignment = """
        SELECT incident_id, assignment_number FROM unit_assignment WHERE unit_id = @unit_id AND state < 4
        """;

    public const string InsertAlert = """
        INSERT INTO alert_ledger (gateway_id, alert_id, camera_id, incident_id, fingerprint, observed_at, recorded_at)
        VALUES (@gateway_id, @alert_id, @camera_id, @incident_id, @fingerprint, @observed_at, @recorded_at)
        ON CONFLICT (gateway_id, alert_id) DO NOTHING
        """;

    public const string SelectAlert = """
        SELECT gateway_id, alert_id, camera_id, incident_id, fingerprint, observed_at FROM alert_ledger
        WHERE gateway_id = @gateway_id AND alert_id = @alert_id
        """;
}

/// <summary>Statements of the last-known-position table, shared by both dialects.</summary>
internal static class PositionSql
{
    public const string Upsert = """
        INSERT INTO unit_position (unit_id, latitude, longitude, at) VALUES (@unit_id, @latitude, @longitude, @at)
        ON CONFLICT (unit_id) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude, at = excluded.at
        WHERE unit_position.at <= excluded.at
        """;

    public const string Select = "SELECT latitude, longitude, at FROM unit_position WHERE unit_id = @unit_id";

    public const string SelectInBox = """
        SELECT unit_id, latitude, longitude, at FROM unit_position
        WHERE latitude >= @south AND latitude <= @north AND longitude >= @west AND longitude <= @east
        """;
}
