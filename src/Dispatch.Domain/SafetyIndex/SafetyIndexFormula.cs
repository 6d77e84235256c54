using System.Globalization;

namespace Dispatch.Domain.SafetyIndex;

/// <summary>
/// What one area (a grid or a district) counted over one period (a day, a week, a range of days): the raw figures the
/// index is computed from. Districts add up their grids' counts, so a district's index is its own, not an average.
/// </summary>
public sealed record IndicatorCounts
{
    /// <summary>Residents; null when unknown (then incidents per 10,000 residents cannot be said).</summary>
    public int? Population { get; init; }

    /// <summary>Days in the period that have begun (the day under way counts for the share of it gone).</summary>
    public double Days { get; init; }

    public int Incidents { get; init; }

    /// <summary>Incidents weighted by type (<see cref="SafetyIndexOptions.IncidentTypeWeights"/>).</summary>
    public double WeightedIncidents { get; init; }

    public int TiersMet { get; init; }

    public int TiersBreached { get; init; }

    /// <summary>Sum over the camera samples of the cameras online.</summary>
    public long CamerasOnline { get; init; }

    /// <summary>Sum over the camera samples of the cameras their gateways reported.</summary>
    public long CamerasReported { get; init; }

    public int GridEventsWithinSla { get; init; }

    public int GridEventsBreached { get; init; }

    public int RatingSum { get; init; }

    public int Ratings { get; init; }

    /// <summary>Reports (incidents and grid events) at a repeat location.</summary>
    public int RepeatReports { get; init; }

    /// <summary>Reports (incidents and grid events) of the period, all told.</summary>
    public int Reports { get; init; }
}

/// <summary>One indicator's score (0..100, higher is safer; null without data), the figure behind it and its weight.</summary>
public sealed record IndicatorScore(string Name, double? Score, double? Value, double Weight, string Detail);

/// <summary>The index (0..100; null when no indicator has data) and its indicators.</summary>
public sealed record SafetyIndexScore(double? Index, IReadOnlyList<IndicatorScore> Indicators)
{
    public IndicatorScore Indicator(string name) => Indicators.Single(i => i.Name == name);
}

/// <summary>
/// The safety index formula (docs/safety-index.md). Each indicator becomes a score from 0 to 100:
/// <list type="bullet">
/// <item>incidents: r = weighted incidents × 10,000 / residents / days; score = 100 × max(0, 1 − r / ceiling)</item>
/// <item>tier compliance: 100 × met / (met + breached)</item>
/// <item>cameras: 100 × online / reported (summed over the samples)</item>
/// <item>grid events within SLA: 100 × within / (within + breached)</item>
/// <item>satisfaction: 100 × (mean rating − 1) / 4</item>
/// <item>repeat locations: 100 × (1 − reports at a repeat location / reports)</item>
/// </list>
/// The index is the weighted mean of the scores that have data: Σ wᵢ sᵢ / Σ wᵢ over those.
/// </summary>
public static class SafetyIndexFormula
{
    public const string IncidentsName = "incidents";
    public const string TierComplianceName = "tierCompliance";
    public const string CamerasName = "cameras";
    public const string GridEventsWithinSlaName = "gridEventsWithinSla";
    public const string SatisfactionName = "satisfaction";
    public const string RepeatLocationsName = "repeatLocations";

    public static SafetyIndexScore Score(IndicatorCounts counts, SafetyIndexOptions options)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(options);
        var w = options.Weights;
        var indicators = new List<IndicatorScore>(6);

        if (counts.Population is > 0 && counts.Days > 0)
        {
            var rate = counts.WeightedIncidents * 10_000 / counts.Population.Value / counts.Days;
            indicators.Add(new(IncidentsName, 100 * Math.Clamp(1 - (rate / options.IncidentRateCeiling), 0, 1), rate, w.Incidents,
                Text($"{counts.Incidents} incidents ({counts.WeightedIncidents:0.##} weighted) for {counts.Population} residents over {counts.Days:0.##} days: {rate:0.###} per 10,000 a day")));
        }
        else
        {
            indicators.Add(new(IncidentsName, null, null, w.Incidents, counts.Population is null ? "residents unknown" : "no residents"));
        }

        indicators.Add(Share(TierComplianceName, counts.TiersMet, counts.TiersMet + counts.TiersBreached, w.TierCompliance,
            Text($"{counts.TiersMet} tiers met, {counts.TiersBreached} breached"), "no tier decided"));
        indicators.Add(Share(CamerasName, counts.CamerasOnline, counts.CamerasReported, w.Cameras,
            Text($"{counts.CamerasOnline} of {counts.CamerasReported} camera samples online"), "no camera reported"));
        indicators.Add(Share(GridEventsWithinSlaName, counts.GridEventsWithinSla, counts.GridEventsWithinSla + counts.GridEventsBreached, w.GridEventsWithinSla,
            Text($"{counts.GridEventsWithinSla} grid events within their time limit, {counts.GridEventsBreached} past it"), "no grid event decided"));

        if (counts.Ratings > 0)
        {
            var mean = (double)counts.RatingSum / counts.Ratings;
            indicators.Add(new(SatisfactionName, 100 * (mean - 1) / 4, mean, w.Satisfaction, Text($"{counts.Ratings} ratings, mean {mean:0.##} of 5")));
        }
        else
        {
            indicators.Add(new(SatisfactionName, null, null, w.Satisfaction, "no rating"));
        }

        indicators.Add(counts.Reports > 0
            ? new(RepeatLocationsName, 100 * (1 - ((double)counts.RepeatReports / counts.Reports)), (double)counts.RepeatReports / counts.Reports, w.RepeatLocations,
                Text($"{counts.RepeatReports} of {counts.Reports} reports at a repeat location"))
            : new(RepeatLocationsName, null, null, w.RepeatLocations, "no report"));

        var weighted = indicators.Where(i => i.Score is not null && i.Weight > 0).ToList();
        var totalWeight = weighted.Sum(i => i.Weight);
        double? index = totalWeight > 0 ? weighted.Sum(i => i.Weight * i.Score!.Value) / totalWeight : null;
        return new SafetyIndexScore(index, indicators);
    }

    private static IndicatorScore Share(string name, long part, long whole, double weight, string detail, string none) =>
        whole > 0 ? new(name, 100.0 * part / whole, (double)part / whole, weight, detail) : new(name, null, null, weight, none);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
