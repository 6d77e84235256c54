using System.Globalization;

namespace Dispatch.Domain.Roads;

/// <summary>Parses OSM "maxspeed" values.</summary>
public static class MaxSpeed
{
    private const double KmhPerMph = 1.609344;

    /// <summary>
    /// The limit in km/h: null for an absent value or "none"/"signals"/"variable" (no fixed limit);
    /// an error naming the value for anything that is not a speed. Accepts "50", "50 km/h", "50kmh",
    /// "50 kph", "30 mph", and implicit zone values such as "CN:urban" or "DE:motorway".
    /// </summary>
    public static Result<double?> Parse(string? value)
    {
        if (value is null)
        {
            return Result<double?>.Ok(null);
        }

        var text = value.Trim();
        if (text.Length == 0 || text is "none" or "signals" or "variable")
        {
            return Result<double?>.Ok(null);
        }

        var zone = ImplicitZone(text);
        if (zone is not null)
        {
            return Result<double?>.Ok(zone);
        }

        var factor = 1.0;
        var number = text;
        foreach (var (suffix, suffixFactor) in Units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                number = text[..^suffix.Length].TrimEnd();
                factor = suffixFactor;
                break;
            }
        }

        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var speed) || speed <= 0 || speed > 300)
        {
            return Result<double?>.Fail($"maxspeed \"{value}\" is not a speed (expected e.g. \"50\", \"50 km/h\" or \"30 mph\")");
        }

        return Result<double?>.Ok(speed * factor);
    }

    private static readonly (string Suffix, double Factor)[] Units =
    [
        ("km/h", 1), ("kmh", 1), ("kph", 1), ("mph", KmhPerMph), ("knots", 1.852),
    ];

    /// <summary>Country zone values ("CN:urban"): the usual urban, rural, motorway and living-street limits.</summary>
    private static double? ImplicitZone(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon is < 2 or > 3)
        {
            return null;
        }

        return text[(colon + 1)..] switch
        {
            "urban" => 50,
            "rural" => 80,
            "trunk" => 100,
            "motorway" => 120,
            "living_street" => 20,
            "walk" => 7,
            _ => null,
        };
    }
}
