using System.Diagnostics;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Tests.Live;
using Dispatch.Simulator.Live;
using Dispatch.Testing;

namespace Dispatch.Simulator.Tests.Live;

/// <summary>The live simulator given the two hosts of one cluster (real Kestrel, real websockets); one host stops under it.</summary>
public sealed class LiveFailoverTests
{
    private static readonly TimeSpan ReconnectWithin = TimeSpan.FromSeconds(15);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Terminals_whose_host_stops_are_on_the_other_host_within_15_s_and_answer_their_next_dispatch_once()
    {
        using var cluster = new LiveCluster(grids: 2);
        await using var survivor = LiveTestHost.StartPrimary(cluster);
        var leaving = LiveTestHost.StartSecondary(cluster);
        var log = new StringWriter();
        var synced = TextWriter.Synchronized(log);
        string Logged()
        {
            lock (synced)
            {
                return log.ToString();
            }
        }

        // The host that will stop first in the list: terminals 0, 2, 4 ... start on it, 1, 3, 5 ... on the survivor.
        // Retries capped at 2 s: a terminal whose first attempts meet the cluster still taking over the stopped host's
        // grains keeps trying often, so the 15 s check measures the failover rather than how far the backoff grew.
        var options = LiveSimulationTests.QuickOptions(leaving) with
        {
            FailoverHosts = [survivor.BaseAddress], IncidentEvery = null, MaxRetryDelay = TimeSpan.FromSeconds(2),
        };
        var simulation = new LiveSimulation(options, synced);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var running = simulation.RunAsync(stop.Token);
        try
        {
            await LiveSimulationTests.WaitUntilAsync(
                () => simulation.UnitIds.Count > 0 && simulation.Counters.Connected == simulation.UnitIds.Count && simulation.Counters.Positions > 0, Logged);
            var units = simulation.UnitIds.Count;
            var onLeavingHost = (units + 1) / 2;
            Assert.Equal(0, simulation.Counters.HostChanges);

            var stoppedAt = Stopwatch.GetTimestamp();
            await leaving.DisposeAsync();
            await LiveSimulationTests.WaitUntilAsync(
                () => simulation.Counters.HostChanges >= onLeavingHost && simulation.Counters.Connected == units,
                () => $"{simulation.Counters.Format(units)}\n{Logged()}", ReconnectWithin + TimeSpan.FromSeconds(15));
            var reconnectedSeconds = Stopwatch.GetElapsedTime(stoppedAt).TotalSeconds;
            var positions = simulation.Counters.Positions;
            await LiveSimulationTests.WaitUntilAsync(() => simulation.Counters.Positions >= positions + units, () => simulation.Counters.Format(units));

            // A call after the move: the unit sent is answered through the survivor, each step once.
            var at = LiveSimulationTests.AwayFromEveryUnit(survivor);
            var opened = await survivor.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
                "theft", IncidentPriority.High, at.Latitude, at.Longitude, "failover test", IncidentSource.Operator, "operator:test"));
            Assert.True(opened.Ok, opened.Error);
            var incident = survivor.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!);
            IncidentView? seen = null;
            await LiveSimulationTests.WaitUntilAsync(
                () => (seen = incident.GetAsync().GetAwaiter().GetResult())!.Assignments.Any(a => a.State == AssignmentState.Cleared),
                () => $"{string.Join(" | ", seen?.Timeline.Select(t => t.Text) ?? [])}\n{Logged()}", TimeSpan.FromSeconds(60));
            var cleared = seen!.Assignments.First(a => a.State == AssignmentState.Cleared);
            var steps = seen.Timeline.Where(t => t.UnitId == cleared.UnitId).Select(t => t.Kind).ToList();

            TestContext.Current.TestOutputHelper?.WriteLine($"{units} terminals, {onLeavingHost} on the stopped host; all connected again {reconnectedSeconds:F1} s after the stop; {simulation.Counters.Format(units)}");
            Assert.True(reconnectedSeconds < ReconnectWithin.TotalSeconds, $"terminals connected again only {reconnectedSeconds:F1} s after the stop");
            Assert.Single(steps, TimelineKinds.Acknowledged);
            Assert.Single(steps, TimelineKinds.OnScene);
            Assert.Single(steps, TimelineKinds.Cleared);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
            await leaving.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080,http://127.0.0.1:5090,http://127.0.0.1:5100", 3)]
    [InlineData("http://127.0.0.1:5080", 1)]
    [InlineData(" http://a:5080/ , http://b:5080 ", 2)]
    public void A_list_of_hosts_is_read_in_order(string text, int count)
    {
        var hosts = LiveSimulationOptions.ParseHosts(text);

        Assert.Equal(count, hosts.Count);
        Assert.Equal(text.Split(',')[0].Trim().TrimEnd('/') + "/", hosts[0].ToString());
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080,", "\"\"")]
    [InlineData("http://127.0.0.1:5080,ftp://x", "\"ftp://x\"")]
    [InlineData("http://127.0.0.1:5080,http://127.0.0.1:5080/", "twice")]
    public void A_bad_host_in_the_list_is_refused_naming_it(string text, string named)
    {
        var (options, error) = LiveSimulationOptions.Parse(["--host", text, "--accounts", "/dev/null"]);

        Assert.Null(options);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }
}
