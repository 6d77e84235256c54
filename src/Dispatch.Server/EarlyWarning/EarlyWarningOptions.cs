using System.Globalization;
using Dispatch.Domain.EarlyWarning;

namespace Dispatch.Server.EarlyWarning;

/// <summary>Early warning (appsettings "Dispatch:EarlyWarning"): hotspots from the incident history and rising alert rates.</summary>
public sealed class EarlyWarningOptions
{
    public const string SectionName = "Dispatch:EarlyWarning";

    /// <summary>How far back the hotspot history reaches.</summary>
    public int HistoryDays { get; set; } = 56;

    /// <summary>Hotspots are recomputed at most this often (and on demand after it).</summary>
    public double RefreshMinutes { get; set; } = 60;

    /// <summary>Units a hotspot patrol sends unless the operator asks for another number.</summary>
    public int PatrolUnits { get; set; } = 2;

    public const int MaxPatrolUnits = 20;

    public HotspotOptions Hotspots { get; set; } = new();

    public AlertRateOptions AlertRates { get; set; } = new();

    /// <summary>Sensor groups (e.g. the probes along one railway line): group name to the device (camera) ids in it.</summary>
    public Dictionary<string, List<string>> SensorGroups { get; set; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HistoryDays is < 7 or > 730)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:HistoryDays must be within 7..730, got {HistoryDays}"));
        }

        if (!double.IsFinite(RefreshMinutes) || RefreshMinutes is < 0 or > 24 * 60)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:RefreshMinutes must be within 0..1440, got {RefreshMinutes}"));
        }

        if (PatrolUnits is < 1 or > MaxPatrolUnits)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:PatrolUnits must be within 1..{MaxPatrolUnits}, got {PatrolUnits}"));
        }

        errors.AddRange(Hotspots.Validate($"{SectionName}:Hotspots:"));
        errors.AddRange(AlertRates.Validate($"{SectionName}:AlertRates:"));
        foreach (var (group, devices) in SensorGroups)
        {
            if (string.IsNullOrWhiteSpace(group) || devices is not { Count: > 0 } || devices.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{SectionName}:SensorGroups:{group} must list one or more device ids");
            }
        }

        return errors;
    }
}
