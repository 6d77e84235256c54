using Dispatch.Abstractions.Journal;
using Dispatch.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dispatch.Storage.Tests;

public sealed class RelationalIncidentJournalTests : IDisposable
{
    private static readonly DateTimeOffset Opened = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8)).AddTicks(4321);

    private readonly SqliteFile _file = new();

    public void Dispose() => _file.Dispose();

    private RelationalIncidentJournal NewJournal() =>
        new(new RelationalJournalOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = _file.ConnectionString });

    private static JournalEntry Entry(string incidentId, long sequence, string kind = "unit-assigned", string actor = "dispatcher-2") =>
        new(incidentId, sequence, Opened.AddSeconds(sequence * 17), kind, actor, $$"""{"unit":"P-{{sequence}}"}""");

    [Fact]
    public async Task Appended_entries_read_back_equal_and_in_sequence_order()
    {
        var entries = new[] { Entry("inc-1", 2), Entry("inc-1", 1, "created", "camera-17"), Entry("inc-1", 3, "arrived", "P-4") };
        await NewJournal().AppendAsync(entries, TestContext.Current.CancellationToken);

        var read = await NewJournal().ReadAsync("inc-1", TestContext.Current.CancellationToken);

        Assert.Equal(entries.OrderBy(entry => entry.Sequence), read);
    }

    [Fact]
    public async Task Entry_time_reads_back_with_its_offset_and_full_precision()
    {
        await NewJournal().AppendAsync([Entry("inc-1", 1)], TestContext.Current.CancellationToken);

        var read = Assert.Single(await NewJournal().ReadAsync("inc-1", TestContext.Current.CancellationToken));

        Assert.Equal(Entry("inc-1", 1).At.Ticks, read.At.Ticks);
        Assert.Equal(TimeSpan.FromHours(8), read.At.Offset);
    }

    [Fact]
    public async Task Appending_the_same_entry_again_stores_it_once()
    {
        var journal = NewJournal();
        await journal.AppendAsync([Entry("inc-1", 1), Entry("inc-1", 2)], TestContext.Current.CancellationToken);

        await journal.AppendAsync([Entry("inc-1", 2), Entry("inc-1", 3)], TestContext.Current.CancellationToken);

        var read = await journal.ReadAsync("inc-1", TestContext.Current.CancellationToken);
        Assert.Equal([1L, 2L, 3L], read.Select(entry => entry.Sequence));
    }

    [Fact]
    public async Task A_different_entry_under_a_taken_sequence_is_refused_and_the_first_kept()
    {
        var journal = NewJournal();
        await journal.AppendAsync([Entry("inc-1", 1, "created")], TestContext.Current.CancellationToken);

        var refusal = await Assert.ThrowsAsync<InvalidOperationException>(
            () => journal.AppendAsync([Entry("inc-1", 1, "closed")], TestContext.Current.CancellationToken));

        Assert.Contains("inc-1", refusal.Message, StringComparison.Ordinal);
        var kept = Assert.Single(await journal.ReadAsync("inc-1", TestContext.Current.CancellationToken));
        Assert.Equal("created", kept.Kind);
    }

    [Fact]
    public async Task A_refused_batch_stores_none_of_its_entries()
    {
        var journal = NewJournal();
        await journal.AppendAsync([Entry("inc-1", 1, "created")], TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InvalidOperationException>(() => journal.AppendAsync(
            [Entry("inc-2", 1), Entry("inc-1", 1, "closed")], TestContext.Current.CancellationToken));

        Assert.Empty(await journal.ReadAsync("inc-2", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadAll_orders_by_incident_then_sequence()
    {
        var journal = NewJournal();
        var incidents = new[] { "inc-b", "INC-a", "inc-10", "inc-2", "inc-a" };
        foreach (var sequence in new long[] { 3, 1, 2 })
        {
            await journal.AppendAsync([.. incidents.Select(incident => Entry(incident, sequence))], TestContext.Current.CancellationToken);
        }

        var all = new List<JournalEntry>();
        await foreach (var entry in journal.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            all.Add(entry);
        }

        var expected = incidents
            .SelectMany(incident => new long[] { 1, 2, 3 }.Select(sequence => Entry(incident, sequence)))
            .OrderBy(entry => entry.IncidentId, StringComparer.Ordinal)
            .ThenBy(entry => entry.Sequence);
        Assert.Equal(expected, all);
    }

    [Fact]
    public async Task Reading_an_unknown_incident_gives_no_entries()
    {
        await NewJournal().AppendAsync([Entry("inc-1", 1)], TestContext.Current.CancellationToken);

        Assert.Empty(await NewJournal().ReadAsync("inc-unknown", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Concurrent_appends_of_many_incidents_are_all_stored()
    {
        var journal = NewJournal();
        var incidents = Enumerable.Range(0, 30).Select(i => $"inc-{i:D2}").ToList();

        await Task.WhenAll(incidents.Select(async incident =>
        {
            await journal.AppendAsync([Entry(incident, 1)], TestContext.Current.CancellationToken);
            await journal.AppendAsync([Entry(incident, 2)], TestContext.Current.CancellationToken);
        }));

        var count = 0;
        await foreach (var _ in journal.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            count++;
        }

        Assert.Equal(incidents.Count * 2, count);
    }

    [Fact]
    public async Task Sequence_below_one_is_refused_as_bad_input()
    {
        var failure = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => NewJournal().AppendAsync([Entry("inc-1", 0)], TestContext.Current.CancellationToken));

        Assert.Contains("inc-1", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registered_journal_is_the_incident_journal_and_stores_entries()
    {
        var services = new ServiceCollection();
        services.AddRelationalIncidentJournal(options => options.ConnectionString = _file.ConnectionString);
        await using var provider = services.BuildServiceProvider();

        var journal = provider.GetRequiredService<IIncidentJournal>();
        await journal.AppendAsync([Entry("inc-1", 1)], TestContext.Current.CancellationToken);

        Assert.IsType<RelationalIncidentJournal>(journal);
        Assert.Single(await NewJournal().ReadAsync("inc-1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Registered_journal_without_connection_string_fails_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddRelationalIncidentJournal(options => options.Dialect = RelationalDialect.PostgreSql);
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IIncidentJournal>());

        Assert.Contains("incident journal", failure.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(RelationalJournalOptions.ConnectionString), failure.Message, StringComparison.Ordinal);
    }
}
