using System.Diagnostics.Metrics;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Hosting;

namespace Dispatch.Grains.Tests;

public sealed class DispatchMetricsTests
{
    [Fact]
    public void Tier_outcome_is_counted_once_when_it_changes_and_closing_moves_the_incident_out_of_open()
    {
        using var metrics = new DispatchMetrics(ResponsePlan.Default);
        var tier = ResponsePlan.Default.Tiers[1].Name;

        metrics.IncidentChanged(View("INC-1", IncidentStatus.Open, Tier(tier, TierOutcome.Pending, atRisk: true)));
        metrics.IncidentChanged(View("INC-1", IncidentStatus.Open, Tier(tier, TierOutcome.Met, atRisk: true)));
        metrics.IncidentChanged(View("INC-1", IncidentStatus.Open, Tier(tier, TierOutcome.Met, atRisk: true)));
        var whileOpen = Observe(metrics, "dispatch.incidents");
        metrics.IncidentChanged(View("INC-1", IncidentStatus.Closed, Tier(tier, TierOutcome.Met, atRisk: true)));
        var outcomes = Observe(metrics, "dispatch.tier.outcomes");
        var afterClose = Observe(metrics, "dispatch.incidents");

        Assert.Equal(1, outcomes[$"outcome=met,tier={tier}"]);
        Assert.Equal(1, outcomes[$"outcome=at_risk,tier={tier}"]);
        Assert.Equal(0, outcomes[$"outcome=breached,tier={tier}"]);
        Assert.Equal(1, whileOpen["state=open"]);
        Assert.Equal(0, afterClose["state=open"]);
        Assert.Equal(1, afterClose["state=closed"]);
    }

    private static IncidentTierView Tier(string name, TierOutcome outcome, bool atRisk) =>
        new(name, TierKind.NearestUnits, 1, DateTimeOffset.UnixEpoch, outcome, atRisk, [], null, null, 0);

    private static IncidentView View(string id, IncidentStatus status, params IncidentTierView[] tiers) =>
        new(id, "theft", IncidentPriority.High, new GeoPoint(36.66, 117.0), "", IncidentSource.Camera, status,
            DateTimeOffset.UnixEpoch, null, null, tiers, [], [], true);

    /// <summary>Reads an observable instrument of this metrics object: label set ("k=v,k=v", sorted) to value.</summary>
    private static Dictionary<string, long> Observe(DispatchMetrics metrics, string instrumentName)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == instrumentName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            values[string.Join(",", tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}
