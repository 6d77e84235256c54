using Dispatch.Domain.City;
using Dispatch.Domain.Roads;

namespace Dispatch.Simulator.Live;

/// <summary>
/// <c>live</c>: simulated patrol terminals and a call-taker against a running host, over its public hubs. Reads
/// the host's city, builds the road network, connects one terminal per unit (spread over a few seconds),
/// prints a status line now and then and one summary line at the end.
/// </summary>
public sealed class LiveSimulation(LiveSimulationOptions options, TextWriter log)
{
    public LiveCounters Counters { get; } = new();

    /// <summary>The simulated units' ids, once the city is read.</summary>
    public IReadOnlyList<string> UnitIds { get; private set; } = [];

    /// <summary>Runs until the duration is over or <paramref name="cancellationToken"/> stops it; false when the host never answered.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration is { } duration)
        {
            run.CancelAfter(duration);
        }

        var random = new Random(options.Seed);
        using var link = new HostLink(options.Hosts, new RetryBackoff(options.MaxRetryDelay, new Random(options.Seed)), log, options.Accounts);
        await log.WriteLineAsync($"live: reading the city of {string.Join(", ", options.Hosts)}");
        var city = await link.LoadCityAsync(run.Token);
        if (city is null)
        {
            await log.WriteLineAsync($"live: host {string.Join(", ", options.Hosts)} never answered; nothing simulated");
            return false;
        }

        var router = new RoadRouter(BuildRoads());
        var picked = Pick(city, random);
        var units = picked.Where(u => SimulatorAccounts.OfficerFor(options.Accounts, u) is not null).ToList();
        if (units.Count < picked.Count)
        {
            await log.WriteLineAsync($"live: {picked.Count - units.Count} units have no officer account in the accounts file and stay off patrol");
        }

        UnitIds = [.. units.Select(u => u.Id)];
        await log.WriteLineAsync($"live: {units.Count} of {city.Units.Count} units of '{city.Name}' go on patrol"
            + (options.IncidentEvery is { } every ? $"; an incident about every {LiveSimulationOptions.Seconds(every)} s" : "; no incidents reported")
            + (options.Duration is { } d ? $"; stopping after {LiveSimulationOptions.Seconds(d)} s" : ""));

        var tasks = new List<Task>();
        var spreadMs = options.StartSpread.TotalMilliseconds / Math.Max(1, units.Count);
        for (var i = 0; i < units.Count; i++)
        {
            // Terminals are spread over the hosts of a cluster, as a load balancer would.
            var terminal = new SimulatedTerminal(units[i], link, router, options, Counters, random.Next(), firstHost: i);
            var startAfter = TimeSpan.FromMilliseconds(spreadMs * i);
            tasks.Add(Task.Run(async () =>
            {
                if (await HostLink.SleepAsync(startAfter, run.Token))
                {
                    await GuardAsync(terminal.UnitId, () => terminal.RunAsync(run.Token));
                }
            }, CancellationToken.None));
        }

        var beats = units.Count > 0 ? units.Select(u => u.Start).ToList() : [city.Center];
        var stations = city.Stations.ToDictionary(st => st.Id, st => st.Location, StringComparer.Ordinal);
        var callTaker = new SimulatedCallTaker(link, router, beats, options, Counters, log, random.Next(), stations);
        tasks.Add(Task.Run(() => GuardAsync("call-taker", () => callTaker.RunAsync(run.Token)), CancellationToken.None));
        if (options.GridEventEvery is not null)
        {
            var gridDesk = new SimulatedGridDesk(link, city, options, Counters, log, random.Next());
            tasks.Add(Task.Run(async () =>
            {
                using (gridDesk)
                {
                    await GuardAsync("grid event desk", () => gridDesk.RunAsync(run.Token));
                }
            }, CancellationToken.None));
        }

        tasks.Add(ReportAsync(units.Count, run.Token));
        await Task.WhenAll(tasks);
        await log.WriteLineAsync(Counters.Format(units.Count));
        return true;
    }

    private RoadGraph? BuildRoads()
    {
        var roads = options.RoadsPath is { } path ? RoadNetworkSource.Load(path, 0, 1) : DemoRoads.Generate(size: options.DemoRoadSize);
        var graph = roads.Count == 0 ? null : RoadNetworkSource.Build(roads);
        log.WriteLine(graph is null
            ? "live: no roads; units drive straight lines"
            : $"live: {graph.SegmentCount} road segments{(options.RoadsPath is null ? " (demo network)" : "")}; units away from them drive straight lines");
        return graph;
    }

    /// <summary>One simulated party failing for an unforeseen reason is reported and stops alone; the others go on.</summary>
    private async Task GuardAsync(string who, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await log.WriteLineAsync($"live: {who} stopped: {e.GetType().Name}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private List<PatrolUnitSpec> Pick(CityModel city, Random random)
    {
        if (options.Units <= 0 || options.Units >= city.Units.Count)
        {
            return [.. city.Units];
        }

        return [.. city.Units.OrderBy(_ => random.Next()).Take(options.Units).OrderBy(u => u.Id, StringComparer.Ordinal)];
    }

    private async Task ReportAsync(int units, CancellationToken cancellationToken)
    {
        while (await HostLink.SleepAsync(options.ReportEvery, cancellationToken))
        {
            await log.WriteLineAsync("live: " + Counters.Format(units));
        }
    }
}
