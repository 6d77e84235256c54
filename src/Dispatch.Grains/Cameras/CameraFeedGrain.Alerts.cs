using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Cameras;

/// <summary>An alert id this camera handled, and the incident it went to ("" for none).</summary>
[GenerateSerializer]
[Alias("dispatch.state.handled-alert")]
public sealed record HandledAlert([property: Id(0)] string IncidentId, [property: Id(1)] DateTimeOffset ObservedAt);

/// <summary>The incident a camera's alert of one incident type last opened or joined, for the cooldown.</summary>
[GenerateSerializer]
[Alias("dispatch.state.camera-cooldown")]
public sealed record CameraCooldown([property: Id(0)] string IncidentId, [property: Id(1)] DateTimeOffset StartedAt);

public sealed partial class CameraFeedState
{
    /// <summary>Alert ids handled recently (bounded by age) and their incidents: idempotency across restarts.</summary>
    [Id(20)] public Dictionary<string, HandledAlert> HandledAlerts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per incident type, the incident that started the camera's current cooldown.</summary>
    [Id(21)] public Dictionary<string, CameraCooldown> Cooldowns { get; set; } = new(StringComparer.Ordinal);
}

public sealed partial class CameraFeedGrain
{
    public async Task<CameraAlertResult> HandleAlertAsync(CameraAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var cameraId = this.GetPrimaryKeyString();
        if (!S.Registered)
        {
            return CameraAlertResult.Rejected(CameraAlertRejection.UnknownCamera, $"camera '{cameraId}' is not registered");
        }

        if (!string.Equals(S.GatewayId, alert.GatewayId, StringComparison.Ordinal))
        {
            return CameraAlertResult.Rejected(CameraAlertRejection.CameraOfAnotherGateway,
                $"camera '{cameraId}' belongs to gateway '{S.GatewayId}', not '{alert.GatewayId}'");
        }

        var location = alert.Location ?? new GeoPoint(S.Latitude, S.Longitude);
        if (S.HandledAlerts.TryGetValue(alert.AlertId, out var handled))
        {
            return new CameraAlertResult(CameraAlertOutcome.Duplicate, handled.IncidentId, false, CameraAlertRejection.None, "", location);
        }

        var options = ServiceProvider.GetService<IOptions<CameraAlertOptions>>()?.Value ?? new CameraAlertOptions();
        Forget(options);

        string incidentId;
        var opened = false;
        if (S.Cooldowns.TryGetValue(alert.IncidentType, out var cooldown)
            && (alert.ObservedAt - cooldown.StartedAt).Duration() < TimeSpan.FromSeconds(options.CooldownSeconds))
        {
            // Inside the cooldown: join the camera's incident while it is open; after it closed, open nothing
            // (an operator closed it, and the camera keeps seeing the same scene).
            var incident = await GrainFactory.GetGrain<IIncidentGrain>(cooldown.IncidentId).GetAsync();
            incidentId = incident is { Status: IncidentStatus.Open } ? cooldown.IncidentId : "";
        }
        else
        {
            var zone = DispatchZone.Of(location);
            var correlation = await GrainFactory.GetGrain<IAlertCorrelationGrain>(zone.Key).AttachOrOpenAsync(alert, location, cameraId);
            if (correlation.Error is not null || correlation.IncidentId is null)
            {
                return CameraAlertResult.Rejected(CameraAlertRejection.Unavailable,
                    $"no incident could be opened for alert '{alert.AlertId}': {correlation.Error}");
            }

            incidentId = correlation.IncidentId;
            opened = correlation.Opened;
            S.Cooldowns[alert.IncidentType] = new CameraCooldown(incidentId, alert.ObservedAt);
        }

        S.HandledAlerts[alert.AlertId] = new HandledAlert(incidentId, alert.ObservedAt);
        await state.WriteStateAsync();
        return new CameraAlertResult(CameraAlertOutcome.Accepted, incidentId, opened, CameraAlertRejection.None, "", location);
    }

    /// <summary>Drops alert ids and cooldowns too old to matter, so the state stays small.</summary>
    private void Forget(CameraAlertOptions options)
    {
        var now = clock.GetUtcNow();
        var retention = TimeSpan.FromSeconds(options.IdempotencyRetentionSeconds);
        foreach (var (alertId, handled) in S.HandledAlerts)
        {
            if (now - handled.ObservedAt > retention)
            {
                S.HandledAlerts.Remove(alertId);
            }
        }

        // A camera flooding alerts must not grow its state without end: past the cap the oldest ids go first.
        if (S.HandledAlerts.Count > options.MaxRememberedAlertsPerCamera)
        {
            foreach (var (alertId, _) in S.HandledAlerts.OrderBy(h => h.Value.ObservedAt).Take(S.HandledAlerts.Count - options.MaxRememberedAlertsPerCamera).ToList())
            {
                S.HandledAlerts.Remove(alertId);
            }
        }

        var cooldown = TimeSpan.FromSeconds(options.CooldownSeconds);
        foreach (var (type, entry) in S.Cooldowns)
        {
            if (now - entry.StartedAt > cooldown + retention)
            {
                S.Cooldowns.Remove(type);
            }
        }
    }
}
