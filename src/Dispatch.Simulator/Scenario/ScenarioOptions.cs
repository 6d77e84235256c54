using System.Globalization;

namespace Dispatch.Simulator.Scenario;

/// <summary>What a scenario run does: the city and incident stream seed, how many incidents, how fast.</summary>
public sealed record ScenarioOptions
{
    public const string Usage = """
        usage: scenario [--seed N] [--incidents N] [--speed X] [--rate-per-hour X] [--ignore-percent X] [--keep-db]
          --seed N             seed of the demo city, the incident stream and the officers (default 7)
          --incidents N        incidents to report (default 2000)
          --speed X            simulated seconds per real second (default 60)
          --rate-per-hour X    incidents per simulated hour, Poisson arrivals (default 600)
          --ignore-percent X   share of dispatches an officer never acknowledges, in % (default 4)
          --keep-db            keep the SQLite file (grain state and journal) and print its path
        """;

    public int Seed { get; init; } = 7;

    public int Incidents { get; init; } = 2000;

    public double Speed { get; init; } = 60;

    public double RatePerHour { get; init; } = 600;

    public double IgnorePercent { get; init; } = 4;

    public bool KeepDatabase { get; init; }

    /// <summary>The options named in <paramref name="args"/> (a leading "scenario" is skipped), or an error naming the bad value.</summary>
    public static (ScenarioOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ScenarioOptions();
        var start = args.Count > 0 && args[0] == "scenario" ? 1 : 0;
        for (var i = start; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--keep-db")
            {
                options = options with { KeepDatabase = true };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                return (null, name.StartsWith("--", StringComparison.Ordinal) ? $"option {name} needs a value" : $"unexpected argument '{name}'");
            }

            var value = args[++i];
            string? error = null;
            switch (name)
            {
                case "--seed":
                    error = ParseInteger(value, name, minimum: int.MinValue, out var seed);
                    options = options with { Seed = seed };
                    break;
                case "--incidents":
                    error = ParseInteger(value, name, minimum: 1, out var incidents);
                    options = options with { Incidents = incidents };
                    break;
                case "--speed":
                    error = ParseNumber(value, name, 0, double.PositiveInfinity, out var speed);
                    options = options with { Speed = speed };
                    break;
                case "--rate-per-hour":
                    error = ParseNumber(value, name, 0, double.PositiveInfinity, out var rate);
                    options = options with { RatePerHour = rate };
                    break;
                case "--ignore-percent":
                    error = ParseNumber(value, name, -1e-9, 100, out var percent);
                    options = options with { IgnorePercent = percent };
                    break;
                default:
                    error = $"unknown option '{name}'";
                    break;
            }

            if (error is not null)
            {
                return (null, error);
            }
        }

        return (options, null);
    }

    private static string? ParseInteger(string value, string name, int minimum, out int parsed) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out parsed) && parsed >= minimum
            ? null
            : minimum == 1 ? $"{name} must be a whole number > 0, got '{value}'" : $"{name} must be a whole number, got '{value}'";

    /// <summary>Accepts a finite number above <paramref name="above"/> and at most <paramref name="atMost"/>.</summary>
    private static string? ParseNumber(string value, string name, double above, double atMost, out double parsed) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out parsed) && double.IsFinite(parsed) && parsed > above && parsed <= atMost
            ? null
            : double.IsPositiveInfinity(atMost) ? $"{name} must be a number > 0, got '{value}'" : $"{name} must be a number from 0 to {atMost}, got '{value}'";
}
