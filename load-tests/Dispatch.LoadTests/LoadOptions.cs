using System.Globalization;

namespace Dispatch.LoadTests;

/// <summary>What one load run does. Every figure is bounded, and every address the run touches is 127.0.0.1.</summary>
public sealed record LoadOptions
{
    public double DurationSeconds { get; init; } = 30;

    public int Cameras { get; init; } = 500;

    public int Units { get; init; } = 1000;

    public double PositionHz { get; init; } = 1;

    public double AlertRate { get; init; } = 20;

    /// <summary>A running host's HTTP/1.1 address (SignalR, /metrics, /health); null starts the built host as a child process.</summary>
    public Uri? Target { get; init; }

    /// <summary>The running host's gRPC (HTTP/2) port; null: the <see cref="Target"/> port + 1, as the shipped settings have it.</summary>
    public int? GrpcPort { get; init; }

    /// <summary>Camera gateways (gRPC Connect streams) the cameras are spread over, for a host this run starts.</summary>
    public int Gateways { get; init; } = 8;

    /// <summary>The credential every gateway presents to a running host (a host this run starts gets its own).</summary>
    public string GatewayCredential { get; init; } = "demo-gateway-credential";

    /// <summary>The account a running host (--target) lets the driver sign in with: operator (reads the city) and officer of every unit.</summary>
    public string Account { get; init; } = "load-driver";

    public string Password { get; init; } = "";

    /// <summary>A running host's /metrics scrape token (Dispatch:Metrics:ScrapeToken).</summary>
    public string ScrapeToken { get; init; } = "";

    /// <summary>Where a started host's temporary data directory (SQLite files, city file) goes; null: the system's temporary directory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Write the run's generated city to this GeoJSON file and stop, for a host started by hand and driven with --target.</summary>
    public string? WriteCityPath { get; init; }

    /// <summary>The built Dispatch.Server.dll to start; null finds it beside the sources.</summary>
    public string? HostDll { get; init; }

    /// <summary>Where the markdown report goes; null writes none.</summary>
    public string? ReportPath { get; init; }

    /// <summary>Redis GEO and PostGIS baselines on the same units and alerts.</summary>
    public bool Baselines { get; init; } = true;

    /// <summary>Alerts replayed against each system in the decision (saturation) phase.</summary>
    public int DecisionAlerts { get; init; } = 2000;

    /// <summary>Decisions in flight at once in the decision phase.</summary>
    public int DecisionConcurrency { get; init; } = 8;

    /// <summary>
    /// Untimed decisions each system makes before it is timed, as a long-running host would have warmed up (JIT,
    /// activations, connection pools).
    /// </summary>
    public int DecisionWarmup { get; init; } = 300;

    /// <summary>
    /// Seconds of untimed load (alerts on gateway streams of their own, positions) before the timed phase, so a host
    /// this run started is measured warm, as a long-running host would be (its JIT settled).
    /// </summary>
    public double WarmupSeconds { get; init; }

    /// <summary>
    /// Alerts per second during the warm-up; null: the timed rate up to <see cref="DefaultWarmupRateCap"/>. A warm-up at
    /// an overload rate would not warm the host but hand the timed phase a backlog, which is a different experiment.
    /// </summary>
    public double? WarmupRate { get; init; }

    public const double DefaultWarmupRateCap = 50;

    public double EffectiveWarmupRate => WarmupRate ?? Math.Min(AlertRate, DefaultWarmupRateCap);

    /// <summary>How long to wait after the last alert for assignments still in flight before counting them lost.</summary>
    public double DrainSeconds { get; init; } = 10;

    public int Seed { get; init; } = 11;

    /// <summary>Cameras watched live during the timed phase (0: none, the alert path alone).</summary>
    public int WatchCameras { get; init; }

    /// <summary>Live-view viewers (WebSockets) spread over the watched cameras in turn; null: one per camera.</summary>
    public int? WatchViewers { get; init; }

    public double WatchFps { get; init; } = 5;

    public int WatchWidthPx { get; init; } = 640;

    public int WatchHeightPx { get; init; } = 360;

    public int EffectiveWatchViewers => WatchCameras == 0 ? 0 : WatchViewers ?? WatchCameras;

    public const int MaxWatchCameras = 256;
    public const int MaxWatchViewers = 1024;

    /// <summary>Live cameras per gateway of a host this run starts (the host's default Dispatch:Video:MaxLiveCamerasPerGateway).</summary>
    public const int StartedHostLiveCamerasPerGateway = 4;

    public const double MaxDurationSeconds = 3600;
    public const int MaxUnits = 100_000;
    public const int MaxCameras = 200_000;
    public const double MaxAlertRate = 5000;
    public const double MaxPositionHz = 10;
    public const int MaxGateways = 64;

    public static string Usage => """
        usage: Dispatch.LoadTests [--duration SECONDS] [--cameras N] [--units M] [--position-hz P] [--alert-rate R]
                                  [--gateways G] [--target URL [--grpc-port PORT] [--gateway-credential SECRET]
                                   --account NAME --password SECRET --scrape-token TOKEN]
                                  [--host-dll PATH] [--data-dir DIR] [--write-city PATH] [--report PATH] [--no-baselines] [--decision-alerts K]
                                  [--decision-concurrency C] [--decision-warmup W] [--warmup SECONDS] [--warmup-rate R] [--drain SECONDS] [--seed S]
                                  [--watch-cameras N [--watch-viewers M] [--watch-fps F] [--watch-width PX] [--watch-height PX]]
        Starts the built host (or drives --target on 127.0.0.1) with N cameras behind G gRPC gateways and M patrol units
        signed in on SignalR terminals reporting positions at P Hz, sends R alerts per second for the given duration
        and times each from the gateway's send to the assignment on the officer's terminal; then replays alerts against
        the engine in this process, Redis GEO and PostGIS started on 127.0.0.1. With --watch-cameras, M operator viewers
        (default N) watch N cameras live during the timed phase, their gateways sending F fps JPEGs of the asked size.
        """;

