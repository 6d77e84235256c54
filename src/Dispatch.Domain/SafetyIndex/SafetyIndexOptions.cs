using System.Globalization;

namespace Dispatch.Domain.SafetyIndex;

/// <summary>How much each indicator counts in the index; an indicator without data drops out and the others share its weight.</summary>
public sealed class SafetyIndexWeights
{
    /// <summary>Incidents per 10,000 residents per day, weighted by type (fewer is safer).</summary>
    public double Incidents { get; set; } = 30;

    /// <summary>1/3/5-minute tiers met of those decided.</summary>
    public double TierCompliance { get; set; } = 20;

    /// <summary>Cameras online of those reported by their gateways.</summary>
    public double Cameras { get; set; } = 10;

    /// <summary>Grid events resolved within their time limit of those decided.</summary>
    public double GridEventsWithinSla { get; set; } = 15;

    /// <summary>Residents' and grid workers' ratings of resolved grid events.</summary>
    public double Satisfaction { get; set; } = 15;

    /// <summary>Reports (incidents and grid events) not at a place reported again and again.</summary>
    public double RepeatLocations { get; set; } = 10;

    public IEnumerable<(string Name, double Weight)> All() =>
    [
        (SafetyIndexFormula.IncidentsName, Incidents),
        (SafetyIndexFormula.TierComplianceName, TierCompliance),
        (SafetyIndexFormula.CamerasName, Cameras),
        (SafetyIndexFormula.GridEventsWithinSlaName, GridEventsWithinSla),
        (SafetyIndexFormula.SatisfactionName, Satisfaction),
        (SafetyIndexFormula.RepeatLocationsName, RepeatLocations),
    ];
}

/// <summary>The safety index (平安指数): weights, scales and the local day (appsettings "Dispatch:SafetyIndex", docs/safety-index.md).</summary>
public sealed class SafetyIndexOptions
{
    public const string SectionName = "Dispatch:SafetyIndex";

    /// <summary>The city's offset from UTC: days and weeks are the city's local ones.</summary>
    public double UtcOffsetHours { get; set; } = 8;

    public SafetyIndexWeights Weights { get; set; } = new();

    /// <summary>Weight of one incident of a type (types not listed: <see cref="DefaultIncidentTypeWeight"/>): a fire or an assault weighs more than a noise complaint.</summary>
    public Dictionary<string, double> IncidentTypeWeights { get; } = new(StringComparer.Ordinal)
    {
        ["fire"] = 3,
        ["assault"] = 3,
        ["public-order"] = 2,
        ["panic-alarm"] = 2,
        ["person-down"] = 1.5,
        ["traffic-accident"] = 1.5,
        ["theft"] = 1.5,
        ["intrusion"] = 1,
        ["disturbance"] = 0.5,
    };

    public double DefaultIncidentTypeWeight { get; set; } = 1;

    /// <summary>Weighted incidents per 10,000 residents per day at which the incident score reaches 0 (it is 100 at none).</summary>
    public double IncidentRateCeiling { get; set; } = 20;

    /// <summary>Reports this close to each other count as the same place.</summary>
    public double RepeatRadiusMeters { get; set; } = 100;

    /// <summary>A report is at a repeat location when at least this many other reports of the period are that close.</summary>
    public int RepeatMinOthers { get; set; } = 2;

    /// <summary>Longest range one request may ask for.</summary>
    public int MaxRangeDays { get; set; } = 92;

    /// <summary>An answer is reused for this long (a grid event's change on this host drops it sooner).</summary>
    public double CacheSeconds { get; set; } = 60;

    /// <summary>How often each host adds a sample of its cameras' health per grid.</summary>
    public double CameraSampleMinutes { get; set; } = 10;

    public TimeSpan UtcOffset => TimeSpan.FromHours(UtcOffsetHours);

    public double TypeWeight(string type) => IncidentTypeWeights.TryGetValue(type, out var weight) ? weight : DefaultIncidentTypeWeight;

    public IReadOnlyList<string> Validate(string prefix = SectionName + ":")
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string rule, double value)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{key} {rule}, got {value}"));
            }
        }

        Check(double.IsFinite(UtcOffsetHours) && UtcOffsetHours is >= -14 and <= 14 && Math.Abs((UtcOffsetHours * 4) - Math.Round(UtcOffsetHours * 4)) < 1e-9,
            nameof(UtcOffsetHours), "must be within -14..14 in quarter hours", UtcOffsetHours);
        foreach (var (name, weight) in Weights.All())
        {
            Check(double.IsFinite(weight) && weight is >= 0 and <= 1000, $"Weights:{char.ToUpperInvariant(name[0])}{name[1..]}", "must be within 0..1000", weight);
        }

        if (Weights.All().All(w => w.Weight == 0))
        {
            errors.Add($"{prefix}Weights: at least one weight must be above 0");
        }

        foreach (var (type, weight) in IncidentTypeWeights)
        {
            Check(double.IsFinite(weight) && weight is >= 0 and <= 100, $"IncidentTypeWeights:{type}", "must be within 0..100", weight);
        }

        Check(double.IsFinite(DefaultIncidentTypeWeight) && DefaultIncidentTypeWeight is >= 0 and <= 100, nameof(DefaultIncidentTypeWeight), "must be within 0..100", DefaultIncidentTypeWeight);
        Check(double.IsFinite(IncidentRateCeiling) && IncidentRateCeiling is > 0 and <= 100_000, nameof(IncidentRateCeiling), "must be within (0, 100000]", IncidentRateCeiling);
        Check(double.IsFinite(RepeatRadiusMeters) && RepeatRadiusMeters is >= 1 and <= 5000, nameof(RepeatRadiusMeters), "must be within 1..5000", RepeatRadiusMeters);
        Check(RepeatMinOthers is >= 1 and <= 1000, nameof(RepeatMinOthers), "must be within 1..1000", RepeatMinOthers);
        Check(MaxRangeDays is >= 1 and <= 3660, nameof(MaxRangeDays), "must be within 1..3660", MaxRangeDays);
        Check(double.IsFinite(CacheSeconds) && CacheSeconds is >= 0 and <= 86_400, nameof(CacheSeconds), "must be within 0..86400", CacheSeconds);
        Check(double.IsFinite(CameraSampleMinutes) && CameraSampleMinutes is >= 0.05 and <= 1440, nameof(CameraSampleMinutes), "must be within 0.05..1440", CameraSampleMinutes);
        return errors;
    }
}
