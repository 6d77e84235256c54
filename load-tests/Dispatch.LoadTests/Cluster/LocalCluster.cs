using System.Globalization;
using System.Text;
using Dispatch.Domain.City;
using Dispatch.Testing;

namespace Dispatch.LoadTests.Cluster;

/// <summary>
/// A cluster on this machine for a fault run, as <c>./dispatch.sh cluster</c> builds one: PostgreSQL and Redis from
/// Debian's packages (<see cref="PostgresServer"/> and <see cref="RedisServer"/>, shared with the tests: temporary
/// folders, 127.0.0.1, PostgreSQL as an unprivileged user and durable), and N hosts of the built Dispatch.Server with
/// Redis membership and the record on PostgreSQL, one cluster id, one security store and token signing key (a token
/// from one host works on every host), each with its own folder for host-local files. Members can be killed, stopped
/// and started again on the same ports and files. Disposing stops every process it started and deletes every folder.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<HostLaunch> _launches = [];
    private HostProcess?[] _members = [];
    private PostgresServer? _postgres;
    private RedisServer? _redis;
    private bool _disposed;

    private LocalCluster(string directory)
    {
        _directory = directory;
    }

    /// <summary>The record's database (Npgsql connection string), for checking what it holds.</summary>
    public string DatabaseConnectionString { get; private set; } = "";

    /// <summary>Every host's addresses, in member order (the same after a restart).</summary>
    public IReadOnlyList<HostEndpoints> Endpoints => [.. _launches.Select(l => l.Endpoints)];

    public int Count => _launches.Count;

    /// <summary>Starts PostgreSQL, Redis and <paramref name="silos"/> hosts; the first alone (it creates the tables), then the others together.</summary>
    public static async Task<LocalCluster> StartAsync(World world, LoadOptions options, int silos, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var cluster = new LocalCluster(HostProcess.NewDirectory(options, "dispatch-load-cluster-"));
        try
        {
            await cluster.InitializeAsync(world, options, silos, log, cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(World world, LoadOptions options, int silos, TextWriter log, CancellationToken cancellationToken)
    {
        _postgres = await PostgresServer.StartAsync(cancellationToken, durable: true);
        DatabaseConnectionString = await _postgres.CreateDatabaseAsync("dispatch", cancellationToken);
        _redis = await RedisServer.StartAsync(cancellationToken);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"PostgreSQL on 127.0.0.1:{_postgres.Port} (durable), Redis on 127.0.0.1:{_redis.Port}; cluster files in {_directory}"));

        var cityPath = Path.Combine(_directory, "city.geojson");
        await File.WriteAllTextAsync(cityPath, CityGeoJson.Write(world.City), Encoding.UTF8, cancellationToken);
        var secrets = HostSecrets.New();
        var clusterId = "load-cluster-" + Guid.NewGuid().ToString("N")[..8];
        var shared = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Dispatch__Silo__Membership"] = "Redis",
            ["Dispatch__Silo__RedisConnectionString"] = _redis.ConnectionString,
            ["Dispatch__Storage__Dialect"] = "PostgreSql",
            ["Dispatch__Storage__PostgreSqlConnectionString"] = DatabaseConnectionString,
            ["Dispatch__Security__StorePath"] = Path.Combine(_directory, "security.db"),
            ["Dispatch__Security__Tokens__SigningKeyPath"] = Path.Combine(_directory, "token-signing.key"),
        };
        for (var i = 0; i < silos; i++)
        {
            var own = Directory.CreateDirectory(Path.Combine(_directory, "host-" + (i + 1).ToString(CultureInfo.InvariantCulture))).FullName;
            _launches.Add(HostProcess.Prepare(world, options, own, cityPath, clusterId, secrets, shared));
        }

        _members = new HostProcess?[silos];
        await StartMemberAsync(0, cancellationToken);
        await Task.WhenAll(Enumerable.Range(1, silos - 1).Select(i => StartMemberAsync(i, cancellationToken)));
    }

    /// <summary>Whether member <paramref name="index"/> runs (started and not exited).</summary>
    public bool IsRunning(int index) => _members[index] is { HasExited: false };

    /// <summary>The process id of a running member, for the log.</summary>
    public int ProcessId(int index) => _members[index]?.ProcessId ?? 0;

    /// <summary>Starts member <paramref name="index"/> (again: same ports, same files) and waits until it is ready.</summary>
    public async Task StartMemberAsync(int index, CancellationToken cancellationToken)
    {
        if (_members[index] is { } old)
        {
            await old.DisposeAsync();
            _members[index] = null;
        }

        var member = await HostProcess.LaunchAsync(_launches[index], ownsDirectory: false, cancellationToken);
        if (Volatile.Read(ref _disposed))
        {
            await member.DisposeAsync();
            throw new ObjectDisposedException(nameof(LocalCluster), "the cluster was stopped while a host was starting");
        }

        _members[index] = member;
    }

    /// <summary>SIGKILL of member <paramref name="index"/>: no shutdown code runs.</summary>
    public Task KillAsync(int index) => _members[index] is { } member ? member.KillAsync() : Task.CompletedTask;

    /// <summary>SIGTERM of member <paramref name="index"/>; false when it had not exited within <paramref name="within"/> and was killed.</summary>
    public Task<bool> TerminateAsync(int index, TimeSpan within) => _members[index] is { } member ? member.TerminateAsync(within) : Task.FromResult(true);

    /// <summary>Stops PostgreSQL at once (as a crash of its server would: no checkpoint; connections in use fail).</summary>
    public Task StopPostgresAsync(CancellationToken cancellationToken) => _postgres!.StopAsync(cancellationToken);

    /// <summary>Starts the stopped PostgreSQL again on the same port and files.</summary>
    public Task StartPostgresAsync(CancellationToken cancellationToken) => _postgres!.StartAgainAsync(cancellationToken);

    /// <summary>The last output lines of every member, for a failure's message.</summary>
    public string Output() => string.Join(Environment.NewLine, _members.Select((m, i) =>
        string.Create(CultureInfo.InvariantCulture, $"--- host {i + 1}:{Environment.NewLine}{m?.Output() ?? "(not running)"}")));

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var member in _members)
        {
            if (member is not null)
            {
                await member.DisposeAsync();
            }
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        HostProcess.TryDelete(_directory);
    }
}
