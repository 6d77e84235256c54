using System.Globalization;
using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Cameras;

[GenerateSerializer]
[Alias("dispatch.state.alert-correlation")]
public sealed class AlertCorrelationState
{
    [Id(0)] public Dictionary<string, AlertIncident> Incidents { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One dispatch zone's incidents opened from alerts. Alerts of one zone are decided one at a time here, so two
/// cameras of the zone seeing the same fight at once cannot open two incidents; near a zone edge the neighbours'
/// incidents are consulted too.
/// </summary>
public sealed class AlertCorrelationGrain(
    [PersistentState("alert-correlation", DispatchStorage.ProviderName)] IPersistentState<AlertCorrelationState> state,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<CameraAlertOptions> options) : Grain, IAlertCorrelationGrain
{
    private CameraAlertOptions Options => options.Value;

    public Task<IReadOnlyList<AlertIncident>> CandidatesAsync() =>
        Task.FromResult<IReadOnlyList<AlertIncident>>([.. state.State.Incidents.Values]);

    public async Task<CorrelationResult> AttachOrOpenAsync(CameraAlert alert, GeoPoint location, string cameraId)
    {
        ArgumentNullException.ThrowIfNull(alert);
        Forget();
        var window = TimeSpan.FromSeconds(Options.CorrelationWindowSeconds);
        var candidates = new List<AlertIncident>(state.State.Incidents.Values);
        var self = this.GetPrimaryKeyString();
        foreach (var zone in DispatchZone.Within(location, Options.CorrelationDistanceMeters))
        {
            if (zone.Key != self)
            {
                candidates.AddRange(await GrainFactory.GetGrain<IAlertCorrelationGrain>(zone.Key).CandidatesAsync());
            }
        }

        var matches = candidates
            .Where(c => c.IncidentType == alert.IncidentType && (alert.ObservedAt - c.LastAlertAt).Duration() <= window)
            .Select(c => (Incident: c, DistanceMeters: GreatCircle.DistanceMeters(location, new GeoPoint(c.Latitude, c.Longitude))))
            .Where(m => m.DistanceMeters <= Options.CorrelationDistanceMeters)
            .OrderBy(m => m.DistanceMeters);
        foreach (var (incident, _) in matches)
        {
            var view = await GrainFactory.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync();
            if (view is { Status: IncidentStatus.Open })
            {
                var latest = alert.ObservedAt > incident.LastAlertAt ? alert.ObservedAt : incident.LastAlertAt;
                state.State.Incidents[incident.IncidentId] = incident with { LastAlertAt = latest };
                await state.WriteStateAsync();
                return new CorrelationResult(incident.IncidentId, false, null);
            }

            state.State.Incidents.Remove(incident.IncidentId);
        }

        var report = new IncidentReport(
            alert.IncidentType,
            alert.Priority,
            location.Latitude,
            location.Longitude,
            alert.Description,
            alert.Source,
            string.Create(CultureInfo.InvariantCulture, $"camera:{cameraId}"));
        var intake = await GrainFactory.GetGrain<IIntakeGrain>(0).ReportAsync(report);
        if (!intake.Ok || intake.IncidentId is null)
        {
            return new CorrelationResult(null, false, intake.Error ?? "intake returned no incident id");
        }

        state.State.Incidents[intake.IncidentId] =
            new AlertIncident(intake.IncidentId, alert.IncidentType, location.Latitude, location.Longitude, alert.ObservedAt);
        await state.WriteStateAsync();
        return new CorrelationResult(intake.IncidentId, true, null);
    }

    /// <summary>Forgets incidents whose latest alert is older than the window: nothing can attach to them any more.</summary>
    private void Forget()
    {
        var horizon = clock.GetUtcNow() - TimeSpan.FromSeconds(Options.CorrelationWindowSeconds) - TimeSpan.FromMinutes(10);
        foreach (var (id, incident) in state.State.Incidents)
        {
            if (incident.LastAlertAt < horizon)
            {
                state.State.Incidents.Remove(id);
            }
        }
    }
}
