using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Abstractions.Cameras;

/// <summary>
/// A validated camera alert as the camera-feed grain sees it: the host has already checked its fields and
/// snapshot and mapped its kind to an incident type and priority.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.camera-alert")]
public sealed record CameraAlert(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string GatewayId,
    [property: Id(2)] string Kind,
    [property: Id(3)] double Confidence,
    [property: Id(4)] DateTimeOffset ObservedAt,
    [property: Id(5)] GeoPoint? Location,
    [property: Id(6)] string IncidentType,
    [property: Id(7)] IncidentPriority Priority,
    [property: Id(8)] IncidentSource Source,
    [property: Id(9)] string Description,
    [property: Id(10)] string Fingerprint = "");

/// <summary>What became of an alert in the camera-feed grain.</summary>
public enum CameraAlertOutcome
{
    /// <summary>Accepted: opened an incident, attached to one, or (inside the cooldown after a closed incident) to none.</summary>
    Accepted = 1,

    /// <summary>
    /// The alert id was handled before; the incident is that of the first copy. When the content differs from the first
    /// copy's, <see cref="CameraAlertResult.ReusedWithOtherContent"/> says so: the gateway is reusing ids.
    /// </summary>
    Duplicate = 2,

    /// <summary>Refused; nothing changed.</summary>
    Rejected = 3,
}

/// <summary>Why the camera-feed grain refused an alert.</summary>
public enum CameraAlertRejection
{
    None = 0,

    /// <summary>The camera was never registered.</summary>
    UnknownCamera = 1,

    /// <summary>The camera is registered to another gateway.</summary>
    CameraOfAnotherGateway = 2,

    /// <summary>The incident could not be opened now; retry with the same alert id.</summary>
    Unavailable = 3,
}

/// <summary>The answer to one alert. <see cref="IncidentId"/> is empty when the alert was accepted into no incident.</summary>
[GenerateSerializer]
[Alias("dispatch.camera-alert-result")]
public sealed record CameraAlertResult(
    [property: Id(0)] CameraAlertOutcome Outcome,
    [property: Id(1)] string IncidentId,
    [property: Id(2)] bool OpenedIncident,
    [property: Id(3)] CameraAlertRejection Rejection,
    [property: Id(4)] string Message,
    [property: Id(5)] GeoPoint? Location,
    [property: Id(6)] bool ReusedWithOtherContent = false)
{
    public static CameraAlertResult Rejected(CameraAlertRejection rejection, string message) =>
        new(CameraAlertOutcome.Rejected, "", false, rejection, message, null);
}

/// <summary>Alert handling of a camera channel: de-duplication by alert id, per-camera cooldown, correlation.</summary>
public partial interface ICameraFeedGrain
{
    /// <summary>
    /// Handles one alert exactly once: a repeated alert id answers <see cref="CameraAlertOutcome.Duplicate"/> with the
    /// first copy's incident and creates nothing.
    /// </summary>
    [Alias("handle-alert")]
    Task<CameraAlertResult> HandleAlertAsync(CameraAlert alert);
}

/// <summary>An incident opened from camera alerts, as remembered for correlation.</summary>
[GenerateSerializer]
[Alias("dispatch.alert-incident")]
public sealed record AlertIncident(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string IncidentType,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] DateTimeOffset LastAlertAt);

/// <summary>What the correlation grain decided for one alert.</summary>
[GenerateSerializer]
[Alias("dispatch.correlation-result")]
public sealed record CorrelationResult(
    [property: Id(0)] string? IncidentId,
    [property: Id(1)] bool Opened,
    [property: Id(2)] string? Error);

/// <summary>
/// Incidents opened from alerts in one dispatch zone (key: <c>DispatchZone.Key</c>): an alert of the same incident
/// type close enough in place and time to an open one attaches to it instead of opening another, so several
/// cameras seeing one fight give one incident.
/// </summary>
[Alias("dispatch.IAlertCorrelationGrain")]
public interface IAlertCorrelationGrain : IGrainWithStringKey
{
    /// <summary>Attaches the alert to a matching open incident in this zone or a neighbouring one, or opens a new incident.</summary>
    [Alias("attach-or-open")]
    Task<CorrelationResult> AttachOrOpenAsync(CameraAlert alert, GeoPoint location, string cameraId);

    /// <summary>The incidents this zone remembers (read only, so neighbours may ask while busy themselves).</summary>
    [Alias("candidates")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<AlertIncident>> CandidatesAsync();
}
