using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Records;
using Dispatch.Storage.Incidents;

namespace Dispatch.Storage.Tests;

/// <summary>
/// Listing incidents through <see cref="IIncidentStore.FindAsync"/>: the same answers from the relational store (SQLite
/// and PostgreSQL) and the in-memory store, for every filter and for paging with a cursor.
/// </summary>
public sealed class IncidentListingTests(PostgresCluster postgres) : IClassFixture<PostgresCluster>, IDisposable
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Grids = ["G-01", "G-02", "G-03"];
    private static readonly string[] Types = ["theft", "assault", "fire"];

    private readonly SqliteFile _file = new();

    public void Dispose() => _file.Dispose();

    public static TheoryData<string> Stores => ["sqlite", "postgresql", "memory"];

    private async Task<IIncidentStore> NewStoreAsync(string kind) => kind switch
    {
        "sqlite" => new RelationalIncidentStore(new RelationalIncidentStoreOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = _file.ConnectionString }),
        "postgresql" => new RelationalIncidentStore(new RelationalIncidentStoreOptions { Dialect = RelationalDialect.PostgreSql, ConnectionString = await postgres.NewDatabaseAsync() }),
        _ => new InMemoryIncidentStore(),
    };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A day of 48 incidents, one every 30 minutes, cycling through grids, types and priorities; every fourth closed.</summary>
    private static IReadOnlyList<IncidentSummary> ADay() => [.. Enumerable.Range(0, 48).Select(i => new IncidentSummary(
        $"INC-{i:000}",
        Types[i % Types.Length],
        (IncidentPriority)(1 + (i % 4)),
        i % 5 == 0 ? IncidentSource.Camera : IncidentSource.Call,
        i % 4 == 3 ? IncidentStatus.Closed : IncidentStatus.Open,
        36.66 + (i * 0.001),
        117.0 + (i * 0.001),
        Day.AddMinutes(30 * i),
        i % 4 == 3 ? Day.AddMinutes((30 * i) + 20) : null,
        Grids[i % Grids.Length],
        "S-" + Grids[i % Grids.Length][2..],
        2,
        null,
        $"incident {i}"))];

    private static async Task<IReadOnlyList<IncidentSummary>> SeedAsync(IIncidentStore store, IReadOnlyList<IncidentSummary> incidents)
    {
        foreach (var incident in incidents)
        {
            await store.CommitAsync(new IncidentCommit(incident, 0, [1, 2, 3], [], [], []), Cancel);
        }

        return incidents;
    }

    private static List<string> Ids(IEnumerable<IncidentSummary> incidents) => [.. incidents.Select(i => i.IncidentId)];

    private static List<string> NewestFirst(IEnumerable<IncidentSummary> incidents) =>
        Ids(incidents.OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.IncidentId, StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Type_priority_and_district_filters_each_keep_only_the_matching_incidents(string kind)
    {
        var store = await NewStoreAsync(kind);
        var day = await SeedAsync(store, ADay());

        var thefts = await store.FindAsync(new IncidentFilter { Type = "theft" }, Cancel);
        var critical = await store.FindAsync(new IncidentFilter { Priority = IncidentPriority.Critical }, Cancel);
        var twoGrids = await store.FindAsync(new IncidentFilter { GridIds = ["G-02", "G-03"] }, Cancel);
        var combined = await store.FindAsync(new IncidentFilter { GridIds = ["G-01"], Type = "theft", Status = IncidentStatus.Open }, Cancel);

        Assert.Equal(NewestFirst(day.Where(i => i.Type == "theft")), Ids(thefts));
        Assert.Equal(NewestFirst(day.Where(i => i.Priority == IncidentPriority.Critical)), Ids(critical));
        Assert.Equal(NewestFirst(day.Where(i => i.GridId is "G-02" or "G-03")), Ids(twoGrids));
        Assert.Equal(NewestFirst(day.Where(i => i.GridId == "G-01" && i.Type == "theft" && i.Status == IncidentStatus.Open)), Ids(combined));
        Assert.NotEmpty(combined);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_district_and_a_time_range_together_give_that_districts_incidents_of_those_hours(string kind)
    {
        var store = await NewStoreAsync(kind);
        var day = await SeedAsync(store, ADay());
        var from = Day.AddHours(6);
        var until = Day.AddHours(12);

        var found = await store.FindAsync(new IncidentFilter { GridIds = ["G-02"], CreatedFrom = from, CreatedBefore = until }, Cancel);

        var expected = NewestFirst(day.Where(i => i.GridId == "G-02" && i.CreatedAt >= from && i.CreatedAt < until));
        Assert.Equal(expected, Ids(found));
        Assert.Equal(4, found.Count);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task An_unknown_type_or_district_finds_nothing(string kind)
    {
        var store = await NewStoreAsync(kind);
        await SeedAsync(store, ADay());

        Assert.Empty(await store.FindAsync(new IncidentFilter { Type = "parade" }, Cancel));
        Assert.Empty(await store.FindAsync(new IncidentFilter { GridIds = ["G-99"] }, Cancel));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Pages_after_a_cursor_list_every_incident_once_in_order_even_when_times_tie(string kind)
    {
        var store = await NewStoreAsync(kind);

        // Pairs of incidents share a creation time, so the id must break the tie for paging to be exact.
        var day = await SeedAsync(store, [.. ADay().Select(i => i with { CreatedAt = Day.AddHours(int.Parse(i.IncidentId[4..], System.Globalization.CultureInfo.InvariantCulture) / 2) })]);

        var listed = new List<IncidentSummary>();
        IncidentCursor? after = null;
        var pages = 0;
        while (true)
        {
            var page = await store.FindAsync(new IncidentFilter { Limit = 7, After = after }, Cancel);
            if (page.Count == 0)
            {
                break;
            }

            pages++;
            listed.AddRange(page);
            after = new IncidentCursor(page[^1].CreatedAt, page[^1].IncidentId);
        }

        Assert.Equal(NewestFirst(day), Ids(listed));
        Assert.Equal(7, pages);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Incidents_arriving_between_pages_neither_repeat_nor_push_out_rows_of_the_next_page(string kind)
    {
        var store = await NewStoreAsync(kind);
        var day = await SeedAsync(store, ADay());
        var first = await store.FindAsync(new IncidentFilter { Limit = 10 }, Cancel);

        await SeedAsync(store, [day[^1] with { IncidentId = "INC-NEW", CreatedAt = Day.AddDays(1) }]);
        var second = await store.FindAsync(new IncidentFilter { Limit = 10, After = new IncidentCursor(first[^1].CreatedAt, first[^1].IncidentId) }, Cancel);

        Assert.Equal(NewestFirst(day).Take(10), Ids(first));
        Assert.Equal(NewestFirst(day).Skip(10).Take(10), Ids(second));
    }
}
