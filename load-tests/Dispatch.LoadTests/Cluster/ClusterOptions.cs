using System.Globalization;

namespace Dispatch.LoadTests.Cluster;

/// <summary>The fault a cluster run injects into the load.</summary>
public enum FaultKind
{
    /// <summary>No fault: the 1-silo vs N-silo comparison.</summary>
    None,

    /// <summary>SIGKILL one silo, start it again after a while (as an operator would).</summary>
    Kill9,

    /// <summary>SIGTERM each silo in turn and start it again, waiting for it to be ready before the next.</summary>
    Rolling,

    /// <summary>Stop PostgreSQL for a while and start it again.</summary>
    Postgres,
}

/// <summary>
/// A cluster fault run: the load of <see cref="Load"/> (units, cameras, gateways, alert rate, duration, drain) on
/// <see cref="Silos"/> hosts in one cluster (Redis membership, the record on PostgreSQL), with <see cref="Fault"/>
/// injected <see cref="FaultAtSeconds"/> into the load phase.
/// </summary>
public sealed record ClusterOptions
{
    public const int MaxSilos = 5;
    public const double MaxFaultSeconds = 600;

    /// <summary>The load's defaults for a cluster run: the 2,000 units, 2,000 cameras, 20 alerts/s, for 120 s.</summary>
    public static LoadOptions DefaultLoad { get; } = new()
    {
        DurationSeconds = 120,
        Units = 2000,
        Cameras = 2000,
        AlertRate = 20,
        PositionHz = 0.2,
        DrainSeconds = 30,
        Baselines = false,
        DecisionAlerts = 0,
    };

    public LoadOptions Load { get; init; } = DefaultLoad;

    public int Silos { get; init; } = 3;

    public FaultKind Fault { get; init; } = FaultKind.None;

    /// <summary>Seconds into the load phase when the fault starts; null: a third of the duration.</summary>
    public double? FaultAtSeconds { get; init; }

    /// <summary>kill9: seconds after the kill when the killed silo is started again.</summary>
    public double RestartAfterSeconds { get; init; } = 20;

    /// <summary>postgres: seconds PostgreSQL stays down.</summary>
    public double PostgresDownSeconds { get; init; } = 20;

    /// <summary>rolling: seconds between a silo ready again and the next one stopped.</summary>
    public double RollingPauseSeconds { get; init; } = 5;

    /// <summary>rolling: how long a stopped silo may take to exit before it is killed (and that is reported).</summary>
    public double StopWithinSeconds { get; init; } = 60;

    /// <summary>Which silo kill9 kills (0-based; the first is the one that created the tables).</summary>
    public int Victim { get; init; }

    public double FaultAt => FaultAtSeconds ?? Load.DurationSeconds / 3;

    /// <summary>Options of the load driver a cluster run takes; the others (a running target, decision phase, baselines) are not for it.</summary>
    private static readonly HashSet<string> LoadOptionNames = new(StringComparer.Ordinal)
    {
        "--duration", "--units", "--cameras", "--position-hz", "--alert-rate", "--gateways", "--drain", "--seed", "--host-dll", "--data-dir", "--report",
    };

    public static string Usage => """
        usage: Dispatch.LoadTests cluster [--silos N] [--fault none|kill9|rolling|postgres] [--fault-at SECONDS]
                                          [--restart-after SECONDS] [--postgres-down SECONDS] [--rolling-pause SECONDS]
                                          [--stop-within SECONDS] [--victim I]
                                          [--duration SECONDS] [--units M] [--cameras N] [--gateways G] [--alert-rate R]
                                          [--position-hz P] [--drain SECONDS] [--seed S] [--host-dll PATH] [--data-dir DIR] [--report PATH]
        Starts PostgreSQL and Redis (Debian's packages, 127.0.0.1, temporary folders) and N hosts in one cluster, drives
        them with gateways that fail over across every host's gRPC port and terminals spread over the hosts that sign in
        on another when theirs is lost, injects the fault, then checks the record: acked alerts and their incidents
        kept, no unit on two incidents at once.
        """;

    /// <summary>Parses the arguments after "cluster"; an unknown option or a value out of range is an error naming it.</summary>
    public static ClusterOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ClusterOptions();
        var load = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"option {name} needs a value");
                }

                return args[++i];
            }

            if (LoadOptionNames.Contains(name))
            {
                load.Add(name);
                load.Add(Value());
                continue;
            }

            options = name switch
            {
                "--silos" => options with { Silos = (int)Number(name, Value(), 1, MaxSilos) },
                "--fault" => options with { Fault = ParseFault(Value()) },
                "--fault-at" => options with { FaultAtSeconds = Number(name, Value(), 0, LoadOptions.MaxDurationSeconds) },
                "--restart-after" => options with { RestartAfterSeconds = Number(name, Value(), 0, MaxFaultSeconds) },
                "--postgres-down" => options with { PostgresDownSeconds = Number(name, Value(), 1, MaxFaultSeconds) },
                "--rolling-pause" => options with { RollingPauseSeconds = Number(name, Value(), 0, MaxFaultSeconds) },
                "--stop-within" => options with { StopWithinSeconds = Number(name, Value(), 1, MaxFaultSeconds) },
                "--victim" => options with { Victim = (int)Number(name, Value(), 0, MaxSilos - 1) },
                "--target" or "--grpc-port" or "--gateway-credential" or "--account" or "--password" or "--scrape-token" or "--write-city"
                    or "--no-baselines" or "--decision-alerts" or "--decision-concurrency" or "--decision-warmup" or "--warmup" =>
                    throw new ArgumentException($"option {name} is not for a cluster run (it starts its own hosts and has no decision phase)"),
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        options = options with { Load = LoadOptions.Parse(load, DefaultLoad) };
        if (options.FaultAt >= options.Load.DurationSeconds && options.Fault != FaultKind.None)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"option --fault-at must be inside the load phase (under --duration {options.Load.DurationSeconds}), got {options.FaultAt}"));
        }

        if (options.Victim >= options.Silos)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"option --victim must name one of the {options.Silos} silos (0..{options.Silos - 1}), got {options.Victim}"));
        }

        return options;
    }

    private static FaultKind ParseFault(string text) => text switch
    {
        "none" => FaultKind.None,
        "kill9" => FaultKind.Kill9,
        "rolling" => FaultKind.Rolling,
        "postgres" => FaultKind.Postgres,
        _ => throw new ArgumentException($"option --fault must be none, kill9, rolling or postgres, got '{text}'"),
    };

    /// <summary>The fault's name as the command line spells it.</summary>
    public static string Name(FaultKind fault) => fault switch
    {
        FaultKind.Kill9 => "kill9",
        FaultKind.Rolling => "rolling",
        FaultKind.Postgres => "postgres",
        _ => "none",
    };

    private static double Number(string name, string text, double min, double max)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw new ArgumentException($"option {name} needs a number, got '{text}'");
        }

        if (value < min || value > max)
        {
            throw new ArgumentException($"option {name} must be within {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}, got {text}");
        }

        return value;
    }
}
