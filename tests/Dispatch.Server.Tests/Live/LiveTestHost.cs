using System.Globalization;
using System.Text.Json.Serialization;
using Dispatch.Domain.City;
using Dispatch.Server.Live;
using Dispatch.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// The real host on a real Kestrel listener on 127.0.0.1 (not TestServer), so SignalR runs over real
/// websockets. Two hosts given the same <see cref="LiveCluster"/> form one Orleans cluster.
/// </summary>
public sealed class LiveTestHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private LiveTestHost(LiveCluster cluster, bool primary, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        Port = TestPorts.GetFreeTcpPort();
        GrpcPort = TestPorts.GetFreeTcpPort();
        SiloPort = TestPorts.GetFreeTcpPort();
        string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
        _settings = LoopbackHostSettings.Create(Port, GrpcPort, SiloPort, TestPorts.GetFreeTcpPort(), cluster.ClusterId, cluster.DatabasePath, cluster.CityPath);
        _settings["Dispatch:Silo:PrimarySiloPort"] = primary ? "0" : Text(cluster.PrimarySiloPort);
        _settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning";
        foreach (var gateway in cluster.City.Cameras.Select(c => c.GatewayId).Distinct())
        {
            _settings[$"Dispatch:Gateways:{gateway}:Credential"] = GatewayCredential;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel();
    }

    public int Port { get; }

    public int SiloPort { get; }

    /// <summary>The gRPC (HTTP/2) port camera gateways dial; the demo gateways GW-01.. use <see cref="GatewayCredential"/>.</summary>
    public int GrpcPort { get; }

    /// <summary>The credential test hosts give the city's gateways (GW-01..).</summary>
    public const string GatewayCredential = "test-gateway-credential";

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public CityModel City => Services.GetRequiredService<CityModel>();

    /// <summary>
    /// Starts the first (or only) host of a cluster; <paramref name="settings"/> add to or override the test defaults,
    /// <paramref name="services"/> replaces services (e.g. the host's <see cref="TimeProvider"/>).
    /// </summary>
    public static LiveTestHost StartPrimary(LiveCluster cluster, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var host = new LiveTestHost(cluster, primary: true, settings, services);
        host.StartServer();
        cluster.PrimarySiloPort = host.SiloPort;
        return host;
    }

    /// <summary>Starts another host that joins the cluster's primary silo.</summary>
    public static LiveTestHost StartSecondary(LiveCluster cluster)
    {
        var host = new LiveTestHost(cluster, primary: false);
        host.StartServer();
        return host;
    }

    /// <summary>
    /// A SignalR client over websockets only, enums as strings like the pages, signed in with a bearer token: the
    /// operator on the operations hub, the any-unit officer on the terminal hub, unless <paramref name="user"/> says (null: anonymous).
    /// </summary>
    public HubConnection Hub(string path, string? user = "") => Hub(BaseAddress, path, user);

    /// <summary>A signed-in SignalR client of any host's hub (e.g. one started for alert tests), like the pages connect.</summary>
    public static HubConnection Hub(Uri baseAddress, string path, string? user = "") => TestAccounts.Hub(baseAddress, path, user);

    public async Task<HubConnection> ConnectAsync(string path, string? user = "")
    {
        var hub = Hub(path, user);
        await hub.StartAsync(TestContext.Current.CancellationToken);
        return hub;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }
}

/// <summary>What the hosts of one test share: cluster id, database file and a small city file.</summary>
public sealed class LiveCluster : IDisposable
{
    private readonly TempDirectory _directory = new("dispatch-live");

    public LiveCluster(int grids = 4)
    {
        City = SmallCity(grids);
        File.WriteAllText(CityPath, CityGeoJson.Write(City));
    }

    public string ClusterId { get; } = "live-" + Guid.NewGuid().ToString("N")[..8];

    public string DatabasePath => _directory.File("dispatch.db");

    public string CityPath => _directory.File("city.geojson");

    public CityModel City { get; }

    public int PrimarySiloPort { get; set; }

    /// <summary>The first grids of the demo city with their stations, units and cameras: quick to seed.</summary>
    public static CityModel SmallCity(int grids)
    {
        var demo = DemoCity.Generate(seed: 7);
        var kept = demo.Grids.Take(grids).ToList();
        var stationIds = kept.Select(g => g.StationId).ToHashSet(StringComparer.Ordinal);
        return new CityModel(
            demo.Name,
            demo.Center,
            kept,
            [.. demo.Stations.Where(s => stationIds.Contains(s.Id))],
            [.. demo.Units.Where(u => stationIds.Contains(u.HomeStationId))],
            [.. demo.Cameras.Where(c => stationIds.Contains(c.StationId))]);
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>Collects what a hub connection receives, and waits for a matching message.</summary>
public sealed class Inbox<T>
{
    private readonly List<T> _items = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Inbox(HubConnection hub, string method) => hub.On<T>(method, Add);

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }
    }

    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                foreach (var item in _items)
                {
                    if (match(item))
                    {
                        return item;
                    }
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching {typeof(T).Name} arrived; got {Items.Count}: {string.Join(" | ", Items.TakeLast(5))}");
            }
        }
    }

    private void Add(T item)
    {
        lock (_lock)
        {
            _items.Add(item);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
