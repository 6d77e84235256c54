using Dispatch.Domain.City;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using ClusterHost = Dispatch.Server.Tests.Durability.ClusterFailoverTests.ClusterHost;

namespace Dispatch.Server.Tests.Durability;

/// <summary>
/// What a cluster test starts from: a PostgreSQL and a Redis of its own, one database, the city written to a file, a
/// fresh cluster id, and the hosts started on them. Disposing stops the hosts first, then Redis and PostgreSQL.
/// </summary>
internal sealed class ClusterRig : IAsyncDisposable
{
    private readonly List<ClusterHost> _hosts = [];

    private ClusterRig(TempDirectory directory, PostgresServer postgres, RedisServer redis, string database, CityModel city, string cityPath, string clusterId)
    {
        Directory = directory;
        Postgres = postgres;
        Redis = redis;
        Database = database;
        City = city;
        CityPath = cityPath;
        ClusterId = clusterId;
    }

    public TempDirectory Directory { get; }

    public PostgresServer Postgres { get; }

    public RedisServer Redis { get; }

    public string Database { get; }

    public CityModel City { get; }

    public string CityPath { get; }

    public string ClusterId { get; }

    /// <summary>The gateway serving the most cameras of the city.</summary>
    public string BusiestGateway => City.Cameras.GroupBy(c => c.GatewayId).OrderByDescending(g => g.Count()).First().Key;

    public static async Task<ClusterRig> StartAsync(string name, int grids, CancellationToken cancellationToken)
    {
        var directory = new TempDirectory($"dispatch-{name}");
        PostgresServer? postgres = null;
        try
        {
            postgres = await PostgresServer.StartAsync(cancellationToken);
            var redis = await RedisServer.StartAsync(cancellationToken);
            try
            {
                var database = await postgres.CreateDatabaseAsync("dispatch", cancellationToken);
                var city = LiveCluster.SmallCity(grids);
                var cityPath = directory.File("city.geojson");
                await File.WriteAllTextAsync(cityPath, CityGeoJson.Write(city), cancellationToken);
                return new ClusterRig(directory, postgres, redis, database, city, cityPath, LoopbackHostSettings.NewClusterId(name));
            }
            catch
            {
                await redis.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    /// <summary>A host joining the cluster (the first one creates the tables and the cluster).</summary>
    public async Task<ClusterHost> StartHostAsync(string name, IReadOnlyDictionary<string, string>? more = null)
    {
        var host = await ClusterHost.StartAsync(Directory, name, City, CityPath, ClusterId, Redis, Database, more);
        lock (_hosts)
        {
            _hosts.Add(host);
        }

        return host;
    }

    /// <summary>The failure with every host's output after it, for a test to throw in its place.</summary>
    public InvalidOperationException WithHostOutput(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        lock (_hosts)
        {
            return new InvalidOperationException(
                $"{failure.Message}{Environment.NewLine}{string.Join(Environment.NewLine, _hosts.Select(h => $"--- {h.Host.Web}:{Environment.NewLine}{h.Host.Output()}"))}",
                failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ClusterHost> hosts;
        lock (_hosts)
        {
            hosts = [.. _hosts];
        }

        foreach (var host in hosts)
        {
            await host.Host.DisposeAsync();
        }

        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        Directory.Dispose();
    }
}
