using System.Globalization;

namespace Dispatch.Simulator.Live;

/// <summary>What the <c>live</c> command runs against and how its officers behave; spans are wall-clock time.</summary>
public sealed record LiveSimulationOptions
{
    public const string Usage = """
        usage: Dispatch.Simulator live --host URL[,URL...] --accounts FILE [--units N] [--duration S] [--seed N] [--incident-every S]
                                       [--position-every S] [--roads FILE] [--speed X] [--report S]
                                       [--grid-event-every S] [--resident-requests-per-hour N]
          --host URL[,URL...]  the running host's HTTP address, e.g. http://127.0.0.1:5080; more than one: the
                               hosts of one cluster, terminals spread over them and moved to the next when theirs is lost
          --accounts FILE      who signs in: the host's data/demo-accounts.txt, or tab-separated lines
                               "account NAME PASSWORD ROLES UNITS" (an operator for the call-taker, officers for units)
          --units N            simulated patrol units, picked at random from the host's city (0 or omitted: all)
          --duration S         stop after S seconds (0 or omitted: run until Ctrl+C)
          --seed N             seed of the officers' choices (default 1)
          --incident-every S   mean seconds between reported incidents (110 calls); 0 for none (default 40)
          --position-every S   seconds between GPS fixes of a moving unit (default 2)
          --roads FILE         road network GeoJSON (default: the demo road network); units drive along it
          --speed X            driving speed multiplier over the road speeds (default 1)
          --report S           seconds between status lines (default 30)
          --grid-event-every S mean seconds between grid events reported by grid workers and residents, which
                               the command centre and the departments then work through; 0 for none (default 90)
          --resident-requests-per-hour N
                               requests the simulated residents make without an account per hour, kept under the
                               host's Dispatch:GridEvents:ResidentRequestsPerHourPerAddress (default 15)
        """;

    public required Uri Host { get; init; }

    /// <summary>The other hosts of <c>--host</c>'s list, in order (the hosts of one cluster).</summary>
    public IReadOnlyList<Uri> FailoverHosts { get; init; } = [];

    /// <summary><see cref="Host"/> and then <see cref="FailoverHosts"/>.</summary>
    public IReadOnlyList<Uri> Hosts => [Host, .. FailoverHosts];

    /// <summary>0: every unit of the city.</summary>
    public int Units { get; init; }

    /// <summary>The accounts the call-taker and the terminals sign in with.</summary>
    public IReadOnlyList<SimulatorAccount> Accounts { get; init; } = [];

