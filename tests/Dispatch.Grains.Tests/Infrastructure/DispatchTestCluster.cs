using System.Collections.Concurrent;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Roads;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Dispatch.Grains.Records;
using Dispatch.Storage;
using Dispatch.Storage.Incidents;
using Dispatch.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>
/// A two-silo in-process cluster with a fake dispatch clock, a city directory and an incident record shared by both
/// silos. With a SQLite connection string, grain state and the incident record go to that file (so a new cluster on
/// the same file sees a restart); otherwise memory storage and an in-memory record.
/// </summary>
public sealed class DispatchTestCluster : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);

    private const string ContextKey = "DispatchTestContext";
    private static readonly ConcurrentDictionary<string, DispatchTestCluster> Running = new();

    private readonly string _id = Guid.NewGuid().ToString("N");

    private DispatchTestCluster(FakeTimeProvider clock, IIncidentStore store, string? sqliteConnectionString, ResponsePlan plan, RoadGraph? roads, CityDirectory directory)
    {
        Roads = roads;
        Clock = clock;
        Store = store;
        Journal = store as IIncidentJournal ?? new RelationalIncidentJournal(new RelationalJournalOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = sqliteConnectionString });
        Directory = directory;
        SqliteConnectionString = sqliteConnectionString;
        Plan = plan;
    }

    public FakeTimeProvider Clock { get; }

    /// <summary>How much earlier than asked the grains' timers fire, as real timers sometimes do.</summary>
    public static readonly TimeSpan TimerEarliness = TimeSpan.FromMilliseconds(5);

    public IIncidentJournal Journal { get; }

    public IIncidentStore Store { get; }

    /// <summary>The cities the silos know; a test adds its own (<see cref="AddCityAsync"/>).</summary>
    public CityDirectory Directory { get; }

    public string? SqliteConnectionString { get; }

    public ResponsePlan Plan { get; }

    /// <summary>The road network dispatch ranks on; null for the straight-line model.</summary>
    public RoadGraph? Roads { get; }

    public RecordingEventSink Events { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>Starts a cluster; pass the clock of a stopped cluster to carry time across a restart.</summary>
    public static async Task<DispatchTestCluster> StartAsync(
        string? sqliteConnectionString = null, FakeTimeProvider? clock = null, ResponsePlan? plan = null, RoadGraph? roads = null)
    {
        IIncidentStore store = sqliteConnectionString is null
            ? new InMemoryIncidentStore()
            : new RelationalIncidentStore(new RelationalIncidentStoreOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = sqliteConnectionString });
        var context = new DispatchTestCluster(clock ?? new FakeTimeProvider(Epoch), store, sqliteConnectionString, plan ?? ResponsePlan.Default, roads, new CityDirectory());
        Running[context._id] = context;

        var builder = new TestClusterBuilder(2);
        builder.Properties[ContextKey] = context._id;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        context.Cluster = builder.Build();
        await context.Cluster.DeployAsync();
        return context;
    }

    /// <summary>Makes a city known to both silos and brings its dispatch zones up.</summary>
    public async Task AddCityAsync(CityModel city)
    {
        Directory.Add(city);
        await CityStartup.WakeZonesAsync(Grains, city, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
            Running.TryRemove(_id, out _);
        }
    }

    /// <summary>Test machines are shared and slow: allow a loaded silo more than the default 30 s to answer.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromMinutes(2);

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
            var context = Running[silo.Configuration[ContextKey]!];
            silo.Services.AddKeyedSingleton<TimeProvider>(DispatchClock.ServiceKey, new EarlyFiringClock(context.Clock, TimerEarliness));
            silo.Services.AddSingleton(context.Store);
            silo.Services.AddSingleton(context.Journal);
            silo.Services.AddSingleton((IUnitPositionStore)context.Store);
            silo.Services.AddSingleton(context.Directory);
            silo.Services.AddSingleton(context.Plan);
            silo.Services.AddSingleton<IDispatchEventSink>(context.Events);
            if (context.SqliteConnectionString is { } connectionString)
            {
                silo.AddRelationalGrainStorage(DispatchStorage.ProviderName, options =>
                {
                    options.Dialect = RelationalDialect.Sqlite;
                    options.ConnectionString = connectionString;
                });
            }
            else
            {
                // As the default provider, so the fallback from the dispatch provider name is exercised too.
                silo.AddMemoryGrainStorageAsDefault();
            }

            silo.AddDispatchGrains(options => options.MaxSearchRadiusMeters = 5_000);
            if (context.Roads is { } roads)
            {
                silo.Services.AddRoadNetwork(roads);
            }
        }
    }
}
