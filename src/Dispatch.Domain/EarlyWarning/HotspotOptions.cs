using System.Globalization;

namespace Dispatch.Domain.EarlyWarning;

/// <summary>Settings of <see cref="HotspotDetector"/>; the defaults are the documented method (docs/early-warning.md).</summary>
public sealed class HotspotOptions
{
    /// <summary>Side of the square analysis cells; about a patrol's beat around a point.</summary>
    public double CellMeters { get; set; } = 300;

    /// <summary>Hours in one tested window of the week (windows start at every hour, so they overlap).</summary>
    public int WindowHours { get; set; } = 3;

    /// <summary>Benjamini–Hochberg false-discovery rate over all tested (cell, window) pairs.</summary>
    public double FalseDiscoveryRate { get; set; } = 0.05;

    /// <summary>A window is reported only with at least this many incidents in it over the history.</summary>
    public int MinIncidents { get; set; } = 4;

    /// <summary>The city's offset from UTC: hours of the week are local hours (Monday 00:00 is hour 0).</summary>
    public double UtcOffsetHours { get; set; } = 8;

    /// <summary>Cancelled incidents (false alarms, duplicates) are left out of the history.</summary>
    public bool ExcludeCancelled { get; set; } = true;

    public TimeSpan UtcOffset => TimeSpan.FromHours(UtcOffsetHours);

    /// <summary>Every setting that is out of range, each naming the key (under <paramref name="prefix"/>) and the value.</summary>
    public IReadOnlyList<string> Validate(string prefix = "")
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string rule, double value)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{key} {rule}, got {value}"));
            }
        }

        Check(double.IsFinite(CellMeters) && CellMeters is >= 50 and <= 5000, nameof(CellMeters), "must be within 50..5000", CellMeters);
        Check(WindowHours is >= 1 and <= 24, nameof(WindowHours), "must be within 1..24", WindowHours);
        Check(FalseDiscoveryRate is > 0 and < 0.5, nameof(FalseDiscoveryRate), "must be within (0, 0.5)", FalseDiscoveryRate);
        Check(MinIncidents is >= 1 and <= 1000, nameof(MinIncidents), "must be within 1..1000", MinIncidents);

        // Whole quarter hours, as real time zones are.
        Check(double.IsFinite(UtcOffsetHours) && UtcOffsetHours is >= -14 and <= 14 && Math.Abs((UtcOffsetHours * 4) - Math.Round(UtcOffsetHours * 4)) < 1e-9,
            nameof(UtcOffsetHours), "must be within -14..14 in quarter hours", UtcOffsetHours);
        return errors;
    }
}