    /// <summary>Null: until cancelled.</summary>
    public TimeSpan? Duration { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>Mean time between incidents the simulator reports through the operations hub; null for none.</summary>
    public TimeSpan? IncidentEvery { get; init; } = TimeSpan.FromSeconds(40);

    public TimeSpan PositionEvery { get; init; } = TimeSpan.FromSeconds(2);

    public string? RoadsPath { get; init; }

    /// <summary>Demo road network coarseness (1: about 20,000 roads); coarser builds faster and routes the same arterials.</summary>
    public double DemoRoadSize { get; init; } = 0.5;

    public double SpeedFactor { get; init; } = 1;

    public TimeSpan ReportEvery { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan AckDelayMin { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan AckDelayMax { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan EnRouteDelayMax { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan OnSceneMin { get; init; } = TimeSpan.FromSeconds(45);

    public TimeSpan OnSceneMax { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan ClearingMin { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A station's responders leave this long after their station was committed to an incident.</summary>
    public TimeSpan StationMuster { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How fast a station's responders cover the straight line to the scene (running).</summary>
    public double StationRunMetersPerSecond { get; init; } = 3;

    public TimeSpan ClearingMax { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A patrolling unit parks this long at the end of each leg of its beat.</summary>
    public TimeSpan ParkMin { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ParkMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Beat legs end this far (at most) from the unit's shift start.</summary>
    public double BeatRadiusMeters { get; init; } = 1500;

    /// <summary>New connections are spread over this span at start, so the host is not hit by all of them at once.</summary>
    public TimeSpan StartSpread { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between attempts to reach the host.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Mean time between grid events the simulator reports (grid workers and residents); null for none.</summary>
    public TimeSpan? GridEventEvery { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Share of grid events reported by residents without an account (while their requests fit the throttle).</summary>
    public double ResidentShare { get; init; } = 0.3;

    /// <summary>The simulated residents' requests per hour (reports and ratings), kept under the host's per-address throttle.</summary>
    public int ResidentRequestsPerHour { get; init; } = 15;

    /// <summary>Share of resolved grid events their reporter rates.</summary>
    public double GridRatingShare { get; init; } = 0.6;

    /// <summary>Categories reported (null: every category of the host's catalog, weighted like the simulated day).</summary>
    public IReadOnlySet<string>? GridCategories { get; init; }

    /// <summary>How often the desk looks at its open grid events.</summary>
    public TimeSpan GridScanEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The command centre accepts, then assigns, this long after the previous step.</summary>
    public TimeSpan GridAcceptDelayMin { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan GridAcceptDelayMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A department starts on an assigned (or escalated) event this long after it arrived.</summary>
    public TimeSpan GridStartDelayMin { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan GridStartDelayMax { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Handling on site, from start to resolved.</summary>
    public TimeSpan GridHandlingMin { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan GridHandlingMax { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The reporter rates (or the command centre closes) this long after resolution.</summary>
    public TimeSpan GridRateDelayMin { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan GridRateDelayMax { get; init; } = TimeSpan.FromSeconds(90);

    public static TimeSpan Between(Random random, TimeSpan min, TimeSpan max) =>
        max <= min ? min : min + ((max - min) * random.NextDouble());

    /// <summary>Reads the command line; the error names the bad value.</summary>
    public static (LiveSimulationOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        try
        {
            var line = new CommandLine(args).Allow("host", "accounts", "units", "duration", "seed", "incident-every", "position-every", "roads", "speed", "report",
                "grid-event-every", "resident-requests-per-hour");
            var hostText = line.Text("host") ?? throw new CommandLineException("--host is required, e.g. --host http://127.0.0.1:5080");
            var hosts = ParseHosts(hostText);
            var incidentEvery = line.Text("incident-every") is "0" ? 0 : line.Double("incident-every", 40);
            var duration = line.Text("duration") is "0" ? 0 : line.Double("duration", 0);
            var gridEventEvery = line.Text("grid-event-every") is "0" ? 0 : line.Double("grid-event-every", 90);
            var residentRequests = line.Int("resident-requests-per-hour", 15);

            return (new LiveSimulationOptions
            {
                Host = hosts[0],
                FailoverHosts = [.. hosts.Skip(1)],
                Accounts = SimulatorAccounts.Read(line.ExistingFile("accounts") ?? throw new CommandLineException("--accounts FILE is required, e.g. --accounts data/demo-accounts.txt")),
                Units = line.Int("units", 0),
                Duration = duration > 0 ? TimeSpan.FromSeconds(duration) : null,
                Seed = line.Int("seed", 1),
                IncidentEvery = incidentEvery > 0 ? TimeSpan.FromSeconds(incidentEvery) : null,
                PositionEvery = TimeSpan.FromSeconds(line.Double("position-every", 2)),
                RoadsPath = line.ExistingFile("roads"),
                SpeedFactor = line.Double("speed", 1),
                ReportEvery = TimeSpan.FromSeconds(line.Double("report", 30)),
                GridEventEvery = gridEventEvery > 0 ? TimeSpan.FromSeconds(gridEventEvery) : null,
                ResidentRequestsPerHour = residentRequests,
            }, null);
        }
        catch (CommandLineException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>A comma-separated list of hosts, each an absolute http(s) URL, none twice; anything else is refused naming the value.</summary>
    public static IReadOnlyList<Uri> ParseHosts(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hosts = text.Split(',', StringSplitOptions.TrimEntries).Select(ParseHost).ToList();
        if (hosts.GroupBy(h => h).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new CommandLineException($"--host names {twice.Key} twice in \"{text}\"");
        }

        return hosts;
    }

    /// <summary>An absolute http(s) URL; anything else is refused naming the value.</summary>
    public static Uri ParseHost(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw new CommandLineException($"--host must be an http(s) URL such as http://127.0.0.1:5080, got \"{text}\"");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    internal static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
}
