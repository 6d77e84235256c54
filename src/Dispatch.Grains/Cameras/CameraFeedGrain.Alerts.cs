using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Zones;

namespace Dispatch.Grains.Cameras;

/// <summary>
/// Alert handling of a camera: de-duplication by alert id (recent ids in memory, every accepted id in the alert
/// ledger, so a re-send after a restart is still a duplicate), the per-camera cooldown (in memory: after a restart the
/// zone's correlation attaches the next alert to the same incident anyway), and correlation with nearby incidents.
/// </summary>
public sealed partial class CameraFeedGrain
{
    // Alert ids handled recently, oldest first, with their incident and content fingerprint.
    private readonly Dictionary<string, AlertLedgerEntry> _handled = new(StringComparer.Ordinal);
    private readonly Queue<(string AlertId, DateTimeOffset ObservedAt)> _handledOrder = new();

    // Per incident type, the incident that started the camera's current cooldown.
    private readonly Dictionary<string, (string IncidentId, DateTimeOffset StartedAt)> _cooldowns = new(StringComparer.Ordinal);

    private CameraAlertOptions Options => alertOptions.Value;

    public async Task<CameraAlertResult> HandleAlertAsync(CameraAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (Current() is not { } camera)
        {
            return CameraAlertResult.Rejected(CameraAlertRejection.UnknownCamera, $"camera '{CameraId}' is not registered");
        }

        if (!string.Equals(camera.GatewayId, alert.GatewayId, StringComparison.Ordinal))
        {
            return CameraAlertResult.Rejected(CameraAlertRejection.CameraOfAnotherGateway,
                $"camera '{CameraId}' belongs to gateway '{camera.GatewayId}', not '{alert.GatewayId}'");
        }

        var location = alert.Location ?? camera.Location;
        var earlier = _handled.GetValueOrDefault(alert.AlertId) ?? await store.FindAlertAsync(alert.GatewayId, alert.AlertId);
        if (earlier is not null)
        {
            Remember(earlier);
            var reused = earlier.Fingerprint.Length > 0 && alert.Fingerprint.Length > 0 && earlier.Fingerprint != alert.Fingerprint;
            return new CameraAlertResult(CameraAlertOutcome.Duplicate, earlier.IncidentId, false, CameraAlertRejection.None,
                reused ? $"alert id '{alert.AlertId}' was used before for an alert with other content; answered as that first alert" : "",
                location, reused);
        }

        Forget();
        var ledger = new AlertLedgerEntry(alert.GatewayId, alert.AlertId, CameraId, "", alert.Fingerprint, alert.ObservedAt);
        string incidentId;
        var opened = false;
        if (_cooldowns.TryGetValue(alert.IncidentType, out var cooldown)
            && (alert.ObservedAt - cooldown.StartedAt).Duration() < TimeSpan.FromSeconds(Options.CooldownSeconds))
        {
            // Inside the cooldown: join the camera's incident while it is open; after it closed, open nothing
            // (an operator closed it, and the camera keeps seeing the same scene).
            var joined = await GrainFactory.GetGrain<IIncidentGrain>(cooldown.IncidentId).AttachAlertAsync(ledger with { IncidentId = cooldown.IncidentId }, alert.Description);
            incidentId = joined.Ok ? cooldown.IncidentId : "";
            if (!joined.Ok)
            {
                try
                {
                    await store.RecordAlertAsync(ledger);
                }
                catch (RecordRefusedException)
                {
                    // Recorded meanwhile by a stale activation of this camera: the id is taken either way.
                }
            }
        }
        else
        {
            var zone = DispatchZone.Of(location);
            var correlation = await GrainFactory.GetGrain<IAlertCorrelationGrain>(zone.Key).AttachOrOpenAsync(alert, location, CameraId);
            if (correlation.Error is not null || correlation.IncidentId is null)
            {
                return CameraAlertResult.Rejected(CameraAlertRejection.Unavailable,
                    $"no incident could be opened for alert '{alert.AlertId}': {correlation.Error}");
            }

            incidentId = correlation.IncidentId;
            opened = correlation.Opened;
            _cooldowns[alert.IncidentType] = (incidentId, alert.ObservedAt);
        }

        Remember(ledger with { IncidentId = incidentId });
        return new CameraAlertResult(CameraAlertOutcome.Accepted, incidentId, opened, CameraAlertRejection.None, "", location);
    }

    private void Remember(AlertLedgerEntry entry)
    {
        if (_handled.TryAdd(entry.AlertId, entry))
        {
            _handledOrder.Enqueue((entry.AlertId, entry.ObservedAt));
        }
    }

    /// <summary>Drops remembered ids and cooldowns too old to matter (the ledger still has the ids), so memory stays small.</summary>
    private void Forget()
    {
        var now = clock.GetUtcNow();
        var retention = TimeSpan.FromSeconds(Options.IdempotencyRetentionSeconds);
        while (_handledOrder.TryPeek(out var oldest)
            && (_handledOrder.Count > Options.MaxRememberedAlertsPerCamera || now - oldest.ObservedAt > retention))
        {
            _handled.Remove(_handledOrder.Dequeue().AlertId);
        }

        var cooldown = TimeSpan.FromSeconds(Options.CooldownSeconds);
        foreach (var (type, entry) in _cooldowns)
        {
            if (now - entry.StartedAt > cooldown + retention)
            {
                _cooldowns.Remove(type);
            }
        }
    }
}
