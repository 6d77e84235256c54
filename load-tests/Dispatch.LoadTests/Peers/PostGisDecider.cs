using System.Globalization;
using Npgsql;

namespace Dispatch.LoadTests.Peers;

/// <summary>
/// Nearest available unit with PostGIS: a KNN query (<c>ORDER BY geog &lt;-&gt; point LIMIT 8</c>, partial GiST index on
/// available units), then a conditional UPDATE claims the nearest still available (the same two steps as with Redis;
/// a single <c>FOR UPDATE SKIP LOCKED</c> statement over the KNN scan failed with "attempted to lock invisible tuple"). A throwaway cluster is made with initdb in a
/// temporary directory (as the 'postgres' user when this runs as root, since initdb refuses root), listens on
/// 127.0.0.1 on a free port, and is stopped and deleted at the end.
/// </summary>
public sealed class PostGisDecider : INearestUnitDecider
{
    private const string NearestSql = """
        SELECT id FROM units WHERE available
        ORDER BY geog <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography
        LIMIT 8
        """;

    private const string ClaimSql = "UPDATE units SET available = false WHERE id = $1 AND available";

    private readonly string _directory;
    private readonly string _pgCtl;
    private readonly string? _user;
    private readonly NpgsqlDataSource _data;
    private long _retries;

    private PostGisDecider(string directory, string pgCtl, string? user, NpgsqlDataSource data)
    {
        _directory = directory;
        _pgCtl = pgCtl;
        _user = user;
        _data = data;
    }

    public string Name => "PostGIS";

    /// <summary>Candidates lost to a concurrent claim.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public static async Task<PostGisDecider> StartAsync(CancellationToken cancellationToken)
    {
        var bin = PostgresBin();
        var initdb = Path.Combine(bin, "initdb");
        var pgCtl = Path.Combine(bin, "pg_ctl");
        var user = ChildProcess.RunningAsRoot ? "postgres" : null;
        var directory = Directory.CreateTempSubdirectory("dispatch-load-pg-").FullName;
        if (user is not null)
        {
            await ChildProcess.RunAsync("chown", [user, directory], cancellationToken);
        }

        var data = Path.Combine(directory, "data");
        var port = InProcessEngine.FreePort();
        await ChildProcess.RunAsync(initdb, ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], cancellationToken, user);
        await ChildProcess.RunAsync(pgCtl,
        [
            "-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "30", "start",
            "-o", $"-p {port.ToString(CultureInfo.InvariantCulture)} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        ], cancellationToken, user);

        var source = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=64");
        var decider = new PostGisDecider(directory, pgCtl, user, source);
        await using var command = source.CreateCommand("""
            CREATE EXTENSION IF NOT EXISTS postgis;
            CREATE TABLE units (id text PRIMARY KEY, geog geography(Point, 4326) NOT NULL, available boolean NOT NULL);
            CREATE INDEX units_available_geog ON units USING gist (geog) WHERE available;
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return decider;
    }

    public async Task LoadUnitsAsync(IReadOnlyList<SimUnit> units, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(units);
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        await using (var truncate = new NpgsqlCommand("TRUNCATE units", connection))
        {
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var batch in units.Chunk(1000))
        {
            var values = string.Join(",", batch.Select(u => string.Create(CultureInfo.InvariantCulture,
                $"('{u.Id}', ST_SetSRID(ST_MakePoint({u.Start.Longitude}, {u.Start.Latitude}), 4326)::geography, true)")));
            await using var insert = new NpgsqlCommand($"INSERT INTO units (id, geog, available) VALUES {values}", connection);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var analyze = new NpgsqlCommand("ANALYZE units", connection);
        await analyze.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string?> ClaimNearestAsync(SimAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        await using var connection = await _data.OpenConnectionAsync();
        var candidates = new List<string>(8);
        await using (var nearest = new NpgsqlCommand(NearestSql, connection))
        {
            nearest.Parameters.AddWithValue(alert.Location.Longitude);
            nearest.Parameters.AddWithValue(alert.Location.Latitude);
            await using var reader = await nearest.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                candidates.Add(reader.GetString(0));
            }
        }

        // The nearest candidate still available wins; a lost race moves on to the next, as with Redis.
        foreach (var id in candidates)
        {
            await using var claim = new NpgsqlCommand(ClaimSql, connection);
            claim.Parameters.AddWithValue(id);
            if (await claim.ExecuteNonQueryAsync() == 1)
            {
                return id;
            }

            Interlocked.Increment(ref _retries);
        }

        return null;
    }

    public async Task ReleaseAsync(SimUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        await using var command = _data.CreateCommand("UPDATE units SET available = true WHERE id = $1");
        command.Parameters.AddWithValue(unit.Id);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _data.DisposeAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await ChildProcess.RunAsync(_pgCtl, ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"], timeout.Token, _user);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string PostgresBin()
    {
        const string Root = "/usr/lib/postgresql";
        if (Directory.Exists(Root))
        {
            var newest = Directory.GetDirectories(Root)
                .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "bin", "initdb")))
                .OrderByDescending(d => d.Version).FirstOrDefault();
            if (newest.Dir is not null)
            {
                return Path.Combine(newest.Dir, "bin");
            }
        }

        return Path.GetDirectoryName(ChildProcess.Find("initdb"))!;
    }
}
