using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Domain.Plans;

namespace Dispatch.Abstractions.Records;

/// <summary>
/// An incident as the incident table indexes it (for lists, wake-up after a restart, a station's commitments and
/// alert correlation): rewritten with every commit of the incident.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.incident-summary")]
public sealed record IncidentSummary(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string Type,
    [property: Id(2)] IncidentPriority Priority,
    [property: Id(3)] IncidentSource Source,
    [property: Id(4)] IncidentStatus Status,
    [property: Id(5)] double Latitude,
    [property: Id(6)] double Longitude,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset? EndedAt,
    [property: Id(9)] string? GridId,
    [property: Id(10)] string? StationId,
    [property: Id(11)] int StationResponders,
    [property: Id(12)] DateTimeOffset? LastAlertAt,
    [property: Id(13)] string Description);

/// <summary>
/// A unit's assignment as the assignment table holds it, written by the incident in the same commit as the incident's
/// own state: the database refuses a second active assignment of one unit, whatever the grains believe.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.unit-assignment-row")]
public sealed record UnitAssignmentRow(
    [property: Id(0)] string UnitId,
    [property: Id(1)] long AssignmentNumber,
    [property: Id(2)] string IncidentId,
    [property: Id(3)] string TierName,
    [property: Id(4)] AssignmentState State,
    [property: Id(5)] DateTimeOffset AssignedAt,
    [property: Id(6)] DateTimeOffset AckDeadline,
    [property: Id(7)] double IncidentLatitude,
    [property: Id(8)] double IncidentLongitude,
    [property: Id(9)] double ArrivalRadiusMeters,
    [property: Id(10)] DateTimeOffset? EndedAt,
    [property: Id(11)] string? EndReason)
{
    /// <summary>Holds the unit: dispatched through on scene.</summary>
    public bool IsActive => State is AssignmentState.Dispatched or AssignmentState.Acknowledged or AssignmentState.EnRoute or AssignmentState.OnScene;
}

/// <summary>An accepted camera alert: its id (unique per gateway), its content fingerprint and the incident it went to ("" for none).</summary>
[GenerateSerializer]
[Alias("dispatch.alert-ledger-entry")]
public sealed record AlertLedgerEntry(
    [property: Id(0)] string GatewayId,
    [property: Id(1)] string AlertId,
    [property: Id(2)] string CameraId,
    [property: Id(3)] string IncidentId,
    [property: Id(4)] string Fingerprint,
    [property: Id(5)] DateTimeOffset ObservedAt);

/// <summary>
/// One durable step of an incident: its state (without the timeline, which is the journal), its new journal entries,
/// the assignments it changed and the alerts it took, committed together or not at all.
/// </summary>
public sealed record IncidentCommit(
    IncidentSummary Summary,
    long ExpectedVersion,
    byte[] Snapshot,
    IReadOnlyList<JournalEntry> Journal,
    IReadOnlyList<UnitAssignmentRow> Assignments,
    IReadOnlyList<AlertLedgerEntry> Alerts);

/// <summary>An incident as stored: its latest state, the version that state has, and its whole journal (the timeline).</summary>
public sealed record StoredIncident(long Version, byte[] Snapshot, IReadOnlyList<JournalEntry> Journal);

/// <summary>A unit's assignments as stored: the latest ones (oldest first, the active one last if any) and the highest number ever given.</summary>
public sealed record StoredUnitAssignments(IReadOnlyList<UnitAssignmentRow> Latest, long LastAssignmentNumber)
{
    public UnitAssignmentRow? Active => Latest.LastOrDefault(a => a.IsActive);
}

/// <summary>
/// Which incidents to list; every criterion is optional. Newest first (created time, then id, both descending), at most
/// <see cref="Limit"/>; <see cref="After"/> continues a listing after the last incident of the previous page, so pages stay
/// stable while new incidents arrive.
/// </summary>
public sealed record IncidentFilter
{
    public IncidentStatus? Status { get; init; }

    public IncidentSource? Source { get; init; }

    /// <summary>Incident type, exactly ("theft", "intrusion").</summary>
    public string? Type { get; init; }

    public IncidentPriority? Priority { get; init; }

    public DateTimeOffset? CreatedFrom { get; init; }

    public DateTimeOffset? CreatedBefore { get; init; }

    public string? StationId { get; init; }

    /// <summary>Grids (districts) the incident lies in; null or empty for any.</summary>
    public IReadOnlyList<string>? GridIds { get; init; }

