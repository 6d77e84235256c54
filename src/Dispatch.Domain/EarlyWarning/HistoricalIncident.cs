using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Domain.EarlyWarning;

/// <summary>How an incident of the history ended.</summary>
public enum HistoricalOutcome
{
    Open = 0,
    Closed = 1,

    /// <summary>Cancelled: a false alarm or a duplicate; hotspot detection leaves these out.</summary>
    Cancelled = 2,
}

/// <summary>One past incident as the early-warning methods read it: what, where and when.</summary>
public sealed record HistoricalIncident(
    string IncidentId,
    string Type,
    IncidentPriority Priority,
    GeoPoint Location,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt,
    HistoricalOutcome Outcome);
