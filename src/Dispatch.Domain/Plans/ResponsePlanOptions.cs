using System.Collections.ObjectModel;
using System.Globalization;

namespace Dispatch.Domain.Plans;

/// <summary>The response plan as bound from configuration (appsettings "Dispatch:ResponsePlan").</summary>
public sealed class ResponsePlanOptions
{
    public const string SectionName = "Dispatch:ResponsePlan";

    /// <summary>Beyond this an "arrival" would be a different place, not the scene.</summary>
    public const double MaxArrivalRadiusMeters = 5000;

    /// <summary>An officer who has not acknowledged in ten minutes is not going to; re-dispatch sooner.</summary>
    public const int MaxAckDeadlineSeconds = 600;

    private static readonly string PriorityNames = string.Join(", ", Enum.GetNames<IncidentPriority>());

    private static readonly string TierKindNames = string.Join(", ", Enum.GetNames<TierKind>());

    public List<ResponseTierOptions> Tiers { get; set; } = [];

    public double ArrivalRadiusMeters { get; set; } = ResponsePlan.DefaultArrivalRadiusMeters;

    public int AckDeadlineSeconds { get; set; } = ResponsePlan.DefaultAckDeadlineSeconds;

    /// <summary>Configuration errors, each naming the bad key in full (e.g. "Dispatch:ResponsePlan:Tiers:1:TargetSeconds"); empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName)
    {
        var section = string.IsNullOrEmpty(sectionPath) ? "" : sectionPath + ":";
        var errors = new List<string>();

        ValidateTiers(section, errors);

        if (!double.IsFinite(ArrivalRadiusMeters) || ArrivalRadiusMeters <= 0 || ArrivalRadiusMeters > MaxArrivalRadiusMeters)
        {
            errors.Add(Invariant(
                $"{section}ArrivalRadiusMeters must be a finite number > 0 and <= {MaxArrivalRadiusMeters} m, got {ArrivalRadiusMeters}"));
        }

        if (AckDeadlineSeconds is <= 0 or > MaxAckDeadlineSeconds)
        {
            errors.Add(Invariant(
                $"{section}AckDeadlineSeconds must be > 0 and <= {MaxAckDeadlineSeconds} s, got {AckDeadlineSeconds}"));
        }

        return errors;
    }

    /// <summary>The validated plan; an empty <see cref="Tiers"/> list means the default 1/3/5 plan.</summary>
    public Result<ResponsePlan> ToPlan(string sectionPath = SectionName)
    {
        var errors = Validate(sectionPath);
        if (errors.Count > 0)
        {
            return Result<ResponsePlan>.Fail(string.Join("; ", errors));
        }

        var tiers = Tiers is null or { Count: 0 }
            ? ResponsePlan.Default.Tiers
            : Array.AsReadOnly(Tiers.Select(t => t.ToTier()).ToArray());
        return Result<ResponsePlan>.Ok(
            new ResponsePlan(tiers, ArrivalRadiusMeters, TimeSpan.FromSeconds(AckDeadlineSeconds)));
    }

    private void ValidateTiers(string section, List<string> errors)
    {
        if (Tiers is null)
        {
            return; // treated as empty: the default tiers
        }

        var firstIndexByName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        int? stationTierIndex = null;
        int? previousTargetSeconds = null;

        for (var i = 0; i < Tiers.Count; i++)
        {
            var key = Invariant($"{section}Tiers:{i}");
            var tier = Tiers[i];
            if (tier is null)
            {
                errors.Add($"{key} must not be empty");
                continue;
            }

            if (string.IsNullOrWhiteSpace(tier.Name))
            {
                errors.Add($"{key}:Name must not be blank");
            }
            else if (!firstIndexByName.TryAdd(tier.Name.Trim(), i))
            {
                errors.Add(Invariant(
                    $"{key}:Name '{tier.Name}' is already used by {section}Tiers:{firstIndexByName[tier.Name.Trim()]}"));
            }

            if (tier.TargetSeconds <= 0)
            {
                errors.Add(Invariant($"{key}:TargetSeconds must be > 0, got {tier.TargetSeconds}"));
            }
            else
            {
                // Tiers escalate: each later tier must have a later target than the one before it.
                if (previousTargetSeconds is { } previous && tier.TargetSeconds <= previous)
                {
                    errors.Add(Invariant(
                        $"{key}:TargetSeconds must be greater than the previous tier's {previous}, got {tier.TargetSeconds}"));
                }

                previousTargetSeconds = tier.TargetSeconds;
            }

            if (!Enum.IsDefined(tier.Kind))
            {
                errors.Add(Invariant($"{key}:Kind is not a tier kind ({TierKindNames}), got {(int)tier.Kind}"));
            }
            else if (tier.Kind == TierKind.StationResponders)
            {
                if (stationTierIndex is { } first)
                {
                    errors.Add(Invariant(
                        $"{key}:Kind StationResponders is already used by {section}Tiers:{first}; at most one tier may be StationResponders"));
                }
                else
                {
                    stationTierIndex = i;
                }
            }

            ValidateResponders(key, tier.RespondersByPriority, errors);
        }
    }

    private static void ValidateResponders(string tierKey, Dictionary<string, int>? responders, List<string> errors)
    {
        if (responders is null)
        {
            return;
        }

        var seen = new Dictionary<IncidentPriority, string>();
        foreach (var (name, count) in responders)
        {
            var key = $"{tierKey}:RespondersByPriority:{name}";
            if (!TryParsePriority(name, out var priority))
            {
                errors.Add($"{key} is not a priority ({PriorityNames})");
                continue;
            }

            if (!seen.TryAdd(priority, name))
            {
                errors.Add($"{key} repeats priority {priority} (also given as '{seen[priority]}')");
            }

            if (count < 0)
            {
                errors.Add(Invariant($"{key} must be >= 0, got {count}"));
            }
        }
    }

    /// <summary>Priority by name, ignoring case; numbers are refused so "1" is not silently Critical.</summary>
    internal static bool TryParsePriority(string? name, out IncidentPriority priority)
    {
        foreach (var candidate in Enum.GetValues<IncidentPriority>())
        {
            if (string.Equals(candidate.ToString(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                priority = candidate;
                return true;
            }
        }

        priority = default;
        return false;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

public sealed class ResponseTierOptions
{
    public string Name { get; set; } = "";

    public int TargetSeconds { get; set; }

    public TierKind Kind { get; set; } = TierKind.NearestUnits;

    /// <summary>Responders per priority name ("Critical", "High", "Normal", "Low").</summary>
    public Dictionary<string, int> RespondersByPriority { get; set; } = [];

    /// <summary>The tier this describes; call only once <see cref="ResponsePlanOptions.Validate"/> found nothing.</summary>
    internal ResponseTier ToTier()
    {
        var counts = new Dictionary<IncidentPriority, int>();
        foreach (var (name, count) in RespondersByPriority ?? [])
        {
            if (ResponsePlanOptions.TryParsePriority(name, out var priority))
            {
                counts[priority] = count;
            }
        }

        return new ResponseTier(Name.Trim(), TimeSpan.FromSeconds(TargetSeconds), Kind, new ReadOnlyDictionary<IncidentPriority, int>(counts));
    }
}
