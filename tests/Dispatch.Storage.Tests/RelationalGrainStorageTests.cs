using Dispatch.Storage.GrainState;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Dispatch.Storage.Tests;

public sealed class RelationalGrainStorageTests : IDisposable
{
    private const string StateName = "log";

    private readonly SqliteFile _file = new();
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(PatrolLog).Assembly))
        .BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        _file.Dispose();
    }

    private RelationalGrainStorage NewStorage(bool groupCommit = true) => new(
        "test",
        new RelationalStorageOptions
        {
            Dialect = RelationalDialect.Sqlite,
            ConnectionString = _file.ConnectionString,
            GrainStorageSerializer = new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()),
            GroupCommit = groupCommit,
        },
        _services.GetRequiredService<IActivatorProvider>(),
        NullLogger<RelationalGrainStorage>.Instance);

    private static GrainId Unit(string key) => GrainId.Create("patrollog", key);

    private static PatrolLog Log(string unitId, params string[] stops) => new()
    {
        UnitId = unitId,
        Stops = [.. stops],
        LastVisitAt = new DateTimeOffset(2026, 11, 23, 9, 30, 15, TimeSpan.FromHours(8)).AddTicks(1234567),
    };

    [Fact]
    public async Task Written_state_reads_back_with_its_etag_in_a_new_provider()
    {
        var written = new GrainState<PatrolLog>(Log("u-1", "station-3", "square-9"));
        await NewStorage().WriteStateAsync(StateName, Unit("u-1"), written, TestContext.Current.CancellationToken);

        var read = new GrainState<PatrolLog>();
        await NewStorage().ReadStateAsync(StateName, Unit("u-1"), read, TestContext.Current.CancellationToken);

        Assert.True(read.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("u-1", read.State!.UnitId);
        Assert.Equal(["station-3", "square-9"], read.State!.Stops);
        Assert.Equal(written.State!.LastVisitAt, read.State!.LastVisitAt);
    }

    [Fact]
    public async Task Reading_missing_state_gives_no_record_no_etag_and_a_fresh_state()
    {
        var read = new GrainState<PatrolLog> { ETag = "7", RecordExists = true, State = Log("stale", "x") };

        await NewStorage().ReadStateAsync(StateName, Unit("nobody"), read, TestContext.Current.CancellationToken);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal("", read.State!.UnitId);
        Assert.Empty(read.State!.Stops);
    }

    [Fact]
    public async Task Each_write_gives_a_new_etag()
    {
        var storage = NewStorage();
        var state = new GrainState<PatrolLog>(Log("u-1", "a"));
        await storage.WriteStateAsync(StateName, Unit("u-1"), state, TestContext.Current.CancellationToken);
        var first = state.ETag;

        state.State!.Stops.Add("b");
        await storage.WriteStateAsync(StateName, Unit("u-1"), state, TestContext.Current.CancellationToken);

        Assert.NotEqual(first, state.ETag);
    }

    [Fact]
    public async Task Write_with_a_stale_etag_is_refused_and_names_both_etags()
    {
        var storage = NewStorage();
        var mine = new GrainState<PatrolLog>(Log("u-1", "a"));
        await storage.WriteStateAsync(StateName, Unit("u-1"), mine, TestContext.Current.CancellationToken);
        var theirs = new GrainState<PatrolLog>();
        await storage.ReadStateAsync(StateName, Unit("u-1"), theirs, TestContext.Current.CancellationToken);
        theirs.State!.Stops.Add("theirs");
        await storage.WriteStateAsync(StateName, Unit("u-1"), theirs, TestContext.Current.CancellationToken);
        var staleETag = mine.ETag;

        mine.State!.Stops.Add("mine");
        var refused = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Unit("u-1"), mine, TestContext.Current.CancellationToken));

        Assert.Equal(theirs.ETag, refused.StoredEtag);
        Assert.Equal(staleETag, refused.CurrentEtag);
        var read = new GrainState<PatrolLog>();
        await storage.ReadStateAsync(StateName, Unit("u-1"), read, TestContext.Current.CancellationToken);
        Assert.Equal(["a", "theirs"], read.State!.Stops);
    }

    [Fact]
    public async Task First_write_is_refused_when_a_record_already_exists()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync(StateName, Unit("u-1"), new GrainState<PatrolLog>(Log("u-1", "first")), TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Unit("u-1"), new GrainState<PatrolLog>(Log("u-1", "second")), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Concurrent_first_writes_of_one_grain_let_exactly_one_win()
    {
        // Separate providers behave like separate silos racing for the same new grain.
        var contenders = Enumerable.Range(0, 12)
            .Select(i => (Storage: NewStorage(), State: new GrainState<PatrolLog>(Log("u-1", $"contender-{i}"))))
            .ToList();

        var outcomes = await Task.WhenAll(contenders.Select(async contender =>
        {
            try
            {
                await Task.Yield();
                await contender.Storage.WriteStateAsync(StateName, Unit("u-1"), contender.State, TestContext.Current.CancellationToken);
                return contender.State.State!.Stops[0];
            }
            catch (InconsistentStateException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(outcomes, outcome => outcome is not null);
        var read = new GrainState<PatrolLog>();
        await NewStorage().ReadStateAsync(StateName, Unit("u-1"), read, TestContext.Current.CancellationToken);
        Assert.Equal([winner!], read.State!.Stops);
    }

    [Fact]
    public async Task Concurrent_writes_of_many_grains_are_all_stored()
    {
        var storage = NewStorage();
        var units = Enumerable.Range(0, 40).Select(i => $"u-{i}").ToList();

        await Task.WhenAll(units.Select(async unit =>
        {
            var state = new GrainState<PatrolLog>(Log(unit, "a"));
            await storage.WriteStateAsync(StateName, Unit(unit), state, TestContext.Current.CancellationToken);
            state.State!.Stops.Add("b");
            await storage.WriteStateAsync(StateName, Unit(unit), state, TestContext.Current.CancellationToken);
        }));

        foreach (var unit in units)
        {
            var read = new GrainState<PatrolLog>();
            await storage.ReadStateAsync(StateName, Unit(unit), read, TestContext.Current.CancellationToken);
            Assert.Equal(["a", "b"], read.State!.Stops);
        }
    }

    [Fact]
    public async Task Clear_leaves_no_record_to_read()
    {
        var storage = NewStorage();
        var state = new GrainState<PatrolLog>(Log("u-1", "a"));
        await storage.WriteStateAsync(StateName, Unit("u-1"), state, TestContext.Current.CancellationToken);

        await storage.ClearStateAsync(StateName, Unit("u-1"), state, TestContext.Current.CancellationToken);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        var read = new GrainState<PatrolLog>();
        await storage.ReadStateAsync(StateName, Unit("u-1"), read, TestContext.Current.CancellationToken);
        Assert.False(read.RecordExists);
        Assert.Empty(read.State!.Stops);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_is_refused()
    {
        var storage = NewStorage();
        var mine = new GrainState<PatrolLog>(Log("u-1", "a"));
        await storage.WriteStateAsync(StateName, Unit("u-1"), mine, TestContext.Current.CancellationToken);
        var theirs = new GrainState<PatrolLog>();
        await storage.ReadStateAsync(StateName, Unit("u-1"), theirs, TestContext.Current.CancellationToken);
        await storage.WriteStateAsync(StateName, Unit("u-1"), theirs, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.ClearStateAsync(StateName, Unit("u-1"), mine, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_etag_from_before_a_clear_cannot_write_after_the_state_is_recreated()
    {
        var storage = NewStorage();
        var old = new GrainState<PatrolLog>(Log("u-1", "old"));
        await storage.WriteStateAsync(StateName, Unit("u-1"), old, TestContext.Current.CancellationToken);
        var clearer = new GrainState<PatrolLog>();
        await storage.ReadStateAsync(StateName, Unit("u-1"), clearer, TestContext.Current.CancellationToken);
        await storage.ClearStateAsync(StateName, Unit("u-1"), clearer, TestContext.Current.CancellationToken);
        var recreated = new GrainState<PatrolLog>(Log("u-1", "new"));
        await storage.WriteStateAsync(StateName, Unit("u-1"), recreated, TestContext.Current.CancellationToken);

        old.State!.Stops.Add("late");
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Unit("u-1"), old, TestContext.Current.CancellationToken));

        var read = new GrainState<PatrolLog>();
        await storage.ReadStateAsync(StateName, Unit("u-1"), read, TestContext.Current.CancellationToken);
        Assert.Equal(["new"], read.State!.Stops);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task States_of_different_names_on_one_grain_are_kept_apart()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync("log", Unit("u-1"), new GrainState<PatrolLog>(Log("u-1", "in-log")), TestContext.Current.CancellationToken);
        await storage.WriteStateAsync("shadow", Unit("u-1"), new GrainState<PatrolLog>(Log("u-1", "in-shadow")), TestContext.Current.CancellationToken);

        var read = new GrainState<PatrolLog>();
        await storage.ReadStateAsync("log", Unit("u-1"), read, TestContext.Current.CancellationToken);

        Assert.Equal(["in-log"], read.State!.Stops);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_writes_of_many_grains_each_commit_once_and_read_back_in_a_new_provider(bool groupCommit)
    {
        var storage = NewStorage(groupCommit);
        var states = Enumerable.Range(0, 200).Select(i => new GrainState<PatrolLog>(Log($"u-{i}", $"stop-{i}"))).ToArray();

        await Task.WhenAll(states.Select((state, i) => Task.Run(
            () => storage.WriteStateAsync(StateName, Unit($"u-{i}"), state, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)));
        var second = await Task.WhenAll(states.Select((state, i) => Task.Run(async () =>
        {
            state.State!.Stops.Add("again");
            await storage.WriteStateAsync(StateName, Unit($"u-{i}"), state, TestContext.Current.CancellationToken);
            return state.ETag;
        }, TestContext.Current.CancellationToken)));

        var reader = NewStorage(groupCommit);
        for (var i = 0; i < states.Length; i++)
        {
            var read = new GrainState<PatrolLog>();
            await reader.ReadStateAsync(StateName, Unit($"u-{i}"), read, TestContext.Current.CancellationToken);
            Assert.Equal("2", second[i]);
            Assert.Equal(second[i], read.ETag);
            Assert.Equal([$"stop-{i}", "again"], read.State!.Stops);
        }
    }

    [Fact]
    public async Task In_one_group_a_stale_write_is_refused_while_the_others_commit()
    {
        var storage = NewStorage(groupCommit: true);
        var fresh = new GrainState<PatrolLog>(Log("u-fresh", "a"));
        var stale = new GrainState<PatrolLog>(Log("u-stale", "a"));
        await storage.WriteStateAsync(StateName, Unit("u-stale"), stale, TestContext.Current.CancellationToken);
        var old = stale.ETag;
        await storage.WriteStateAsync(StateName, Unit("u-stale"), stale, TestContext.Current.CancellationToken);
        stale.ETag = old;

        var writes = Enumerable.Range(0, 20).Select(i => storage.WriteStateAsync(
            StateName, Unit($"u-other-{i}"), new GrainState<PatrolLog>(Log($"u-other-{i}", "b")), TestContext.Current.CancellationToken)).ToList();
        var refused = storage.WriteStateAsync(StateName, Unit("u-stale"), stale, TestContext.Current.CancellationToken);
        writes.Add(storage.WriteStateAsync(StateName, Unit("u-fresh"), fresh, TestContext.Current.CancellationToken));

        await Assert.ThrowsAsync<InconsistentStateException>(() => refused);
        await Task.WhenAll(writes);
        var read = new GrainState<PatrolLog>();
        await NewStorage().ReadStateAsync(StateName, Unit("u-fresh"), read, TestContext.Current.CancellationToken);
        Assert.Equal(fresh.ETag, read.ETag);
        await NewStorage().ReadStateAsync(StateName, Unit("u-stale"), read, TestContext.Current.CancellationToken);
        Assert.Equal("2", read.ETag);
    }
}
