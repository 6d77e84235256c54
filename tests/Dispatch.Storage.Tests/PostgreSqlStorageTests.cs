using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Plans;
using Dispatch.Storage.GrainState;
using Dispatch.Storage.Incidents;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Dispatch.Storage.Tests;

/// <summary>
/// The cluster's record on a real PostgreSQL: the same guarantees the silos of a cluster rely on as SQLite gives one
/// host (version-checked commits, one active assignment per unit, alerts once, ETags on grain state).
/// </summary>
public sealed class PostgreSqlStorageTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>, IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 9, 30, 0, TimeSpan.FromHours(8));
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(PatrolLog).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private static RelationalIncidentStore Store(string connectionString) => new(new RelationalIncidentStoreOptions
    {
        Dialect = RelationalDialect.PostgreSql,
        ConnectionString = connectionString,
    });

    private RelationalGrainStorage GrainStorage(string connectionString) => new(
        "test",
        new RelationalStorageOptions
        {
            Dialect = RelationalDialect.PostgreSql,
            ConnectionString = connectionString,
            GrainStorageSerializer = new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()),
        },
        _services.GetRequiredService<IActivatorProvider>(),
        NullLogger<RelationalGrainStorage>.Instance);

    private static IncidentSummary Summary(string incidentId) => new(
        incidentId, "intrusion", IncidentPriority.Low, IncidentSource.Camera, IncidentStatus.Open,
        36.66, 117.0, At, null, "G-01", "S-01", 0, At, "fence line");

    private static UnitAssignmentRow Assignment(string unitId, long number, string incidentId, AssignmentState state = AssignmentState.Dispatched) => new(
        unitId, number, incidentId, "3-min", state, At, At.AddSeconds(60), 36.66, 117.0, 50, null, null);

    private static JournalEntry Entry(string incidentId, long sequence, string kind) =>
        new(incidentId, sequence, At.AddSeconds(sequence), kind, "gateway:GW-01", "{}");

    private static IncidentCommit First(string incidentId, IReadOnlyList<UnitAssignmentRow>? assignments = null, IReadOnlyList<AlertLedgerEntry>? alerts = null) => new(
        Summary(incidentId), 0, [1, 2, 3], [Entry(incidentId, 1, "created")], assignments ?? [], alerts ?? []);

    [Fact]
    public async Task A_commit_reads_back_with_its_journal_and_assignments_from_another_store()
    {
        var connection = await postgres.NewDatabaseAsync();
        var version = await Store(connection).CommitAsync(First("I-1", [Assignment("U-1", 1, "I-1")]), Token);

        var other = Store(connection);
        var stored = await other.ReadAsync("I-1", Token);
        var unit = await other.ReadUnitAsync("U-1", 5, Token);

        Assert.NotNull(stored);
        Assert.Equal(version, stored.Version);
        Assert.Equal([1, 2, 3], stored.Snapshot);
        Assert.Equal("created", Assert.Single(stored.Journal).Kind);
        Assert.Equal("I-1", unit.Active?.IncidentId);
        Assert.Equal(IncidentStatus.Open, Assert.Single(await other.FindAsync(new IncidentFilter { Status = IncidentStatus.Open }, Token)).Status);
    }

    [Fact]
    public async Task A_commit_on_a_stale_version_is_refused_and_stores_nothing()
    {
        var connection = await postgres.NewDatabaseAsync();
        var store = Store(connection);
        var version = await store.CommitAsync(First("I-2"), Token);
        var step = new IncidentCommit(Summary("I-2"), version, [9], [Entry("I-2", 2, "assigned")], [Assignment("U-2", 1, "I-2")], []);
        await store.CommitAsync(step, Token);

        // A second silo that still holds the first version.
        var stale = step with { Journal = [Entry("I-2", 2, "other")], Assignments = [Assignment("U-3", 1, "I-2")] };
        await Assert.ThrowsAsync<RecordVersionConflictException>(() => Store(connection).CommitAsync(stale, Token));

        Assert.Null((await store.ReadUnitAsync("U-3", 5, Token)).Active);
        Assert.Equal(["created", "assigned"], (await store.ReadAsync("I-2", Token))!.Journal.Select(e => e.Kind));
    }

    [Fact]
    public async Task A_unit_with_an_active_assignment_is_refused_to_a_second_incident_and_the_store_keeps_working()
    {
        var connection = await postgres.NewDatabaseAsync();
        var store = Store(connection);
        await store.CommitAsync(First("I-3", [Assignment("U-7", 1, "I-3")]), Token);

        var refused = await Assert.ThrowsAsync<UnitAlreadyAssignedException>(
            () => Store(connection).CommitAsync(First("I-4", [Assignment("U-7", 2, "I-4")]), Token));

        Assert.Contains("U-7", refused.Message, StringComparison.Ordinal);
        Assert.Null(await store.ReadAsync("I-4", Token));
        Assert.Equal("I-3", (await store.ReadUnitAsync("U-7", 5, Token)).Active?.IncidentId);

        // The refused transaction is gone with its connection: the next commit goes through.
        await store.CommitAsync(First("I-5", [Assignment("U-8", 1, "I-5")]), Token);
        Assert.NotNull(await store.ReadAsync("I-5", Token));
    }

    [Fact]
    public async Task Concurrent_claims_of_one_unit_from_several_stores_give_it_to_exactly_one_incident()
    {
        var connection = await postgres.NewDatabaseAsync();
        var stores = Enumerable.Range(0, 3).Select(_ => Store(connection)).ToList();

        var attempts = Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                await stores[i % 3].CommitAsync(First($"I-race-{i}", [Assignment("U-race", i + 1, $"I-race-{i}")]), Token);
                return true;
            }
            catch (UnitAlreadyAssignedException)
            {
                return false;
            }
        });
        var won = await Task.WhenAll(attempts);

        Assert.Equal(1, won.Count(w => w));
        Assert.NotNull((await stores[0].ReadUnitAsync("U-race", 20, Token)).Active);
    }

    [Fact]
    public async Task An_alert_is_recorded_once_however_many_silos_take_it()
    {
        var connection = await postgres.NewDatabaseAsync();
        var alert = new AlertLedgerEntry("GW-01", "A-1", "C-1", "I-6", "f1", At);
        await Store(connection).CommitAsync(First("I-6", alerts: [alert]), Token);

        await Assert.ThrowsAsync<RecordRefusedException>(() => Store(connection).CommitAsync(First("I-7", alerts: [alert with { IncidentId = "I-7" }]), Token));
        await Assert.ThrowsAsync<RecordRefusedException>(() => Store(connection).RecordAlertAsync(alert with { IncidentId = "" }, Token));

        Assert.Equal("I-6", (await Store(connection).FindAlertAsync("GW-01", "A-1", Token))?.IncidentId);
        Assert.Null(await Store(connection).ReadAsync("I-7", Token));
    }

    [Fact]
    public async Task Grain_state_written_by_one_silo_is_read_by_another_and_a_stale_etag_is_refused()
    {
        var connection = await postgres.NewDatabaseAsync();
        var grain = GrainId.Create("patrollog", "U-1");
        var written = new GrainState<PatrolLog>(new PatrolLog { UnitId = "U-1", Stops = ["S-1"], LastVisitAt = At });
        await GrainStorage(connection).WriteStateAsync("log", grain, written, Token);

        var read = new GrainState<PatrolLog>();
        await GrainStorage(connection).ReadStateAsync("log", grain, read, Token);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(["S-1"], read.State!.Stops);
        Assert.Equal(At, read.State.LastVisitAt);

        read.State.Stops.Add("S-2");
        await GrainStorage(connection).WriteStateAsync("log", grain, read, Token);
        await Assert.ThrowsAsync<InconsistentStateException>(() => GrainStorage(connection).WriteStateAsync("log", grain, written, Token));
    }

    [Fact]
    public async Task Silos_starting_together_create_the_tables_once()
    {
        var connection = await postgres.NewDatabaseAsync();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Store(connection).CommitAsync(First($"I-start-{i}"), Token)));

        Assert.Equal(4, (await Store(connection).FindAsync(new IncidentFilter(), Token)).Count);
    }
}
