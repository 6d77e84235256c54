using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Server.Live;

// What the live map and the terminals render. These records travel twice: from grains through the
// notifier to every host (Orleans serialization), then from a host to browsers (SignalR JSON, enums as
// strings). They carry the state a page needs, not only ids.

/// <summary>A unit's current assignment, with the incident's location so a terminal can draw it at once.</summary>
[GenerateSerializer]
[Alias("live.unit-assignment")]
public sealed record LiveUnitAssignment(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string TierName,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] DateTimeOffset AssignedAt,
    [property: Id(5)] DateTimeOffset AckDeadline,
    [property: Id(6)] long AssignmentNumber);

/// <summary>A patrol unit: status, last position, the grid it is in and its assignment.</summary>
[GenerateSerializer]
[Alias("live.unit")]
public sealed record LiveUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string CallSign,
    [property: Id(2)] UnitKind Kind,
    [property: Id(3)] string HomeStationId,
    [property: Id(4)] UnitStatus Status,
    [property: Id(5)] double? Latitude,
    [property: Id(6)] double? Longitude,
    [property: Id(7)] DateTimeOffset? PositionAt,
    [property: Id(8)] string? GridId,
    [property: Id(9)] LiveUnitAssignment? Assignment,
    [property: Id(10)] string? OutOfServiceReason = null);

/// <summary>
/// One response tier of an incident (the 1/3/5-minute targets). A station tier names its station and the responders it
/// committed, so the station's desk (or the demo's simulated station) can report them on scene.
/// </summary>
[GenerateSerializer]
[Alias("live.tier")]
public sealed record LiveTier(
    [property: Id(0)] string Name,
    [property: Id(1)] int Requested,
    [property: Id(2)] DateTimeOffset Deadline,
    [property: Id(3)] TierOutcome Outcome,
    [property: Id(4)] bool AtRisk,
    [property: Id(5)] DateTimeOffset? FirstArrivalAt,
    [property: Id(6)] Dispatch.Domain.Plans.TierKind Kind = Dispatch.Domain.Plans.TierKind.NearestUnits,
    [property: Id(7)] string? StationId = null,
    [property: Id(8)] int StationResponders = 0);

/// <summary>A unit on an incident: holding it (dispatched to on scene), or done with it (cleared, released).</summary>
[GenerateSerializer]
[Alias("live.incident-assignment")]
public sealed record LiveIncidentAssignment(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string TierName,
    [property: Id(2)] AssignmentState State,
    [property: Id(3)] DateTimeOffset AssignedAt,
    [property: Id(4)] double EtaSeconds,
    [property: Id(5)] DateTimeOffset? ArrivedAt);

/// <summary>An incident as the queue and the map show it (the timeline stays in the incident grain).</summary>
[GenerateSerializer]
[Alias("live.incident")]
public sealed record LiveIncident(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string Type,
    [property: Id(2)] int Priority,
    [property: Id(3)] double Latitude,
    [property: Id(4)] double Longitude,
    [property: Id(5)] string Description,
    [property: Id(6)] IncidentSource Source,
    [property: Id(7)] IncidentStatus Status,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? EndedAt,
    [property: Id(10)] string? Disposition,
    [property: Id(11)] string? GridId,
    [property: Id(12)] IReadOnlyList<LiveTier> Tiers,
    [property: Id(13)] IReadOnlyList<LiveIncidentAssignment> Assignments);

public enum AlertState
{
    /// <summary>Waiting for an operator.</summary>
    New = 0,

    /// <summary>An incident was opened from it.</summary>
    Opened = 1,

    /// <summary>Dismissed as a false alarm.</summary>
    Dismissed = 2,
}

/// <summary>A box drawn on the snapshot, in fractions (0..1) of the image width and height.</summary>
[GenerateSerializer]
[Alias("live.alert-box")]
public sealed record AlertBox(
    [property: Id(0)] double X,
    [property: Id(1)] double Y,
    [property: Id(2)] double Width,
    [property: Id(3)] double Height,
    [property: Id(4)] string Label);

/// <summary>
/// A camera alert; its snapshot's thumbnail is served at <see cref="SnapshotUrl"/> and the frame with the boxes drawn
/// in at <see cref="AnnotatedSnapshotUrl"/> (both null when the alert came without a snapshot).
/// </summary>
[GenerateSerializer]
[Alias("live.alert")]
public sealed record LiveAlert(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string CameraId,
    [property: Id(2)] string CameraName,
    [property: Id(3)] string Kind,
    [property: Id(4)] double Confidence,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] double Latitude,
    [property: Id(7)] double Longitude,
    [property: Id(8)] string? GridId,
    [property: Id(9)] AlertState State,
    [property: Id(10)] string? IncidentId,
    [property: Id(11)] string? SnapshotUrl,
    [property: Id(12)] IReadOnlyList<AlertBox> Boxes,
    [property: Id(13)] string? AnnotatedSnapshotUrl);

/// <summary>
/// A camera channel's health (debounced). A camera that is not part of the city file (a gateway registered it in
/// its Hello) carries its name and place, so the map can draw it; a city camera is already on the map.
/// </summary>
[GenerateSerializer]
[Alias("live.camera")]
public sealed record LiveCamera(
    [property: Id(0)] string CameraId,
    [property: Id(1)] bool Online,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string? GridId,
    [property: Id(4)] string? Name = null,
    [property: Id(5)] double? Latitude = null,
    [property: Id(6)] double? Longitude = null);

