using System.Globalization;

namespace Dispatch.VideoBench;

/// <summary>Command-line options of the live-video benchmark.</summary>
public sealed record VideoBenchOptions
{
    public const string Usage = """
        usage: Dispatch.VideoBench [options]
          --cameras N         synthetic cameras on one gateway, all watched (default 4, 1..16)
          --viewers V         tiles in the full phase, spread over the cameras (default 16; at least --cameras)
          --pages P           Chromium pages the tiles are spread over, like operators' screens (default 4)
          --fps F             rate every tile asks for (default 5)
          --width W --height H  size every tile asks for (default 640x360)
          --camera-fps F      rate the gateway's synthetic cameras capture at (default 10)
          --duration SECONDS  measured length of each phase (default 30)
          --warmup SECONDS    unmeasured time after a phase's tiles open (default 5)
          --settle SECONDS    unmeasured time after the gateway connected, before the first phase (default 15)
          --clips on|off      the gateway records event clips too, as in service (default on; needs ffmpeg)
          --report PATH       also write the figures as markdown
        Phases: the gateway connected with nobody watching; one tile per camera; then --viewers tiles; then, with the
        pages closed, one plain WebSocket viewer per camera and --viewers of them (no browser: the host's own cost
        and latency, apart from what the pages cost this machine).
        """;

    public int Cameras { get; init; } = 4;

    public int Viewers { get; init; } = 16;

    public int Pages { get; init; } = 4;

    public double Fps { get; init; } = 5;

    public int WidthPx { get; init; } = 640;

    public int HeightPx { get; init; } = 360;

    public double CameraFps { get; init; } = 10;

    public double DurationSeconds { get; init; } = 30;

    public double WarmupSeconds { get; init; } = 5;

    /// <summary>The host just started: JIT, the city's grains, the first heartbeats; not the cost of a connected gateway.</summary>
    public double SettleSeconds { get; init; } = 15;

    public bool Clips { get; init; } = true;

    public string? ReportPath { get; init; }

    /// <summary>The options, or the error naming the bad argument.</summary>
    public static (VideoBenchOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        var options = new VideoBenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                return (null, $"{name} needs a value");
            }

            var value = args[++i];
            string? error = null;
            options = name switch
            {
                "--cameras" => options with { Cameras = Int(name, value, 1, 16, ref error) },
                "--viewers" => options with { Viewers = Int(name, value, 1, 256, ref error) },
                "--pages" => options with { Pages = Int(name, value, 1, 64, ref error) },
                "--fps" => options with { Fps = Number(name, value, 0.5, 30, ref error) },
                "--width" => options with { WidthPx = Int(name, value, 64, 1920, ref error) },
                "--height" => options with { HeightPx = Int(name, value, 64, 1080, ref error) },
                "--camera-fps" => options with { CameraFps = Number(name, value, 1, 30, ref error) },
                "--duration" => options with { DurationSeconds = Number(name, value, 1, 600, ref error) },
                "--warmup" => options with { WarmupSeconds = Number(name, value, 0, 120, ref error) },
                "--settle" => options with { SettleSeconds = Number(name, value, 0, 300, ref error) },
                "--clips" => value is "on" or "off" ? options with { Clips = value == "on" } : Fail(options, $"--clips must be on or off, got '{value}'", ref error),
                "--report" => options with { ReportPath = value },
                _ => Fail(options, $"unknown option '{name}'", ref error),
            };
            if (error is not null)
            {
                return (null, error);
            }
        }

        if (options.Viewers < options.Cameras)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"--viewers {options.Viewers} must be at least --cameras {options.Cameras}: every camera is watched"));
        }

        if (options.Pages > options.Viewers)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"--pages {options.Pages} must be at most --viewers {options.Viewers}"));
        }

        return (options, null);
    }

    private static VideoBenchOptions Fail(VideoBenchOptions options, string message, ref string? error)
    {
        error = message;
        return options;
    }

    private static int Int(string name, string text, int min, int max, ref string? error)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        error = string.Create(CultureInfo.InvariantCulture, $"{name} must be a whole number within {min}..{max}, got '{text}'");
        return 0;
    }

    private static double Number(string name, string text, double min, double max, ref string? error)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        error = string.Create(CultureInfo.InvariantCulture, $"{name} must be a number within {min}..{max}, got '{text}'");
        return 0;
    }
}
