using System.Globalization;

namespace Dispatch.Simulator;

/// <summary>A command-line mistake: printed with the usage, exit code 64 (EX_USAGE).</summary>
public sealed class CommandLineException(string message) : Exception(message);

/// <summary>Input the command cannot work with (a road file of another place, one without roads): printed, exit code 65 (EX_DATAERR).</summary>
public sealed class InputException(string message) : Exception(message)
{
    public const int ExitCode = 65;
}

/// <summary>"--name value" options after the subcommand.</summary>
public sealed class CommandLine
{
    public const int UsageExitCode = 64;

    public const string Usage = """
        usage: Dispatch.Simulator <command> [options]
          scenario   [--seed N] [--incidents N] [--speed X] [--rate-per-hour N] [--ignore-percent P] [--keep-db]
                     drive the real grains (in-process silo) with seeded incidents and simulated officers; one summary line
          day        --seed N [--city FILE] [--roads FILE] [--incidents N] [--size X] [--return-home] [--min-road-coverage F]
                     [--clusters N] [--cluster-rate X] [--history-weeks N] [--weekday DAY] [--max-patrols N]
                     simulate one day (background plus planted space-time clusters) under four dispatch policies, the
                     fourth patrolling the hotspots found in the preceding weeks; one line of 1/3/5 compliance per policy;
                     --roads without --city runs on a city generated from those roads when the demo city lies off them
          eta-bench  [--seed N] [--roads FILE] [--size X] [--queries N] [--units N]
                     time road ETA searches (all units to one incident) on the demo road network
          coverage   [--seed N] [--city FILE] [--roads FILE] [--busy-share X] [--moves N] [--out-cells FILE] [--out-grids FILE] [--min-road-coverage F]
                     1/3/5-minute coverage with all units and with a share busy; lost grids and move-ups
          roads      [--seed N] [--size X] --out FILE
                     write the demo road network as GeoJSON
          city       --roads FILE --out FILE [--seed N] [--name TEXT] [--grid-meters M] [--units-per-station N]
                     [--cameras-per-grid N] [--max-grids N]
                     write a plausible city over any road file (grids, a station per grid on a road, units, cameras
                     along roads), the same for the same seed; for day --city and the host's Dispatch:City:Path
          live       --host URL [--units N] [--duration S] [--seed N] [--incident-every S] [--position-every S] [--roads FILE] [--speed X]
                     patrol terminals and a call-taker against a running host, over its SignalR hubs
        """;

    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public CommandLine(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length == 2)
            {
                throw new CommandLineException($"expected an option (--name), got \"{name}\"");
            }

            var hasValue = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _options[name[2..]] = hasValue ? args[++i] : null;
        }
    }

    /// <summary>Refuses options the command does not know, so a typo is not silently ignored.</summary>
    public CommandLine Allow(params string[] names)
    {
        var unknown = _options.Keys.Where(k => !names.Contains(k, StringComparer.Ordinal)).ToList();
        return unknown.Count == 0
            ? this
            : throw new CommandLineException($"unknown option(s) {string.Join(", ", unknown.Select(u => "--" + u))}; this command takes {string.Join(", ", names.Select(n => "--" + n))}");
    }

    public bool Flag(string name) => _options.ContainsKey(name);

    public string? Text(string name) => _options.TryGetValue(name, out var value) ? value : null;

    public int Int(string name, int fallback)
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new CommandLineException($"--{name} must be a whole number >= 0, got \"{text}\"");
    }

    public double Double(string name, double fallback)
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0
            ? value
            : throw new CommandLineException($"--{name} must be a number > 0, got \"{text}\"");
    }

    /// <summary>A share in [0, 1].</summary>
    public double Fraction(string name)
    {
        var text = Text(name);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new CommandLineException($"--{name} must be a number from 0 to 1, got \"{text}\"");
    }

    /// <summary>The path given for <paramref name="name"/>, which must name an existing file.</summary>
    public string? ExistingFile(string name)
    {
        var path = Text(name);
        return path is null || File.Exists(path) ? path : throw new CommandLineException($"--{name}: no such file \"{path}\"");
    }
}