/// <summary>A point of a directive's area.</summary>
[GenerateSerializer]
[Alias("live.lat-lon")]
public sealed record LatLon([property: Id(0)] double Latitude, [property: Id(1)] double Longitude);

/// <summary>A patrol directive: patrol inside <see cref="Area"/> between <see cref="From"/> and <see cref="Until"/>.</summary>
[GenerateSerializer]
[Alias("live.directive")]
public sealed record LiveDirective(
    [property: Id(0)] string DirectiveId,
    [property: Id(1)] IReadOnlyList<string> UnitIds,
    [property: Id(2)] IReadOnlyList<LatLon> Area,
    [property: Id(3)] DateTimeOffset From,
    [property: Id(4)] DateTimeOffset Until,
    [property: Id(5)] string Note,
    [property: Id(6)] string IssuedBy);

/// <summary>
/// One change published by a grain. <see cref="Version"/> grows per entity, so a host that gets two
/// changes of one entity out of order keeps the newer.
/// </summary>
[GenerateSerializer]
[Alias("live.message")]
public abstract record LiveMessage([property: Id(0)] long Version)
{
    /// <summary>"unit:P-101", "incident:INC-..."; the key versions are compared under.</summary>
    public abstract string EntityKey { get; }
}

[GenerateSerializer]
[Alias("live.unit-update")]
public sealed record UnitUpdate(long Version, [property: Id(0)] LiveUnit Unit) : LiveMessage(Version)
{
    public override string EntityKey => "unit:" + Unit.UnitId;
}

[GenerateSerializer]
[Alias("live.incident-update")]
public sealed record IncidentUpdate(long Version, [property: Id(0)] LiveIncident Incident) : LiveMessage(Version)
{
    public override string EntityKey => "incident:" + Incident.IncidentId;
}

[GenerateSerializer]
[Alias("live.alert-update")]
public sealed record AlertUpdate(long Version, [property: Id(0)] LiveAlert Alert) : LiveMessage(Version)
{
    public override string EntityKey => "alert:" + Alert.AlertId;
}

[GenerateSerializer]
[Alias("live.camera-update")]
public sealed record CameraUpdate(long Version, [property: Id(0)] LiveCamera Camera) : LiveMessage(Version)
{
    public override string EntityKey => "camera:" + Camera.CameraId;
}

[GenerateSerializer]
[Alias("live.directive-issued")]
public sealed record DirectiveIssued(long Version, [property: Id(0)] LiveDirective Directive) : LiveMessage(Version)
{
    public override string EntityKey => "directive:" + Directive.DirectiveId;
}

/// <summary>One unit's fix in a <see cref="UnitsMoved"/> batch.</summary>
[GenerateSerializer]
[Alias("live.moved-unit")]
public sealed record MovedUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] DateTimeOffset At);

/// <summary>
/// Units moved: a batch of fixes as one host took them. Not an entity change (a position never replaces a newer one,
/// by time), so it carries no version of its own and is never refused as old.
/// </summary>
[GenerateSerializer]
[Alias("live.units-moved")]
public sealed record UnitsMoved([property: Id(0)] IReadOnlyList<MovedUnit> Positions) : LiveMessage(0)
{
    public override string EntityKey => "";
}

/// <summary>A change as a page receives it: the host's sequence number, then the entity.</summary>
public sealed record LiveDelta<T>(long Seq, T Item);

/// <summary>Latest positions of the units that moved since the last batch (compact: one array per unit).</summary>
public sealed record UnitPositionBatch(long Seq, IReadOnlyList<UnitPosition> Positions);

public sealed record UnitPosition(string UnitId, double Latitude, double Longitude);

/// <summary>
/// What an operator page needs to draw everything, as of <see cref="Seq"/>; deltas with a higher Seq follow.
/// <see cref="CameraCount"/> and <see cref="OfflineCameras"/> are the camera health board's (GET /api/cameras/health);
/// <see cref="Cameras"/> are the cameras gateways registered beyond the city file, with their places.
/// </summary>
public sealed record OperationsSnapshot(
    long Seq,
    DateTimeOffset ServerTime,
    IReadOnlyList<string>? Districts,
    IReadOnlyList<LiveUnit> Units,
    IReadOnlyList<LiveIncident> Incidents,
    IReadOnlyList<LiveAlert> Alerts,
    int CameraCount,
    IReadOnlyList<LiveCamera> OfflineCameras,
    IReadOnlyList<LiveCamera> Cameras);

/// <summary>What a terminal needs after signing in or reconnecting, as of <see cref="Seq"/>.</summary>
public sealed record TerminalSnapshot(
    long Seq,
    DateTimeOffset ServerTime,
    LiveUnit Unit,
    LiveIncident? Incident,
    IReadOnlyList<LiveDirective> Directives);

/// <summary>The answer to a terminal button: <see cref="ClientActionId"/> echoes the client's id for its queue.</summary>
public sealed record TerminalActionResult(string ClientActionId, bool Duplicate, LiveUnit Unit);

/// <summary>A camera near an incident or alert, nearest first.</summary>
public sealed record NearbyCamera(string CameraId, string Name, double Latitude, double Longitude, double DistanceMeters, bool Online);
