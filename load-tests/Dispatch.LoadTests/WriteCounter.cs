using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Dispatch.LoadTests;

/// <summary>
/// Durable writes of a child host, counted from its own SQLite files, the same way for any version of the host: every
/// grain state write bumps its row's version, every commit of an incident the incident row's version; journal rows,
/// alert ledger rows and archived alerts are counted as rows. Read with the host running (WAL lets readers in).
/// </summary>
public static class WriteCounter
{
    public static async Task<IReadOnlyDictionary<string, long>> CountAsync(string databasePath, string archivePath, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (File.Exists(databasePath))
        {
            await using var connection = await OpenAsync(databasePath, cancellationToken);
            var tables = await TablesAsync(connection, cancellationToken);
            if (tables.Contains("grain_state"))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT state_name, SUM(version) FROM grain_state GROUP BY state_name";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    counts["grain_state:" + reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            foreach (var (name, sql) in new[]
            {
                ("incident", "SELECT COALESCE(SUM(version), 0) FROM incident"),
                ("journal rows", "SELECT COUNT(*) FROM incident_journal"),
                ("alert ledger rows", "SELECT COUNT(*) FROM alert_ledger"),
            })
            {
                var table = sql[(sql.LastIndexOf(' ') + 1)..];
                if (tables.Contains(table))
                {
                    counts[name] = await ScalarAsync(connection, sql, cancellationToken);
                }
            }
        }

        if (File.Exists(archivePath))
        {
            await using var archive = await OpenAsync(archivePath, cancellationToken);
            if ((await TablesAsync(archive, cancellationToken)).Contains("camera_alert"))
            {
                counts["archive"] = await ScalarAsync(archive, "SELECT COUNT(*) FROM camera_alert", cancellationToken);
            }
        }

        return counts;
    }

    /// <summary>What was written between two counts, per counted kind.</summary>
    public static IReadOnlyDictionary<string, long> Difference(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Keys.Union(before.Keys).ToDictionary(k => k, k => after.GetValueOrDefault(k) - before.GetValueOrDefault(k), StringComparer.Ordinal);

    /// <summary>Commits: grain state writes, incident commits and archived alerts (rows written inside those commits are listed apart).</summary>
    public static bool IsCommit(string kind) => kind.StartsWith("grain_state:", StringComparison.Ordinal) || kind is "incident" or "archive";

    private static async Task<SqliteConnection> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<HashSet<string>> TablesAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