    /// <summary>South-west and north-east corners (degrees).</summary>
    public (double South, double West, double North, double East)? Box { get; init; }

    /// <summary>Only incidents listed after this one in the order above (the last of the previous page).</summary>
    public IncidentCursor? After { get; init; }

    public int Limit { get; init; } = 1000;
}

/// <summary>A place in the newest-first incident order: the created time and id of the last incident a page held.</summary>
public readonly record struct IncidentCursor(DateTimeOffset CreatedAt, string IncidentId)
{
    /// <summary>Whether an incident comes after this cursor in the newest-first order.</summary>
    public bool Precedes(DateTimeOffset createdAt, string incidentId) =>
        createdAt < CreatedAt || (createdAt == CreatedAt && string.CompareOrdinal(incidentId, IncidentId) < 0);
}

/// <summary>The engine's durable record of incidents, their journal, unit assignments and accepted alerts.</summary>
public interface IIncidentStore
{
    /// <summary>Null when no incident has this id.</summary>
    Task<StoredIncident?> ReadAsync(string incidentId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits one step (version 0 expected for a new incident) and returns the new version. Refused with
    /// <see cref="RecordVersionConflictException"/> when the stored version is not the expected one, and with
    /// <see cref="UnitAlreadyAssignedException"/> when an assignment would give a unit a second active one;
    /// a refused step stores nothing.
    /// </summary>
    Task<long> CommitAsync(IncidentCommit commit, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<IncidentSummary>> FindAsync(IncidentFilter filter, CancellationToken cancellationToken = default);

    Task<StoredUnitAssignments> ReadUnitAsync(string unitId, int latest, CancellationToken cancellationToken = default);

    /// <summary>The ledger entry of an alert (gateway id, alert id), or null if it was never accepted.</summary>
    Task<AlertLedgerEntry?> FindAlertAsync(string gatewayId, string alertId, CancellationToken cancellationToken = default);

    /// <summary>Records an alert accepted into no incident (inside a camera's cooldown after its incident closed).</summary>
    Task RecordAlertAsync(AlertLedgerEntry entry, CancellationToken cancellationToken = default);
}

/// <summary>A durable write refused by what it found; nothing of it was stored.</summary>
[GenerateSerializer]
[Alias("dispatch.record-refused")]
public class RecordRefusedException : Exception
{
    public RecordRefusedException(string message)
        : base(message)
    {
    }

    public RecordRefusedException()
    {
    }

    public RecordRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Another writer stored a newer version first (a stale activation): reload before writing again.</summary>
[GenerateSerializer]
[Alias("dispatch.record-version-conflict")]
public sealed class RecordVersionConflictException : RecordRefusedException
{
    public RecordVersionConflictException(string message)
        : base(message)
    {
    }

    public RecordVersionConflictException()
    {
    }

    public RecordVersionConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The unit already holds an active assignment in the store.</summary>
[GenerateSerializer]
[Alias("dispatch.unit-already-assigned")]
public sealed class UnitAlreadyAssignedException : RecordRefusedException
{
    public UnitAlreadyAssignedException(string unitId, string message)
        : base(message)
    {
        UnitId = unitId;
    }

    public UnitAlreadyAssignedException(string message)
        : base(message)
    {
    }

    /// <summary>The unit the store refused to assign.</summary>
    [Id(0)]
    public string? UnitId { get; private set; }

    public UnitAlreadyAssignedException()
    {
    }

    public UnitAlreadyAssignedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A unit's last known position as stored.</summary>
public sealed record StoredPosition(Dispatch.Domain.Geo.GeoPoint Position, DateTimeOffset At);

/// <summary>
/// Units' last known positions: soft state, saved in bulk (one commit for every unit that moved) at an interval, so a
/// restart finds units near where they were without a write per GPS fix.
/// </summary>
public interface IUnitPositionStore
{
    Task<StoredPosition?> ReadPositionAsync(string unitId, CancellationToken cancellationToken = default);

    /// <summary>Saves the latest position of each unit (a later fix of a unit replaces an earlier one; an older one is ignored).</summary>
    Task SavePositionsAsync(IReadOnlyList<Units.UnitPositionReport> positions, CancellationToken cancellationToken = default);

    /// <summary>Units whose last known position lies in the box (degrees).</summary>
    Task<IReadOnlyList<Units.UnitPositionReport>> FindPositionsAsync(double south, double west, double north, double east, CancellationToken cancellationToken = default);
}
