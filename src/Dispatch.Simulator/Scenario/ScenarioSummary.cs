using System.Globalization;
using System.Text;
using Dispatch.Abstractions.Incidents;

namespace Dispatch.Simulator.Scenario;

/// <summary>The outcome of a scenario run, printed as one line.</summary>
/// <param name="TierMetPercent">Per tier in plan order: met / (met + breached) in %, null when no incident had an outcome for it.</param>
public sealed record ScenarioSummary(
    int Incidents,
    int Dispatched,
    int DoubleAssigned,
    int Lost,
    IReadOnlyList<double?> TierMetPercent,
    double DispatchP50Ms,
    double DispatchP99Ms)
{
    public bool Passed => DoubleAssigned == 0 && Lost == 0;

    public string Format()
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"incidents={Incidents} dispatched={Dispatched} double_assigned={DoubleAssigned} lost={Lost}");
        for (var i = 0; i < TierMetPercent.Count; i++)
        {
            line.Append(CultureInfo.InvariantCulture, $" tier{i + 1}_met=");
            line.Append(TierMetPercent[i] is { } percent ? percent.ToString("F1", CultureInfo.InvariantCulture) + "%" : "n/a");
        }

        line.Append(CultureInfo.InvariantCulture, $" dispatch_p50_ms={DispatchP50Ms:F1} dispatch_p99_ms={DispatchP99Ms:F1}");
        return line.ToString();
    }

    /// <summary>Per tier position (plan order): met / (met + breached) over the incidents' tier outcomes, in %.</summary>
    public static IReadOnlyList<double?> TierCompliance(IEnumerable<IncidentView> incidents, int tierCount)
    {
        ArgumentNullException.ThrowIfNull(incidents);
        var met = new int[tierCount];
        var breached = new int[tierCount];
        foreach (var incident in incidents)
        {
            for (var i = 0; i < Math.Min(tierCount, incident.Tiers.Count); i++)
            {
                switch (incident.Tiers[i].Outcome)
                {
                    case TierOutcome.Met:
                        met[i]++;
                        break;
                    case TierOutcome.Breached:
                        breached[i]++;
                        break;
                }
            }
        }

        return [.. Enumerable.Range(0, tierCount).Select(i => met[i] + breached[i] == 0 ? (double?)null : 100.0 * met[i] / (met[i] + breached[i]))];
    }

    /// <summary>Nearest-rank percentile (0 &lt; <paramref name="percent"/> &lt;= 100) of <paramref name="values"/>; 0 when empty.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