    /// <summary>Parses command-line options over <paramref name="defaults"/>; an unknown option or a value out of range is an error naming it.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args, LoadOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = defaults ?? new LoadOptions();
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

            options = name switch
            {
                "--duration" => options with { DurationSeconds = Number(name, Value(), 1, MaxDurationSeconds) },
                "--cameras" => options with { Cameras = (int)Number(name, Value(), 0, MaxCameras) },
                "--units" => options with { Units = (int)Number(name, Value(), 1, MaxUnits) },
                "--position-hz" => options with { PositionHz = Number(name, Value(), 0, MaxPositionHz) },
                "--alert-rate" => options with { AlertRate = Number(name, Value(), 0.1, MaxAlertRate) },
                "--target" => options with { Target = Loopback(Value()) },
                "--grpc-port" => options with { GrpcPort = (int)Number(name, Value(), 1, 65535) },
                "--gateways" => options with { Gateways = (int)Number(name, Value(), 1, MaxGateways) },
                "--gateway-credential" => options with { GatewayCredential = NonEmpty(name, Value()) },
                "--account" => options with { Account = NonEmpty(name, Value()) },
                "--password" => options with { Password = NonEmpty(name, Value()) },
                "--scrape-token" => options with { ScrapeToken = NonEmpty(name, Value()) },
                "--host-dll" => options with { HostDll = NonEmpty(name, Value()) },
                "--write-city" => options with { WriteCityPath = NonEmpty(name, Value()) },
                "--data-dir" => options with { DataDirectory = ExistingDirectory(name, Value()) },
                "--report" => options with { ReportPath = Value() },
                "--no-baselines" => options with { Baselines = false },
                "--decision-alerts" => options with { DecisionAlerts = (int)Number(name, Value(), 0, 1_000_000) },
                "--decision-concurrency" => options with { DecisionConcurrency = (int)Number(name, Value(), 1, 256) },
                "--decision-warmup" => options with { DecisionWarmup = (int)Number(name, Value(), 0, 100_000) },
                "--warmup" => options with { WarmupSeconds = Number(name, Value(), 0, 600) },
                "--warmup-rate" => options with { WarmupRate = Number(name, Value(), 0.1, MaxAlertRate) },
                "--drain" => options with { DrainSeconds = Number(name, Value(), 0, 600) },
                "--seed" => options with { Seed = (int)Number(name, Value(), 0, int.MaxValue) },
                "--watch-cameras" => options with { WatchCameras = Whole(name, Value(), 0, MaxWatchCameras) },
                "--watch-viewers" => options with { WatchViewers = Whole(name, Value(), 1, MaxWatchViewers) },
                "--watch-fps" => options with { WatchFps = Number(name, Value(), 0.1, 60) },
                "--watch-width" => options with { WatchWidthPx = Whole(name, Value(), 16, 7680) },
                "--watch-height" => options with { WatchHeightPx = Whole(name, Value(), 16, 4320) },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        return CheckWatch(options, args);
    }

    /// <summary>The watch options only make sense together: refused, naming the option, when they do not.</summary>
    private static LoadOptions CheckWatch(LoadOptions options, IReadOnlyList<string> args)
    {
        if (options.WatchCameras == 0)
        {
            var stray = args.FirstOrDefault(a => a is "--watch-viewers" or "--watch-fps" or "--watch-width" or "--watch-height");
            if (stray is not null)
            {
                throw new ArgumentException($"option {stray} needs --watch-cameras N (N >= 1): no camera is watched without it");
            }

            return options;
        }

        if (options.WatchCameras > options.Cameras)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"option --watch-cameras must be at most --cameras ({options.Cameras}), got {options.WatchCameras}"));
        }

        if (options.Target is null && options.WatchCameras > StartedHostLiveCamerasPerGateway * options.Gateways)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"option --watch-cameras {options.WatchCameras} is more than the started host streams from {options.Gateways} gateways ({StartedHostLiveCamerasPerGateway} each, Dispatch:Video:MaxLiveCamerasPerGateway): raise --gateways"));
        }

        if (options.WatchViewers is { } viewers && viewers < options.WatchCameras)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"option --watch-viewers must be at least --watch-cameras ({options.WatchCameras}) so every watched camera has a viewer, got {viewers}"));
        }

        return options;
    }

    private static int Whole(string name, string text, int min, int max)
    {
        var value = Number(name, text, min, max);
        return value == Math.Floor(value) ? (int)value : throw new ArgumentException($"option {name} needs a whole number, got '{text}'");
    }

    private static string ExistingDirectory(string name, string text) =>
        Directory.Exists(text) ? Path.GetFullPath(text) : throw new ArgumentException($"option {name}: no directory at '{text}'");

    private static string NonEmpty(string name, string text) =>
        string.IsNullOrWhiteSpace(text) ? throw new ArgumentException($"option {name} needs a non-empty value") : text;

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

    /// <summary>Only loopback targets: a load run never leaves this machine.</summary>
    private static Uri Loopback(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"option --target needs an http(s) URL, got '{text}'");
        }

        if (uri.Host != "127.0.0.1")
        {
            throw new ArgumentException($"option --target must be on 127.0.0.1 (a load run never leaves this machine), got host '{uri.Host}'");
        }

        if (uri.IsDefaultPort && !text.Contains(":" + uri.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            throw new ArgumentException($"option --target needs the host's HTTP port (e.g. http://127.0.0.1:5080), got '{text}'");
        }

        return uri;
    }
}
