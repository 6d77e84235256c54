using Npgsql;

namespace Dispatch.LoadTests.Cluster;

/// <summary>
/// What the record held at the end of a fault run, against what the gateways were told. An acked alert is lost when
/// the alert ledger has no row for it (or names another incident); its incident is lost when the incident table has
/// no row for it; a unit is assigned twice when two of its assignments overlap in time (one began before the other
/// ended), whichever incidents they belong to.
/// </summary>
public sealed record RecordFigures(
    int AckedAlerts, int AckedAlertsLost, int IncidentsLost, int UnitsAssignedTwice, long Incidents, long Assignments, IReadOnlyList<string> Examples);

/// <summary>Reads the incident record on PostgreSQL (the store every host of the cluster writes) after a run.</summary>
public static class RecordCheck
{
    private const int MaxExamples = 5;

    public static async Task<RecordFigures> CheckAsync(string connectionString, IEnumerable<AckedAlert> acks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(acks);
        await using var data = NpgsqlDataSource.Create(connectionString);
        var incidents = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = data.CreateCommand("SELECT incident_id FROM incident"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                incidents.Add(reader.GetString(0));
            }
        }

        var ledger = new Dictionary<(string Gateway, string Alert), string>();
        await using (var command = data.CreateCommand("SELECT gateway_id, alert_id, incident_id FROM alert_ledger"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ledger[(reader.GetString(0), reader.GetString(1))] = reader.GetString(2);
            }
        }

        var examples = new List<string>();
        var acked = acks.GroupBy(a => (a.GatewayId, a.AlertId)).Select(g => g.First()).ToList();
        var alertsLost = 0;
        var incidentsLost = 0;
        foreach (var ack in acked)
        {
            if (!ledger.TryGetValue((ack.GatewayId, ack.AlertId), out var incident) || incident != ack.IncidentId)
            {
                alertsLost++;
                Example(examples, $"alert {ack.AlertId} of {ack.GatewayId} acked {ack.Outcome} with incident {ack.IncidentId}; the ledger has {incident ?? "no row"}");
            }

            if (!incidents.Contains(ack.IncidentId))
            {
                incidentsLost++;
                Example(examples, $"incident {ack.IncidentId} of acked alert {ack.AlertId} is not in the record");
            }
        }

        // Assignment times are UTC text of one fixed format, so they order as text; an open one ends never.
        var assignments = 0L;
        var twice = 0;
        await using (var command = data.CreateCommand(
            "SELECT unit_id, incident_id, assigned_at, ended_at FROM unit_assignment ORDER BY unit_id, assigned_at, assignment_number"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            string? unit = null;
            string? busyUntil = null;
            string? busyWith = null;
            var counted = false;
            while (await reader.ReadAsync(cancellationToken))
            {
                assignments++;
                var (unitId, incidentId, assignedAt) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                var endedAt = reader.IsDBNull(3) ? null : reader.GetString(3);
                if (unitId != unit)
                {
                    (unit, busyUntil, busyWith, counted) = (unitId, endedAt, incidentId, false);
                    continue;
                }

                var overlaps = busyUntil is null || string.CompareOrdinal(assignedAt, busyUntil) < 0;
                if (overlaps && !counted)
                {
                    twice++;
                    counted = true;
                    Example(examples, $"unit {unitId} on {busyWith} (until {busyUntil ?? "now"}) and on {incidentId} from {assignedAt}");
                }

                if (busyUntil is not null && (endedAt is null || string.CompareOrdinal(endedAt, busyUntil) > 0))
                {
                    (busyUntil, busyWith) = (endedAt, incidentId);
                }
            }
        }

        return new RecordFigures(acked.Count, alertsLost, incidentsLost, twice, incidents.Count, assignments, examples);
    }

    private static void Example(List<string> examples, string text)
    {
        if (examples.Count < MaxExamples)
        {
            examples.Add(text);
        }
    }
}
