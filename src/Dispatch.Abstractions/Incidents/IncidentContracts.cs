using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Abstractions.Incidents;

/// <summary>Where an incident was reported from.</summary>
public enum IncidentSource
{
    /// <summary>A call-taker's 110 emergency call.</summary>
    Call = 0,

    /// <summary>An operator placed it on the map.</summary>
    Operator = 1,

    /// <summary>A camera analytics alert.</summary>
    Camera = 2,

    /// <summary>An alarm button, probe or sensor.</summary>
    Sensor = 3,
}

/// <summary>A report of something that needs a response, before validation.</summary>
[GenerateSerializer]
[Alias("dispatch.incident-report")]
public sealed record IncidentReport(
    [property: Id(0)] string Type,
    [property: Id(1)] IncidentPriority Priority,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] string Description,
    [property: Id(5)] IncidentSource Source,
    [property: Id(6)] string Actor)
{
    public const int MaxTypeLength = 100;
    public const int MaxDescriptionLength = 4000;

    /// <summary>Null when the report can open an incident, otherwise what is wrong, naming the bad value.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Type))
        {
            return "incident type must not be blank";
        }

        if (Type.Length > MaxTypeLength)
        {
            return $"incident type must be at most {MaxTypeLength} characters, got {Type.Length}";
        }

        if (!Enum.IsDefined(Priority))
        {
            return $"priority must be 1 (Critical) to 4 (Low), got {(int)Priority}";
        }

        var locationError = GeoPoint.Validate(Latitude, Longitude);
        if (locationError is not null)
        {
            return $"location is invalid: {locationError}";
        }

        if (Description is null || Description.Length > MaxDescriptionLength)
        {
            return $"description must be at most {MaxDescriptionLength} characters, got {Description?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}";
        }

        if (!Enum.IsDefined(Source))
        {
            return $"source must be Call, Operator, Camera or Sensor, got {(int)Source}";
        }

        return string.IsNullOrWhiteSpace(Actor) ? "actor (who reports the incident) must not be blank" : null;
    }
}

/// <summary>The answer to an intake: the new incident's id, or why nothing was created.</summary>
[GenerateSerializer]
[Alias("dispatch.intake-result")]
public sealed record IntakeResult([property: Id(0)] string? IncidentId, [property: Id(1)] string? Error)
{
    public bool Ok => Error is null;
}

public enum IncidentStatus
{
    Open = 0,
    Closed = 1,
    Cancelled = 2,
}

/// <summary>Where a tier stands against its deadline.</summary>
public enum TierOutcome
{
    /// <summary>Deadline not yet passed, nobody of this tier on scene.</summary>
    Pending = 0,

    /// <summary>A responder of the tier arrived by the deadline.</summary>
    Met = 1,

    /// <summary>The deadline passed with nobody of the tier on scene.</summary>
    Breached = 2,

    /// <summary>The tier sends nobody for this priority.</summary>
    NotRequired = 3,

    /// <summary>The incident ended before the deadline with nobody of the tier on scene.</summary>
    Void = 4,
}

/// <summary>One response tier of an incident: what it asked for, its deadline and how it went.</summary>
[GenerateSerializer]
[Alias("dispatch.incident-tier")]
public sealed record IncidentTierView(
    [property: Id(0)] string Name,
    [property: Id(1)] TierKind Kind,
    [property: Id(2)] int Requested,
    [property: Id(3)] DateTimeOffset Deadline,
    [property: Id(4)] TierOutcome Outcome,
    [property: Id(5)] bool AtRisk,
    [property: Id(6)] IReadOnlyList<string> Shortfalls,
    [property: Id(7)] DateTimeOffset? FirstArrivalAt,
    [property: Id(8)] string? StationId,
    [property: Id(9)] int StationResponders);

public enum AssignmentState
{
    Dispatched = 0,
    Acknowledged = 1,
    EnRoute = 2,
    OnScene = 3,
    Cleared = 4,
    Released = 5,
}

/// <summary>A unit assigned to the incident for a tier.</summary>
[GenerateSerializer]
[Alias("dispatch.incident-assignment")]
public sealed record IncidentAssignmentView(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string TierName,
    [property: Id(2)] long AssignmentNumber,
    [property: Id(3)] AssignmentState State,
    [property: Id(4)] DateTimeOffset AssignedAt,
    [property: Id(5)] DateTimeOffset AckDeadline,
    [property: Id(6)] double EtaSeconds,
    [property: Id(7)] DateTimeOffset? ArrivedAt,
    [property: Id(8)] DateTimeOffset? EndedAt,
    [property: Id(9)] string? EndReason);

/// <summary>One audited event in an incident's timeline (also written to the incident journal).</summary>
[GenerateSerializer]
[Alias("dispatch.timeline-entry")]
public sealed record TimelineEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Actor,
    [property: Id(4)] string Text,
    [property: Id(5)] string? UnitId,
    [property: Id(6)] string? TierName);

/// <summary>The incident as an operator sees it. <see cref="DispatchSettled"/> turns true once every tier has been filled as far as possible.</summary>
[GenerateSerializer]
[Alias("dispatch.incident-view")]
public sealed record IncidentView(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string Type,
    [property: Id(2)] IncidentPriority Priority,
    [property: Id(3)] GeoPoint Location,
    [property: Id(4)] string Description,
    [property: Id(5)] IncidentSource Source,
    [property: Id(6)] IncidentStatus Status,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset? EndedAt,
    [property: Id(9)] string? Disposition,
    [property: Id(10)] IReadOnlyList<IncidentTierView> Tiers,
    [property: Id(11)] IReadOnlyList<IncidentAssignmentView> Assignments,
    [property: Id(12)] IReadOnlyList<TimelineEntry> Timeline,
    [property: Id(13)] bool DispatchSettled)
{
    /// <summary>Units holding the incident now (dispatched through on scene).</summary>
    public IEnumerable<IncidentAssignmentView> ActiveAssignments => Assignments.Where(a =>
        a.State is AssignmentState.Dispatched or AssignmentState.Acknowledged or AssignmentState.EnRoute or AssignmentState.OnScene);

    public IncidentTierView Tier(string name) => Tiers.Single(t => t.Name == name);
}

/// <summary>Timeline entry kinds (also the journal's <c>Kind</c>).</summary>
public static class TimelineKinds
{
    public const string Created = "created";
    public const string TierPlanned = "tier-planned";
    public const string StationCommitted = "station-committed";
    public const string UnitAssigned = "unit-assigned";
    public const string ClaimRefused = "claim-refused";
    public const string TierAtRisk = "tier-at-risk";
    public const string Acknowledged = "acknowledged";
    public const string EnRoute = "en-route";
    public const string OnScene = "on-scene";
    public const string Cleared = "cleared";
    public const string AckTimeout = "ack-timeout";
    public const string UnitReleased = "unit-released";
    public const string TierMet = "tier-met";
    public const string TierBreached = "tier-breached";
    public const string ArrivedLate = "arrived-late";
    public const string StationOnScene = "station-on-scene";
    public const string Closed = "closed";
    public const string Cancelled = "cancelled";
    public const string Note = "note";
    public const string AlertJoined = "alert-joined";
}
