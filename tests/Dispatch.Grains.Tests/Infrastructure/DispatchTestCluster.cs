using System.Collections.Concurrent;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Journal;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Hosting;
using Dispatch.Grains.Journal;
using Dispatch.Storage;
using Dispatch.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>
/// A two-silo in-process cluster with a fake dispatch clock shared by both silos. With a SQLite connection
/// string, grain state and the journal go to that file (so a new cluster on the same file sees a restart);
/// otherwise memory storage and an in-memory journal.
/// </summary>
public sealed class DispatchTestCluster : IAsyncDisposable
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);

    private const string ContextKey = "DispatchTestContext";
    private static readonly ConcurrentDictionary<string, DispatchTestCluster> Running = new();

    private readonly string _id = Guid.NewGuid().ToString("N");

    private DispatchTestCluster(FakeTimeProvider clock, IIncidentJournal journal, string? sqliteConnectionString, ResponsePlan plan)
    {
        Clock = clock;
        Journal = journal;
        SqliteConnectionString = sqliteConnectionString;
        Plan = plan;
    }

    public FakeTimeProvider Clock { get; }

    public IIncidentJournal Journal { get; }

    public string? SqliteConnectionString { get; }

    public ResponsePlan Plan { get; }

    public RecordingEventSink Events { get; } = new();

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>Starts a cluster; pass the clock of a stopped cluster to carry time across a restart.</summary>
    public static async Task<DispatchTestCluster> StartAsync(
        string? sqliteConnectionString = null, FakeTimeProvider? clock = null, ResponsePlan? plan = null)
    {
        IIncidentJournal journal = sqliteConnectionString is null
            ? new InMemoryIncidentJournal()
            : new RelationalIncidentJournal(new RelationalJournalOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = sqliteConnectionString });
        var context = new DispatchTestCluster(clock ?? new FakeTimeProvider(Epoch), journal, sqliteConnectionString, plan ?? ResponsePlan.Default);
        Running[context._id] = context;

        var builder = new TestClusterBuilder(2);
        builder.Properties[ContextKey] = context._id;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        context.Cluster = builder.Build();
        await context.Cluster.DeployAsync();
        return context;
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

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var context = Running[silo.Configuration[ContextKey]!];
            silo.Services.AddKeyedSingleton<TimeProvider>(DispatchClock.ServiceKey, context.Clock);
            silo.Services.AddSingleton(context.Journal);
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

            silo.AddDispatchGrains(options => options.MaxSearchRadiusMeters = 8_000);
        }
    }
}
