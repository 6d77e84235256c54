using Dispatch.Contracts.V1;
using Dispatch.LoadTests.Cluster;
using Dispatch.Testing;
using Npgsql;

namespace Dispatch.LoadTests.Tests;

/// <summary>The fault run's reading of the record, on a real PostgreSQL with rows made to show each kind of loss.</summary>
public sealed class RecordCheckTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Acked_alerts_and_incidents_missing_from_the_record_and_overlapping_assignments_are_counted()
    {
        await using var postgres = await PostgresServer.StartAsync(Token);
        var database = await postgres.CreateDatabaseAsync("record", Token);
        await using (var data = NpgsqlDataSource.Create(database))
        await using (var setup = data.CreateCommand("""
            CREATE TABLE incident (incident_id TEXT PRIMARY KEY);
            CREATE TABLE alert_ledger (gateway_id TEXT NOT NULL, alert_id TEXT NOT NULL, incident_id TEXT NOT NULL);
            CREATE TABLE unit_assignment (unit_id TEXT NOT NULL, assignment_number BIGINT NOT NULL, incident_id TEXT NOT NULL, assigned_at TEXT NOT NULL, ended_at TEXT NULL);
            INSERT INTO incident VALUES ('I-1'), ('I-2'), ('I-3');
            INSERT INTO alert_ledger VALUES ('gw', 'a1', 'I-1'), ('gw', 'a2', 'I-2'), ('gw', 'a4', 'I-9'), ('gw', 'a5', 'I-1');
            INSERT INTO unit_assignment VALUES
                ('u1', 1, 'I-1', '2026-12-05T10:00:00.0000000Z', '2026-12-05T10:00:05.0000000Z'),
                ('u1', 2, 'I-2', '2026-12-05T10:00:05.0000000Z', NULL),
                ('u2', 1, 'I-1', '2026-12-05T10:00:00.0000000Z', '2026-12-05T10:00:09.0000000Z'),
                ('u2', 2, 'I-3', '2026-12-05T10:00:04.0000000Z', '2026-12-05T10:00:06.0000000Z'),
                ('u3', 1, 'I-2', '2026-12-05T10:00:00.0000000Z', NULL),
                ('u3', 2, 'I-3', '2026-12-05T10:00:07.0000000Z', NULL),
                ('u4', 1, 'I-3', '2026-12-05T10:00:00.0000000Z', '2026-12-05T10:00:01.0000000Z');
            """))
        {
            await setup.ExecuteNonQueryAsync(Token);
        }

        AckedAlert[] acks =
        [
            new("gw", "a1", "I-1", AlertOutcome.Accepted, 1),
            new("gw", "a2", "I-2", AlertOutcome.Duplicate, 2),
            new("gw", "a2", "I-2", AlertOutcome.Duplicate, 3), // the same alert acked twice counts once
            new("gw", "a3", "I-3", AlertOutcome.Accepted, 4),  // not in the ledger: an acked alert lost
            new("gw", "a4", "I-9", AlertOutcome.Accepted, 5),  // in the ledger, its incident is not: an incident lost
            new("gw", "a5", "I-2", AlertOutcome.Accepted, 6),  // the ledger names another incident: an acked alert lost
        ];

        var figures = await RecordCheck.CheckAsync(database, acks, Token);
        NpgsqlConnection.ClearAllPools();

        // u1 back to back and u4 alone are fine; u2's second lies inside its first, u3's first never ended.
        Assert.Equal((5, 2, 1, 2, 3L, 7L), (figures.AckedAlerts, figures.AckedAlertsLost, figures.IncidentsLost, figures.UnitsAssignedTwice, figures.Incidents, figures.Assignments));
        Assert.Contains(figures.Examples, e => e.Contains("unit u2", StringComparison.Ordinal));
        Assert.Contains(figures.Examples, e => e.Contains("unit u3", StringComparison.Ordinal));
    }
}
