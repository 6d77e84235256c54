using System.Globalization;
using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Hosting;
using Dispatch.Grains.Incidents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Dispatch.Grains.Cameras;

/// <summary>
/// One dispatch zone's incidents opened from alerts, for correlation: an alert of the same type close enough in place
/// and time to one of them joins it instead of opening another, so several cameras seeing one fight give one incident.
/// The match and the new incident's entry are decided in one uninterrupted piece of the turn, so two alerts of the zone
/// cannot both open one; opening itself (dispatch and commit) is awaited with the grain open to the next alert, which
/// then finds the incident being opened and joins it. Near a zone edge the neighbours' incidents are consulted too.
/// Soft state: an activating zone reads the open alert-born incidents of its area from the incident table.
/// </summary>
[Reentrant]
public sealed class AlertCorrelationGrain(
    IIncidentStore store,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<CameraAlertOptions> options) : Grain, IAlertCorrelationGrain
{
    private readonly Dictionary<string, AlertIncident> _incidents = new(StringComparer.Ordinal);

    private CameraAlertOptions Options => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!DispatchZone.TryParse(this.GetPrimaryKeyString(), out var zone) || Options.CorrelationDistanceMeters <= 0 || Options.CorrelationWindowSeconds <= 0)
        {
            return;
        }

        var margin = Options.CorrelationDistanceMeters / 100_000.0;
        var open = await store.FindAsync(
            new IncidentFilter
            {
                Status = IncidentStatus.Open,
                Source = IncidentSource.Camera,
                CreatedFrom = clock.GetUtcNow() - TimeSpan.FromSeconds(Options.CorrelationWindowSeconds) - TimeSpan.FromHours(1),
                Box = (zone.SouthWest.Latitude - margin, zone.SouthWest.Longitude - margin,
                    zone.SouthWest.Latitude + DispatchZone.LatitudeStepDegrees + margin, zone.SouthWest.Longitude + DispatchZone.LongitudeStepDegrees + margin),
                Limit = 10_000,
            },
            cancellationToken);
        foreach (var incident in open.Where(i => DispatchZone.Of(new GeoPoint(i.Latitude, i.Longitude)) == zone))
        {
            _incidents[incident.IncidentId] = new AlertIncident(incident.IncidentId, incident.Type, incident.Latitude, incident.Longitude, incident.LastAlertAt ?? incident.CreatedAt);
        }
    }

    public Task<IReadOnlyList<AlertIncident>> CandidatesAsync() =>
        Task.FromResult<IReadOnlyList<AlertIncident>>([.. _incidents.Values]);

    public async Task<CorrelationResult> AttachOrOpenAsync(CameraAlert alert, GeoPoint location, string cameraId)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var self = this.GetPrimaryKeyString();
        var neighbours = new List<AlertIncident>();
        foreach (var zone in DispatchZone.Within(location, Options.CorrelationDistanceMeters))
        {
            if (zone.Key != self)
            {
                neighbours.AddRange(await GrainFactory.GetGrain<IAlertCorrelationGrain>(zone.Key).CandidatesAsync());
            }
        }

        var ledger = new AlertLedgerEntry(alert.GatewayId, alert.AlertId, cameraId, "", alert.Fingerprint, alert.ObservedAt);
        var tried = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            // From here to the decision nothing awaits, so no other alert of this zone interleaves.
            Forget();
            var window = TimeSpan.FromSeconds(Options.CorrelationWindowSeconds);
            var match = _incidents.Values.Concat(neighbours)
                .Where(c => !tried.Contains(c.IncidentId) && c.IncidentType == alert.IncidentType && (alert.ObservedAt - c.LastAlertAt).Duration() <= window)
                .Select(c => (Incident: c, DistanceMeters: GreatCircle.DistanceMeters(location, new GeoPoint(c.Latitude, c.Longitude))))
                .Where(m => m.DistanceMeters <= Options.CorrelationDistanceMeters)
                .OrderBy(m => m.DistanceMeters)
                .Select(m => m.Incident)
                .FirstOrDefault();
            if (match is null)
            {
                break;
            }

            tried.Add(match.IncidentId);
            var joined = await GrainFactory.GetGrain<IIncidentGrain>(match.IncidentId).AttachAlertAsync(ledger with { IncidentId = match.IncidentId }, alert.Description);
            if (joined.Ok)
            {
                if (_incidents.TryGetValue(match.IncidentId, out var known) && alert.ObservedAt > known.LastAlertAt)
                {
                    _incidents[match.IncidentId] = known with { LastAlertAt = alert.ObservedAt };
                }

                return new CorrelationResult(match.IncidentId, false, null);
            }

            // Closed meanwhile: nothing can join it any more.
            _incidents.Remove(match.IncidentId);
        }

        var report = new IncidentReport(
            alert.IncidentType,
            alert.Priority,
            location.Latitude,
            location.Longitude,
            alert.Description,
            alert.Source,
            string.Create(CultureInfo.InvariantCulture, $"camera:{cameraId}"));
        var incidentId = IntakeGrain.NewIncidentId(clock);
        var correlates = Options.CorrelationDistanceMeters > 0 && Options.CorrelationWindowSeconds > 0;
        if (correlates)
        {
            // Entered before the open is awaited, so an alert arriving meanwhile joins this incident.
            _incidents[incidentId] = new AlertIncident(incidentId, alert.IncidentType, location.Latitude, location.Longitude, alert.ObservedAt);
        }

        var opened = await GrainFactory.GetGrain<IIncidentGrain>(incidentId).OpenFromAlertAsync(report, ledger with { IncidentId = incidentId });
        if (!opened.Ok)
        {
            _incidents.Remove(incidentId);
            return new CorrelationResult(null, false, opened.Error);
        }

        return new CorrelationResult(incidentId, true, null);
    }

    /// <summary>Forgets incidents whose latest alert is older than the window: nothing can attach to them any more.</summary>
    private void Forget()
    {
        var horizon = clock.GetUtcNow() - TimeSpan.FromSeconds(Options.CorrelationWindowSeconds) - TimeSpan.FromMinutes(10);
        foreach (var (id, incident) in _incidents)
        {
            if (incident.LastAlertAt < horizon)
            {
                _incidents.Remove(id);
            }
        }
    }
}
