using Dispatch.Abstractions.GridEvents;
using Dispatch.Domain.GridEvents;
using Dispatch.Server.Tests.Live;
using Dispatch.Simulator.Live;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Simulator.Tests.Live;

/// <summary>The simulator's grid event desk against the real host on loopback, through its public HTTP API.</summary>
public sealed class SimulatedGridDeskTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>The command centre, a grid worker and the power department (street lights), as the host's test accounts.</summary>
    private static readonly SimulatorAccount[] Accounts =
    [
        new(TestAccounts.Operator, TestAccounts.Password, ["operator"], []),
        new(TestAccounts.GridWorker, TestAccounts.Password, ["grid-worker"], []),
        new(TestAccounts.Department, TestAccounts.Password, ["department"], ["department:" + TestAccounts.DepartmentId]),
    ];

    [Fact]
    public async Task Grid_workers_and_residents_report_the_department_resolves_with_its_account_reporters_rate_and_the_command_centre_closes_within_the_throttle()
    {
        using var cluster = new LiveCluster(grids: 2);
        await using var host = LiveTestHost.StartPrimary(cluster, new Dictionary<string, string?> { ["Dispatch:GridEvents:ResidentRequestsPerHourPerAddress"] = "12" });
        var options = new LiveSimulationOptions
        {
            Host = host.BaseAddress,
            Accounts = Accounts,
            GridEventEvery = TimeSpan.FromMilliseconds(250),
            ResidentShare = 0.5,
            ResidentRequestsPerHour = 10,
            GridRatingShare = 1,
            GridCategories = new HashSet<string> { "street-light" },
            GridScanEvery = TimeSpan.FromMilliseconds(100),
            GridAcceptDelayMin = TimeSpan.FromMilliseconds(50),
            GridAcceptDelayMax = TimeSpan.FromMilliseconds(150),
            GridStartDelayMin = TimeSpan.FromMilliseconds(50),
            GridStartDelayMax = TimeSpan.FromMilliseconds(150),
            GridHandlingMin = TimeSpan.FromMilliseconds(100),
            GridHandlingMax = TimeSpan.FromMilliseconds(300),
            GridRateDelayMin = TimeSpan.FromMilliseconds(50),
            GridRateDelayMax = TimeSpan.FromMilliseconds(150),
        };
        var log = new StringWriter();
        var counters = new LiveCounters();
        using var link = new HostLink(host.BaseAddress, new RetryBackoff(TimeSpan.FromSeconds(1), new Random(1)), TextWriter.Synchronized(log), Accounts);
        using var desk = new SimulatedGridDesk(link, host.City, options, counters, TextWriter.Synchronized(log), seed: 3);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var running = desk.RunAsync(stop.Token);

        var store = host.Services.GetRequiredService<IGridEventStore>();
        StoredGridEvent[] closed = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var found = await store.FindAsync(new GridEventFilter { States = [GridEventState.Closed], Limit = 500 }, Cancel);
            closed = [.. (await Task.WhenAll(found.Select(e => store.ReadAsync(e.EventId, Cancel)))).OfType<StoredGridEvent>()];
            if ((closed.Any(e => e.Event.ReporterKind == GridEventReporterKind.Resident && e.Event.Rating is not null)
                    && closed.Any(e => e.Event.ReporterKind == GridEventReporterKind.GridWorker && e.Event.Rating is not null))
                || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(250, Cancel);
        }

        await stop.CancelAsync();
        await running;
        string Steps(StoredGridEvent e) => string.Join(", ", e.Journal.Select(j => $"{j.Kind} {j.Actor}"));
        var summary = $"{counters.Format(0)}\n{string.Join("\n", closed.Select(Steps))}\n{log}";

        var byResident = closed.FirstOrDefault(e => e.Event.ReporterKind == GridEventReporterKind.Resident && e.Event.Rating is not null);
        var byWorker = closed.FirstOrDefault(e => e.Event.ReporterKind == GridEventReporterKind.GridWorker && e.Event.Rating is not null);
        Assert.True(byResident is not null && byWorker is not null, summary);
        Assert.NotNull(byResident);
        Assert.NotNull(byWorker);
        Assert.Equal(
            ["reported resident", "accepted operator:t-operator", "assigned operator:t-operator", "started department:t-department",
             "resolved department:t-department", $"rated resident:{byResident.Event.EventId}", "closed operator:t-operator"],
            byResident.Journal.Select(j => $"{j.Kind} {j.Actor}"));
        Assert.Equal($"rated grid-worker:{TestAccounts.GridWorker}", byWorker.Journal.Select(j => $"{j.Kind} {j.Actor}").Single(s => s.StartsWith("rated", StringComparison.Ordinal)));
        Assert.All(closed, e => Assert.Equal("power", e.Event.Department));
        Assert.InRange(byWorker.Event.Rating!.Value, 1, 5);
        Assert.Equal(0, counters.ResidentThrottled);
        Assert.True(counters.ResidentReports is >= 1 and <= 5, summary);
        Assert.True(counters.GridEventsReported > counters.ResidentReports, summary);
        Assert.True(counters.GridEventsResolved >= 2 && counters.GridEventsRated >= 2 && counters.GridEventsClosed >= 2, summary);
    }

    [Fact]
    public void The_command_line_takes_the_grid_event_rate_and_the_residents_budget_and_refuses_a_budget_that_is_not_a_count()
    {
        var accounts = Path.GetTempFileName();
        try
        {
            File.WriteAllText(accounts, "account\top\tsecret\toperator\t\n");
            var (parsed, error) = LiveSimulationOptions.Parse(["--host", "http://127.0.0.1:5080", "--accounts", accounts, "--grid-event-every", "30", "--resident-requests-per-hour", "8"]);
            var (none, _) = LiveSimulationOptions.Parse(["--host", "http://127.0.0.1:5080", "--accounts", accounts, "--grid-event-every", "0"]);
            var (defaults, _) = LiveSimulationOptions.Parse(["--host", "http://127.0.0.1:5080", "--accounts", accounts]);
            var (_, refusal) = LiveSimulationOptions.Parse(["--host", "http://127.0.0.1:5080", "--accounts", accounts, "--resident-requests-per-hour", "many"]);

            Assert.Null(error);
            Assert.Equal(TimeSpan.FromSeconds(30), parsed!.GridEventEvery);
            Assert.Equal(8, parsed.ResidentRequestsPerHour);
            Assert.Null(none!.GridEventEvery);
            Assert.Equal(TimeSpan.FromSeconds(90), defaults!.GridEventEvery);
            Assert.Equal(15, defaults.ResidentRequestsPerHour);
            Assert.Contains("--resident-requests-per-hour must be a whole number >= 0, got \"many\"", refusal, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(accounts);
        }
    }
}
