using System.Globalization;

namespace Dispatch.Gateway;

/// <summary>Command-line options of the gateway.</summary>
public sealed record GatewayOptions
{
    public const string Usage = """
        usage: dispatch-gateway [options]
          --server URL[,URL...] dispatch service gRPC endpoint (default http://127.0.0.1:5081); more than
                                one: hosts of one cluster, the next tried at once when one is lost
          --gateway-id ID       this gateway's registered id (default gw-1)
          --credential SECRET   its credential (default: $DISPATCH_GATEWAY_CREDENTIAL, else empty)
          --cameras N           number of cameras on --source (default 1)
          --source SRC          synthetic | video file | rtsp:// or http:// URL (default synthetic)
          --config FILE         camera file (JSON: sources, locations, zones, lines); replaces --cameras/--source
          --detector NAME       hog | motion-blob (default: motion-blob for synthetic, hog otherwise)
          --fps N               pace each camera to N frames/s; 0 = as fast as analytics allow
                                (default: the source's own rate, 10 for synthetic)
          --width W --height H  synthetic frame size (default 640x360)
          --duration SECONDS    stop by itself after this long (default: run until Ctrl+C)
          --frames N            stop once every camera has analysed N frames (replays, benchmarks)
          --spool DIR           where unacknowledged alerts are kept (default ./spool)
          --drain SECONDS       after --duration, keep delivering up to this long while alerts
                                are unacknowledged (default 3); the rest stay spooled
          --report SECONDS      progress line interval (default 5)
          --lat DEG --lon DEG   location of the first synthetic camera; others spread 100 m apart
          --live on|off         answer the service's live-view requests (default on)
          --max-live N          at most N cameras streamed live at once (default 4)
          --clips on|off        record an event clip with every alert, as long before and after it as the
                                service asks (default on; needs ffmpeg with libvpx)
          --clip-fps N          frames per second in clips (default 5)
          --ffmpeg PATH         the ffmpeg that encodes clips (default: ffmpeg on PATH)
          --frozen-after SECONDS  a picture unchanged this long is reported frozen (default 10)
          --dark-after SECONDS  a black or covered picture this long is reported dark (default 5)
        A camera whose source cannot be opened is retried (1 s doubling to 60 s, with jitter) and reported
        offline to the service in heartbeats, with the reason.
        exit status: 0 done; 1 spool, file or configuration error; 3 no camera delivered a frame; 64 bad option
        """;

    public Uri Server { get; init; } = new("http://127.0.0.1:5081");

    /// <summary>The other hosts of <c>--server</c>'s list, in order.</summary>
    public IReadOnlyList<Uri> FailoverServers { get; init; } = [];

    public string GatewayId { get; init; } = "gw-1";

    public string Credential { get; init; } = Environment.GetEnvironmentVariable("DISPATCH_GATEWAY_CREDENTIAL") ?? string.Empty;

    public int Cameras { get; init; } = 1;

    public string Source { get; init; } = "synthetic";

    public string? ConfigFile { get; init; }

    public string? Detector { get; init; }

    public double? Fps { get; init; }

    public int Width { get; init; } = 640;

    public int Height { get; init; } = 360;

    public TimeSpan? Duration { get; init; }

    public long? FramesPerCamera { get; init; }

    public string SpoolDirectory { get; init; } = "spool";

    public TimeSpan ReportEvery { get; init; } = TimeSpan.FromSeconds(5);

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    /// <summary>After --duration, how long to keep delivering so in-flight alerts get their acks.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before opening a camera stream again after it failed; doubles up to <see cref="CameraRetryMax"/>.</summary>
    public TimeSpan CameraRetryInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan CameraRetryMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Live views and event clips.</summary>
    public Video.GatewayVideoOptions Video { get; init; } = new();

    /// <summary>When a picture counts as frozen or dark.</summary>
    public Vision.Health.PictureHealthSettings Picture { get; init; } = new();

    public static GatewayOptions Parse(IReadOnlyList<string> args)
    {
        var options = new GatewayOptions();
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
                "--server" => WithServers(options, Value()),
                "--gateway-id" => options with { GatewayId = NonEmpty(name, Value()) },
                "--credential" => options with { Credential = Value() },
                "--cameras" => options with { Cameras = ParseInt(name, Value(), 1, 1024) },
                "--source" => options with { Source = NonEmpty(name, Value()) },
                "--config" => options with { ConfigFile = NonEmpty(name, Value()) },
                "--detector" => options with { Detector = ParseDetector(Value()) },
                "--fps" => options with { Fps = ParseDouble(name, Value(), 0, 1000) },
                "--width" => options with { Width = ParseInt(name, Value(), 64, 7680) },
                "--height" => options with { Height = ParseInt(name, Value(), 64, 4320) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(ParseDouble(name, Value(), 0.1, 365 * 86400)) },
                "--frames" => options with { FramesPerCamera = ParseInt(name, Value(), 1, int.MaxValue) },
                "--spool" => options with { SpoolDirectory = NonEmpty(name, Value()) },
                "--drain" => options with { DrainTimeout = TimeSpan.FromSeconds(ParseDouble(name, Value(), 0, 3600)) },
                "--report" => options with { ReportEvery = TimeSpan.FromSeconds(ParseDouble(name, Value(), 0.1, 3600)) },
                "--lat" => options with { Latitude = ParseDouble(name, Value(), -90, 90) },
                "--lon" => options with { Longitude = ParseDouble(name, Value(), -180, 180) },
                "--live" => options with { Video = options.Video with { LiveView = ParseSwitch(name, Value()) } },
                "--max-live" => options with { Video = options.Video with { MaxLiveViews = ParseInt(name, Value(), 1, 64) } },
                "--clips" => options with { Video = options.Video with { Clips = ParseSwitch(name, Value()) } },
                "--clip-fps" => options with { Video = options.Video with { ClipSettings = options.Video.ClipSettings with { Fps = ParseDouble(name, Value(), 1, 30) } } },
                "--ffmpeg" => options with { Video = options.Video with { FfmpegPath = NonEmpty(name, Value()) } },
                "--frozen-after" => options with { Picture = options.Picture with { FrozenAfterSeconds = ParseDouble(name, Value(), 1, 3600) } },
                "--dark-after" => options with { Picture = options.Picture with { DarkAfterSeconds = ParseDouble(name, Value(), 1, 3600) } },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        return options;
    }

    private static GatewayOptions WithServers(GatewayOptions options, string value)
    {
        var servers = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ParseUri).ToList();
        return servers.Count == 0
            ? throw new ArgumentException("--server needs at least one http:// or https:// URL")
            : options with { Server = servers[0], FailoverServers = servers.Skip(1).ToList() };
    }

    private static Uri ParseUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"--server '{value}' is not an http:// or https:// URL");

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"option {name} needs a non-empty value") : value;

    private static bool ParseSwitch(string name, string value) => value switch
    {
        "on" => true,
        "off" => false,
        _ => throw new ArgumentException($"option {name} '{value}' must be on or off"),
    };

    private static string ParseDetector(string value) =>
        value is "hog" or "motion-blob" ? value : throw new ArgumentException($"--detector '{value}' must be hog or motion-blob");

    private static int ParseInt(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"option {name} '{value}' must be a whole number from {min} to {max}");

    private static double ParseDouble(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"option {name} '{value}' must be a number from {min} to {max}");
}
