using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;

namespace Dispatch.Grains.Hosting;

/// <summary>Why an alert from a camera gateway was not accepted; the label values of the rejected-alerts counter.</summary>
public enum AlertRejection
{
    /// <summary>The alert failed validation (bad id, location, time or kind).</summary>
    Invalid = 0,

    /// <summary>The camera is not registered.</summary>
    UnknownCamera = 1,

    /// <summary>The camera is inside its alert cooldown.</summary>
    Cooldown = 3,

    /// <summary>The intake could not open or attach an incident.</summary>
    IntakeFailed = 4,

    /// <summary>The gateway had not authenticated (no accepted Hello, or a wrong credential).</summary>
    NotAuthenticated = 5,

    /// <summary>The gateway already had its flow-control window of alerts awaiting an ack.</summary>
    TooManyUnacknowledged = 6,

    /// <summary>The camera is registered to another gateway.</summary>
    CameraOfAnotherGateway = 7,

    /// <summary>The message carrying the alert was over the service's size limit and was not read.</summary>
    TooLarge = 8,

    /// <summary>Shed under overload (admission control); retryable.</summary>
    Overloaded = 9,
}

/// <summary>
/// The service's own measurements, through System.Diagnostics.Metrics (meter <see cref="MeterName"/>) so grains and
/// hubs only call methods here and the host decides how they are exported. Counts and states are kept in this
/// object and read by observable instruments, so every series exists (at zero) from the first scrape. Instrument
/// names follow the OpenTelemetry style (dots, unit in <see cref="Instrument.Unit"/>); an exporter turns
/// <c>dispatch.decision.duration</c> with unit <c>s</c> into <c>dispatch_decision_duration_seconds</c>.
/// Figures are per process (per silo in a cluster); sum them in queries.
/// </summary>
public sealed class DispatchMetrics : IDisposable
{
    public const string MeterName = "Dispatch";

    private readonly Meter _meter;
    private readonly Histogram<double> _decisionSeconds;
    private readonly Histogram<double> _deliverySeconds;
    private readonly string[] _tierNames;

    private long _alertsAccepted;
    private long _alertsDuplicate;
    private long _alertIdsReused;
    private readonly long[] _alertsRejected = new long[(int)Enum.GetValues<AlertRejection>().Max() + 1];

