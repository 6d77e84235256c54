using Dispatch.Abstractions.GridEvents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.GridEvents;
using Dispatch.Storage.GridEvents;

namespace Dispatch.Storage.Tests.GridEvents;

/// <summary>The grid event store's contract, run against each database.</summary>
public abstract class GridEventStoreContract
{
    private static readonly DateTimeOffset Reported = new DateTimeOffset(2026, 5, 4, 9, 30, 0, TimeSpan.FromHours(8)).AddTicks(1234);

    protected abstract Task<RelationalGridEventStore> NewStoreAsync();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static GridEventRecord Draft(string reporter = "gw-1", string department = "power", string? followHash = null) => new()
    {
        EventId = "",
        State = GridEventState.Reported,
        Category = "street-light",
        Department = department,
        RoutingReason = "category street-light",
        GridId = "G-01",
        DistrictId = "huaiyin",
        Latitude = 36.66,
        Longitude = 117.01,
        Text = "路灯不亮 street light out",
        ReporterKind = followHash is null ? GridEventReporterKind.GridWorker : GridEventReporterKind.Resident,
        Reporter = followHash is null ? reporter : null,
        Contact = followHash is null ? null : "138 0000 0000",
        FollowCodeHash = followHash,
        ReportedAt = Reported,
        DueAt = Reported.AddHours(48),
    };

    [Fact]
    public async Task A_new_event_gets_the_next_id_and_reads_back_equal_with_its_first_journal_entry_and_photos()
    {
        var store = await NewStoreAsync();
        var first = await store.CreateAsync(Draft(), "grid-worker:gw-1", "walked past at night", [new GridEventPhoto(1, "image/png", [1, 2, 3])], Token);
        var second = await store.CreateAsync(Draft(), "grid-worker:gw-1", "", [], Token);

        Assert.Equal("GE-1", first.EventId);
        Assert.Equal("GE-2", second.EventId);
        var read = await store.ReadAsync("GE-1", Token);
        Assert.NotNull(read);
        Assert.Equal(first, read.Event);
        Assert.Equal(Reported.UtcTicks, read.Event.ReportedAt.UtcTicks);
        Assert.Equal(1, read.Event.PhotoCount);
        var entry = Assert.Single(read.Journal);
        Assert.Equal(("reported", "grid-worker:gw-1", "walked past at night", 1L), (entry.Kind, entry.Actor, entry.Note, entry.Sequence));
        Assert.Equal([1, 2, 3], (await store.ReadPhotoAsync("GE-1", 1, Token))!.Bytes);
        Assert.Null(await store.ReadPhotoAsync("GE-1", 2, Token));
        Assert.Null(await store.ReadAsync("GE-99", Token));
    }

    [Fact]
    public async Task A_step_at_the_version_read_commits_with_its_journal_entry_and_a_stale_version_is_refused_leaving_the_first_step()
    {
        var store = await NewStoreAsync();
        var created = await store.CreateAsync(Draft(), "grid-worker:gw-1", "", [], Token);

        var accepted = await store.CommitAsync(created with { State = GridEventState.Accepted }, created.Version, "accepted", "operator:op", "ok", Token);
        var stale = await Assert.ThrowsAsync<RecordVersionConflictException>(() =>
            store.CommitAsync(created with { State = GridEventState.Rejected }, created.Version, "rejected", "operator:other", "dup", Token));

        Assert.Equal(2, accepted.Version);
        Assert.Contains("grid event GE-1 is no longer at version 1", stale.Message, StringComparison.Ordinal);
        var read = (await store.ReadAsync(created.EventId, Token))!;
        Assert.Equal(GridEventState.Accepted, read.Event.State);
        Assert.Equal(["reported", "accepted"], read.Journal.Select(j => j.Kind));
    }

    [Fact]
    public async Task Lists_filter_by_state_department_reporter_and_open_events_past_their_time_limit()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync(Draft(reporter: "gw-1", department: "power"), "grid-worker:gw-1", "", [], Token);
        var b = await store.CreateAsync(Draft(reporter: "gw-2", department: "water") with { DueAt = Reported.AddHours(1) }, "grid-worker:gw-2", "", [], Token);
        var c = await store.CreateAsync(Draft(reporter: "gw-2", department: "water") with { DueAt = Reported.AddHours(1) }, "grid-worker:gw-2", "", [], Token);
        await store.CommitAsync(c with { State = GridEventState.Rejected }, c.Version, "rejected", "operator:op", "", Token);

        Assert.Equal([a.EventId], (await store.FindAsync(new GridEventFilter { Departments = ["power"] }, Token)).Select(e => e.EventId));
        Assert.Empty(await store.FindAsync(new GridEventFilter { Departments = [] }, Token));
        Assert.Equal([b.EventId, c.EventId], (await store.FindAsync(new GridEventFilter { Reporter = "gw-2" }, Token)).Select(e => e.EventId).Order());
        Assert.Equal([c.EventId], (await store.FindAsync(new GridEventFilter { States = [GridEventState.Rejected] }, Token)).Select(e => e.EventId));
        Assert.Equal([b.EventId], (await store.FindAsync(new GridEventFilter { OpenDueBy = Reported.AddHours(2) }, Token)).Select(e => e.EventId));
    }

    [Fact]
    public async Task A_resident_event_is_found_by_the_hash_of_its_follow_up_code()
    {
        var store = await NewStoreAsync();
        var created = await store.CreateAsync(Draft(followHash: "abc123"), "resident", "", [], Token);

        Assert.Equal(created.EventId, (await store.FindByFollowCodeHashAsync("abc123", Token))?.EventId);
        Assert.Null(await store.FindByFollowCodeHashAsync("other", Token));
    }
}

public sealed class SqliteGridEventStoreTests : GridEventStoreContract, IDisposable
{
    private readonly SqliteFile _file = new();

    public void Dispose() => _file.Dispose();

    protected override Task<RelationalGridEventStore> NewStoreAsync() =>
        Task.FromResult(new RelationalGridEventStore(new RelationalGridEventStoreOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = _file.ConnectionString }));
}

/// <summary>The same contract on a real PostgreSQL (a database per store).</summary>
public sealed class PostgreSqlGridEventStoreTests(PostgresCluster postgres) : GridEventStoreContract, IClassFixture<PostgresCluster>
{
    private string? _connectionString;

    protected override async Task<RelationalGridEventStore> NewStoreAsync()
    {
        // One database per test: every store a test makes shares it, as hosts share one.
        _connectionString ??= await postgres.NewDatabaseAsync();
        return new RelationalGridEventStore(new RelationalGridEventStoreOptions { Dialect = RelationalDialect.PostgreSql, ConnectionString = _connectionString });
    }
}
