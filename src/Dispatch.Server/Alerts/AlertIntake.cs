using System.Globalization;
using Dispatch.Abstractions.Cameras;
using Dispatch.Contracts;
using Dispatch.Contracts.V1;
using Dispatch.Domain.Geo;
using Dispatch.Grains.Hosting;
using Dispatch.Server.EarlyWarning;
using Dispatch.Vision.Geometry;
using Dispatch.Vision.Snapshots;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Alerts;

/// <summary>
/// The one path of an alert into the service, for the Connect stream and PublishAlert alike: checks its fields and
/// snapshot (once: <see cref="AlertValidation.Check"/> and <see cref="Snapshot.Validate"/>), hands it to its camera's
/// grain (de-duplication, cooldown, correlation, incident), keeps it with its snapshots in the <see cref="AlertArchive"/>
/// and shows it in the operators' <see cref="OperatorAlertFeed"/>. Always answers with an ack; a bad alert changes nothing.
/// </summary>
public sealed partial class AlertIntake(
    IGrainFactory grains,
    AlertAdmission admission,
    IOptions<AlertIntakeOptions> options,
    AlertArchive archive,
    OperatorAlertFeed operatorFeed,
    AlertRateWatch alertRates,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    ILogger<AlertIntake> logger)
{
    /// <summary>How long a gateway should wait before re-sending after a retryable refusal.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    public async Task<AlertAck> ProcessAsync(string gatewayId, Alert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var o = options.Value;
        var receivedAt = clock.GetUtcNow();
        var refusal = AlertValidation.Check(alert, receivedAt, o.MaxClockSkew, o.MaxAge);
        if (refusal is not null)
        {
            return Rejected(alert.AlertId, refusal.Reason, refusal.Message);
        }

        if (string.IsNullOrWhiteSpace(alert.CameraId) || alert.CameraId.Length > 128)
        {
            return Rejected(alert.AlertId, RejectReason.UnknownCamera, $"camera_id '{Shorten(alert.CameraId)}' is empty or longer than 128 characters");
        }

        if (!alert.SnapshotJpeg.IsEmpty)
        {
            var check = Snapshot.Validate(alert.SnapshotJpeg.Span, AlertLimits.MaxSnapshotBytes);
            if (!check.Accepted)
            {
                var reason = check.Refusal == SnapshotRefusal.TooLarge ? RejectReason.SnapshotTooLarge : RejectReason.SnapshotNotJpeg;
                return Rejected(alert.AlertId, reason, check.Message);
            }
        }

        var mapping = o.MappingFor(alert.Kind);
        var cameraAlert = new CameraAlert(
            alert.AlertId,
            gatewayId,
            alert.Kind.ToString(),
            alert.Confidence,
            alert.ObservedAt.ToDateTimeOffset(),
            alert.Location is { } at ? new GeoPoint(at.Latitude, at.Longitude) : null,
            mapping.Type,
            mapping.Priority,
            AlertIntakeOptions.SourceOf(alert.Kind),
            Describe(alert),
            Fingerprint(alert));

        if (!admission.TryEnter(mapping.Priority))
        {
            return Rejected(alert.AlertId, RejectReason.Overloaded,
                $"alert '{alert.AlertId}' ({mapping.Priority}) shed: the service holds {admission.InProcess} alerts in process; retry after {RetryAfter.TotalSeconds:F0} s");
        }

        CameraAlertResult result;
        try
        {
            result = await grains.GetGrain<ICameraFeedGrain>(alert.CameraId).HandleAlertAsync(cameraAlert).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlingFailed(logger, alert.AlertId, alert.CameraId, ex);
            return Rejected(alert.AlertId, RejectReason.Unavailable, $"alert '{alert.AlertId}' could not be handled now: {ex.Message}");
        }
        finally
        {
            admission.Leave();
        }

        switch (result.Outcome)
        {
            case CameraAlertOutcome.Duplicate:
                if (result.ReusedWithOtherContent)
                {
                    LogIdReused(logger, gatewayId, alert.AlertId, alert.CameraId);
                }

                return new AlertAck { AlertId = alert.AlertId, Outcome = AlertOutcome.Duplicate, IncidentId = result.IncidentId, Message = result.Message };
            case CameraAlertOutcome.Rejected:
                var rejectReason = result.Rejection switch
                {
                    CameraAlertRejection.UnknownCamera => RejectReason.UnknownCamera,
                    CameraAlertRejection.CameraOfAnotherGateway => RejectReason.CameraOfAnotherGateway,
                    _ => RejectReason.Unavailable,
                };
                return Rejected(alert.AlertId, rejectReason, result.Message);
        }

        var archived = false;
        try
        {
            await archive.SaveAsync(Archived(alert, gatewayId, receivedAt, result), Render(alert, o.ThumbnailWidthPx), cancellationToken);
            archived = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The incident exists and the alert id is remembered: losing the picture must not make the gateway re-send.
            LogArchiveFailed(logger, alert.AlertId, ex);
        }

        // Early warning: count the accepted alert against its camera's (and sensor group's) own rate. In memory, never throws.
        alertRates.Observe(gatewayId, alert.CameraId, alert.Kind.ToString());

        await ShowToOperatorsAsync(gatewayId, alert, result, archived);
        return new AlertAck { AlertId = alert.AlertId, Outcome = AlertOutcome.Accepted, IncidentId = result.IncidentId };
    }

    /// <summary>Puts an accepted alert in operators' alert feed; the ack does not wait on a failure here.</summary>
    private async Task ShowToOperatorsAsync(string gatewayId, Alert alert, CameraAlertResult result, bool archived)
    {
        try
        {
            await operatorFeed.ShowAsync(gatewayId, alert, result, archived);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The incident exists and operators see it; only the alert's own entry in the feed is missing.
            LogLiveFeedFailed(logger, alert.AlertId, ex);
        }
    }

    public static AlertAck Rejected(string alertId, RejectReason reason, string message)
    {
        var ack = new AlertAck { AlertId = alertId ?? "", Outcome = AlertOutcome.Rejected, RejectReason = reason, Message = message };
        if (AlertValidation.IsRetryable(reason))
        {
            ack.RetryAfter = Duration.FromTimeSpan(RetryAfter);
        }

        return ack;
    }

    private static Dictionary<SnapshotVariant, byte[]> Render(Alert alert, int thumbnailWidthPx)
    {
        if (alert.SnapshotJpeg.IsEmpty)
        {
            return [];
        }

        var original = alert.SnapshotJpeg.ToByteArray();
        var boxes = alert.Boxes.Select(b => new NormalizedBox(b.X, b.Y, b.Width, b.Height, b.Label, b.Score)).ToList();
        var outlines = alert.RuleShapes.Select(r => new RuleOutline(r.Name, [.. r.Points.Select(p => new NormalizedPoint(p.X, p.Y))], r.Closed)).ToList();
        return new Dictionary<SnapshotVariant, byte[]>
        {
            [SnapshotVariant.Original] = original,
            [SnapshotVariant.Thumb] = Snapshot.Thumbnail(original, thumbnailWidthPx),
            [SnapshotVariant.Annotated] = Snapshot.Annotated(original, boxes, outlines),
        };
    }

    private static ArchivedAlert Archived(Alert alert, string gatewayId, DateTimeOffset receivedAt, CameraAlertResult result) => new(
        alert.AlertId,
        gatewayId,
        alert.CameraId,
        alert.Kind.ToString(),
        alert.Confidence,
        alert.ObservedAt.ToDateTimeOffset(),
        receivedAt,
        result.IncidentId,
        result.Location?.Latitude ?? 0,
        result.Location?.Longitude ?? 0,
        [.. alert.Boxes.Select(b => new ArchivedBox(b.X, b.Y, b.Width, b.Height, b.Label, b.Score))],
        alert.Attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal),
        !alert.SnapshotJpeg.IsEmpty);

    /// <summary>
    /// What operators read: the event, the camera and how sure the analytics are. Alert ids and detector settings stay
    /// in the alert record (GET /api/incidents/{id}/alerts), not in the incident's description.
    /// </summary>
    internal static string Describe(Alert alert) => string.Create(CultureInfo.InvariantCulture,
        $"{KindText(alert.Kind)} seen by camera {alert.CameraId} ({alert.Confidence * 100:F0}% sure)");

    private static string KindText(AlertKind kind) => kind switch
    {
        AlertKind.Intrusion => "Intrusion",
        AlertKind.LineCrossing => "Line crossing",
        AlertKind.Loitering => "Loitering",
        AlertKind.Crowd => "Crowd",
        AlertKind.Fight => "Fight",
        AlertKind.Fall => "Person fallen",
        AlertKind.FireOrSmoke => "Fire or smoke",
        AlertKind.Vehicle => "Vehicle",
        AlertKind.PanicButton => "Panic button pressed",
        AlertKind.Sensor => "Sensor alarm",
        _ => kind.ToString(),
    };

    /// <summary>
    /// What makes an alert this alert, for telling a re-send (same content) from an alert id reused for another event:
    /// camera, kind, observed time, confidence, place, boxes and the snapshot's size.
    /// </summary>
    internal static string Fingerprint(Alert alert)
    {
        var text = new System.Text.StringBuilder();
        text.Append(alert.CameraId).Append('|').Append((int)alert.Kind).Append('|')
            .Append(alert.ObservedAt?.Seconds ?? 0).Append('.').Append(alert.ObservedAt?.Nanos ?? 0).Append('|')
            .Append(alert.Confidence.ToString("R", CultureInfo.InvariantCulture)).Append('|')
            .Append(alert.Location?.Latitude.ToString("R", CultureInfo.InvariantCulture)).Append(',')
            .Append(alert.Location?.Longitude.ToString("R", CultureInfo.InvariantCulture)).Append('|')
            .Append(alert.SnapshotJpeg.Length);
        foreach (var box in alert.Boxes)
        {
            text.Append('|').Append(box.X.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(box.Y.ToString("R", CultureInfo.InvariantCulture));
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexString(hash, 0, 12);
    }

    private static string Shorten(string? value) => value is null ? "" : value.Length <= 32 ? value : value[..32] + "...";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway '{GatewayId}' reused alert id '{AlertId}' (camera {CameraId}) for an alert with other content; answered as the first")]
    private static partial void LogIdReused(ILogger logger, string gatewayId, string alertId, string cameraId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} of camera {CameraId} could not be handled; the gateway is told to retry")]
    private static partial void LogHandlingFailed(ILogger logger, string alertId, string cameraId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} was accepted but could not be shown in the operators' alert feed")]
    private static partial void LogLiveFeedFailed(ILogger logger, string alertId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} was accepted but its record or snapshot could not be archived")]
    private static partial void LogArchiveFailed(ILogger logger, string alertId, Exception exception);
}