    // Last state seen per incident and unit, so gauges count each once and tier outcomes count on change only.
    private readonly ConcurrentDictionary<string, IncidentSnapshot> _incidents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UnitStatus> _units = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _camerasOnline = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Tier, string Outcome), long> _tierOutcomes = new();
    private long _positionsAccepted;
    private readonly ConcurrentDictionary<string, long> _positionsRefused = new(StringComparer.Ordinal);
    private long _incidentsClosed;
    private long _incidentsCancelled;
    private long _gatewayStreams;
    private readonly ConcurrentDictionary<string, long> _connectionsByHub = new(StringComparer.Ordinal);

    public DispatchMetrics(ResponsePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _tierNames = [.. plan.Tiers.Select(t => t.Name)];
        _meter = new Meter(MeterName);

        _decisionSeconds = _meter.CreateHistogram<double>(
            "dispatch.decision.duration", "s",
            "Time an incident takes to plan and fill its response tiers (candidate search, ranking, claims).");
        _deliverySeconds = _meter.CreateHistogram<double>(
            "dispatch.alert.delivery.duration", "s",
            "Time from a camera alert reaching the gateway service to the assignment reaching the officer's terminal.");

        _meter.CreateObservableCounter("dispatch.alerts.accepted", () => Volatile.Read(ref _alertsAccepted), "{alert}",
            "Camera alerts accepted by the gateway service.");
        _meter.CreateObservableCounter("dispatch.alerts.rejected", ObserveRejected, "{alert}",
            "Camera alerts refused by the gateway service, by reason.");
        _meter.CreateObservableCounter("dispatch.alerts.duplicate", () => Volatile.Read(ref _alertsDuplicate), "{alert}",
            "Camera alerts answered as duplicates (an alert id seen before; safe re-sends, not refusals).");
        _meter.CreateObservableCounter("dispatch.alerts.id_reused", () => Volatile.Read(ref _alertIdsReused), "{alert}",
            "Duplicates whose content differed from the first alert with that id: a gateway reusing alert ids.");
        _meter.CreateObservableCounter("dispatch.tier.outcomes", ObserveTierOutcomes, "{tier}",
            "Response tiers reaching an outcome (met, at_risk, breached), by tier name.");
        _meter.CreateObservableGauge("dispatch.incidents", ObserveIncidents, "{incident}",
            "Incidents seen by this process, by state (open now; closed and cancelled since start).");
        _meter.CreateObservableGauge("dispatch.units", ObserveUnits, "{unit}",
            "Patrol units active in this process, by status.");
        _meter.CreateObservableGauge("dispatch.cameras", ObserveCameras, "{camera}",
            "Cameras whose health this process has seen, online or offline.");
        _meter.CreateObservableGauge("dispatch.gateway.streams", () => Volatile.Read(ref _gatewayStreams), "{stream}",
            "Open camera gateway alert streams.");
        _meter.CreateObservableGauge("dispatch.signalr.connections", ObserveConnections, "{connection}",
            "Open SignalR connections, by hub.");
        _meter.CreateObservableCounter("dispatch.positions.accepted", () => Volatile.Read(ref _positionsAccepted), "{position}",
            "GPS fixes from terminals taken by this host.");
        _meter.CreateObservableCounter("dispatch.positions.refused", ObservePositionsRefused, "{position}",
            "GPS fixes from terminals refused as implausible, by reason.");
    }

    /// <summary>Hub names the connections gauge always reports, so its series exist before anyone connects.</summary>
    public static IReadOnlyList<string> KnownHubs { get; } = ["operations", "terminal"];

    /// <summary>The meter these instruments belong to; an exporter listens to this instance only.</summary>
    public Meter Meter => _meter;

    public void RecordDispatchDecision(TimeSpan elapsed) => _decisionSeconds.Record(elapsed.TotalSeconds);

    public void RecordAlertDelivered(TimeSpan alertToTerminal) => _deliverySeconds.Record(Math.Max(0, alertToTerminal.TotalSeconds));

    public void AlertAccepted() => Interlocked.Increment(ref _alertsAccepted);

    public void AlertRejected(AlertRejection reason) => Interlocked.Increment(ref _alertsRejected[(int)reason]);

    /// <summary>A re-sent alert; <paramref name="idReused"/> when its content differed from the first copy's.</summary>
    public void AlertDuplicate(bool idReused = false)
    {
        Interlocked.Increment(ref _alertsDuplicate);
        if (idReused)
        {
            Interlocked.Increment(ref _alertIdsReused);
        }
    }

    public void GatewayStreamOpened() => Interlocked.Increment(ref _gatewayStreams);

    public void GatewayStreamClosed() => Interlocked.Decrement(ref _gatewayStreams);

    public void ConnectionOpened(string hub) => _connectionsByHub.AddOrUpdate(hub, 1, (_, n) => n + 1);

    public void ConnectionClosed(string hub) => _connectionsByHub.AddOrUpdate(hub, 0, (_, n) => Math.Max(0, n - 1));

    public void CameraHealthChanged(string cameraId, bool online) => _camerasOnline[cameraId] = online;

    public void PositionAccepted() => Interlocked.Increment(ref _positionsAccepted);

    /// <summary>A refused fix; <paramref name="reason"/> is one of a few fixed labels (invalid, outside_city, impossible_speed).</summary>
    public void PositionRefused(string reason) => _positionsRefused.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    /// <summary>Unit grains call this with each published view.</summary>
    public void UnitChanged(UnitView unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        _units[unit.UnitId] = unit.Status;
    }

    /// <summary>Incident grains call this with each published view; tier outcomes are counted when they change.</summary>
    public void IncidentChanged(IncidentView incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var tiers = incident.Tiers.Select(t => new TierSnapshot(t.Name, t.Outcome, t.AtRisk)).ToArray();
        var previous = _incidents.TryGetValue(incident.IncidentId, out var seen) ? seen.Tiers : [];
        foreach (var tier in tiers)
        {
            var before = Array.Find(previous, p => p.Name == tier.Name);
            if (tier.AtRisk && before?.AtRisk != true)
            {
                CountTier(tier.Name, "at_risk");
            }

            if (tier.Outcome != before?.Outcome && tier.Outcome is TierOutcome.Met or TierOutcome.Breached)
            {
                CountTier(tier.Name, tier.Outcome == TierOutcome.Met ? "met" : "breached");
            }
        }

        if (incident.Status == IncidentStatus.Open)
        {
            _incidents[incident.IncidentId] = new IncidentSnapshot(tiers);
        }
        else if (_incidents.TryRemove(incident.IncidentId, out _))
        {
            // Counted once, on the change that ends it in this process.
            Interlocked.Increment(ref incident.Status == IncidentStatus.Closed ? ref _incidentsClosed : ref _incidentsCancelled);
        }
    }

    public void Dispose() => _meter.Dispose();

    private void CountTier(string tier, string outcome) => _tierOutcomes.AddOrUpdate((tier, outcome), 1, (_, n) => n + 1);

    private IEnumerable<Measurement<long>> ObserveRejected() =>
        Enum.GetValues<AlertRejection>().Select(r => new Measurement<long>(
            Volatile.Read(ref _alertsRejected[(int)r]), new KeyValuePair<string, object?>("reason", ReasonLabel(r))));

    private IEnumerable<Measurement<long>> ObserveTierOutcomes()
    {
        var tiers = _tierNames.Concat(_tierOutcomes.Keys.Select(k => k.Tier)).Distinct(StringComparer.Ordinal);
        foreach (var tier in tiers)
        {
            foreach (var outcome in (string[])["met", "at_risk", "breached"])
            {
                yield return new Measurement<long>(
                    _tierOutcomes.GetValueOrDefault((tier, outcome)),
                    new KeyValuePair<string, object?>("tier", tier), new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveIncidents() =>
    [
        new(_incidents.Count, new KeyValuePair<string, object?>("state", "open")),
        new(Volatile.Read(ref _incidentsClosed), new KeyValuePair<string, object?>("state", "closed")),
        new(Volatile.Read(ref _incidentsCancelled), new KeyValuePair<string, object?>("state", "cancelled")),
    ];

    private IEnumerable<Measurement<long>> ObserveUnits()
    {
        var counts = _units.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => (long)g.Count());
        return Enum.GetValues<UnitStatus>().Select(s => new Measurement<long>(
            counts.GetValueOrDefault(s), new KeyValuePair<string, object?>("status", SnakeCase(s.ToString()))));
    }

    private IEnumerable<Measurement<long>> ObserveCameras()
    {
        var online = _camerasOnline.Values.Count(v => v);
        return
        [
            new(online, new KeyValuePair<string, object?>("state", "online")),
            new(_camerasOnline.Count - online, new KeyValuePair<string, object?>("state", "offline")),
        ];
    }

    private IEnumerable<Measurement<long>> ObserveConnections() =>
        KnownHubs.Concat(_connectionsByHub.Keys).Distinct(StringComparer.Ordinal).Select(hub => new Measurement<long>(
            _connectionsByHub.GetValueOrDefault(hub), new KeyValuePair<string, object?>("hub", hub)));

    private IEnumerable<Measurement<long>> ObservePositionsRefused() =>
        ((string[])["invalid", "outside_city", "impossible_speed"]).Concat(_positionsRefused.Keys).Distinct(StringComparer.Ordinal)
            .Select(r => new Measurement<long>(_positionsRefused.GetValueOrDefault(r), new KeyValuePair<string, object?>("reason", r)));

    private static string ReasonLabel(AlertRejection reason) => SnakeCase(reason.ToString());

    /// <summary>"UnknownCamera" to "unknown_camera": label values in the style of the exposition format.</summary>
    internal static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private sealed record TierSnapshot(string Name, TierOutcome Outcome, bool AtRisk);

    private sealed record IncidentSnapshot(TierSnapshot[] Tiers);
}
