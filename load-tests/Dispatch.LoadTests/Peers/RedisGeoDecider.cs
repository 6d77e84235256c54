using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Dispatch.LoadTests.Peers;

/// <summary>
/// Nearest available unit with Redis GEO: available units in one geo set (GEOADD), GEOSEARCH ascending by distance
/// per alert, and a claim by ZREM (the first candidate still present wins). redis-server runs on 127.0.0.1 on a
/// free port with a temporary directory and no persistence, and is stopped at the end.
/// </summary>
public sealed class RedisGeoDecider : INearestUnitDecider
{
    private const string Available = "units:available";
    private const double SearchRadiusMeters = 20_000;
    private const int Candidates = 8;

    private readonly Process _server;
    private readonly string _directory;
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;

    private RedisGeoDecider(Process server, string directory, ConnectionMultiplexer redis)
    {
        _server = server;
        _directory = directory;
        _redis = redis;
        _db = redis.GetDatabase();
    }

    public string Name => "Redis GEO";

    public static async Task<RedisGeoDecider> StartAsync(CancellationToken cancellationToken)
    {
        var redisServer = ChildProcess.Find("redis-server", "/usr/bin", "/usr/local/bin");
        var port = InProcessEngine.FreePort();
        var directory = Directory.CreateTempSubdirectory("dispatch-load-redis-").FullName;
        var server = ChildProcess.Start(redisServer,
        [
            "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", directory,
            "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no",
        ]);
        _ = server.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = server.StandardError.ReadToEndAsync(cancellationToken);
        var deadline = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},abortConnect=true,connectTimeout=1000");
                return new RedisGeoDecider(server, directory, redis);
            }
            catch (RedisConnectionException) when (Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(10) && !server.HasExited)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    public async Task LoadUnitsAsync(IReadOnlyList<SimUnit> units, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(units);
        await _db.KeyDeleteAsync(Available);
        foreach (var batch in units.Chunk(1000))
        {
            await _db.GeoAddAsync(Available, [.. batch.Select(u => new GeoEntry(u.Start.Longitude, u.Start.Latitude, u.Id))]);
        }
    }

    public async Task<string?> ClaimNearestAsync(SimAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var nearest = await _db.GeoSearchAsync(
            Available, alert.Location.Longitude, alert.Location.Latitude,
            new GeoSearchCircle(SearchRadiusMeters, GeoUnit.Meters), Candidates, demandClosest: true, Order.Ascending,
            GeoRadiusOptions.None);
        foreach (var candidate in nearest)
        {
            if (await _db.SortedSetRemoveAsync(Available, candidate.Member))
            {
                return candidate.Member.ToString();
            }
        }

        return null;
    }

    public Task ReleaseAsync(SimUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return _db.GeoAddAsync(Available, unit.Start.Longitude, unit.Start.Latitude, unit.Id);
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        if (!_server.HasExited)
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
