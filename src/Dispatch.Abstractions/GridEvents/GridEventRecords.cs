using Dispatch.Domain.GridEvents;

namespace Dispatch.Abstractions.GridEvents;

/// <summary>Who reported a grid event: a grid worker's account, or a resident without one (a contact and a follow-up code).</summary>
public enum GridEventReporterKind
{
    GridWorker = 0,
    Resident = 1,

    /// <summary>An operator or supervisor entered it (a phone call to the command centre).</summary>
    Operator = 2,
}

/// <summary>
/// A grid event as stored: its facts, where it stands and its version (each step adds one). Times are UTC.
/// <see cref="FollowCodeHash"/> is the SHA-256 of a resident's follow-up code (the code itself is never stored).
/// </summary>
public sealed record GridEventRecord
{
    public required string EventId { get; init; }

    public long Version { get; init; }

    public required GridEventState State { get; init; }

    public required string Category { get; init; }

    public required string Department { get; init; }

    /// <summary>Why it went to that department ("category street-light", "route 0 (...)").</summary>
    public required string RoutingReason { get; init; }

    public required string GridId { get; init; }

    public required string DistrictId { get; init; }

    public required double Latitude { get; init; }

    public required double Longitude { get; init; }

    public required string Text { get; init; }

    public required GridEventReporterKind ReporterKind { get; init; }

    /// <summary>The reporting account's name; null for a resident.</summary>
    public string? Reporter { get; init; }

    /// <summary>A resident's contact (phone or e-mail); null for accounts.</summary>
    public string? Contact { get; init; }

    public string? FollowCodeHash { get; init; }

    public required DateTimeOffset ReportedAt { get; init; }

    /// <summary>When the time limit (SLA) of its category runs out.</summary>
    public required DateTimeOffset DueAt { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public DateTimeOffset? RatedAt { get; init; }

    public int? Rating { get; init; }

    public string? RatingComment { get; init; }

    /// <summary>When it was escalated to the district (by the time limit passing or by hand); stays set once escalated.</summary>
    public DateTimeOffset? EscalatedAt { get; init; }

    /// <summary>The incident it became, if it did.</summary>
    public string? IncidentId { get; init; }

    public int PhotoCount { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One step of a grid event: what, by whom (the authenticated principal or "resident:&lt;event&gt;", "system:sla"), when, and a note.</summary>
public sealed record GridEventJournalEntry(string EventId, long Sequence, DateTimeOffset At, string Kind, string Actor, string Note);

/// <summary>A photo of a grid event, checked by decoding before it was stored.</summary>
public sealed record GridEventPhoto(int Number, string ContentType, byte[] Bytes);

/// <summary>A grid event with its journal (oldest first).</summary>
public sealed record StoredGridEvent(GridEventRecord Event, IReadOnlyList<GridEventJournalEntry> Journal);

/// <summary>Which grid events to list; every condition set must hold.</summary>
public sealed record GridEventFilter
{
    public IReadOnlyList<GridEventState>? States { get; init; }

    public IReadOnlyList<string>? Departments { get; init; }

    public string? Reporter { get; init; }

    public string? DistrictId { get; init; }

    /// <summary>Open events (their SLA running) due at or before this time.</summary>
    public DateTimeOffset? OpenDueBy { get; init; }

    public DateTimeOffset? ReportedFrom { get; init; }

    public DateTimeOffset? ReportedBefore { get; init; }

    public int Limit { get; init; } = 500;
}

/// <summary>
/// The grid events' own record, kept apart from the incident record (the emergency hot path): one row per event, its
/// journal and its photos. Every change is version-checked: a commit names the version it read and fails with
/// <see cref="Records.RecordVersionConflictException"/> when someone else changed the event in between.
/// </summary>
public interface IGridEventStore
{
    /// <summary>Stores a new event (its id is given here, "GE-n") with its first journal entry and photos; returns it at version 1.</summary>
    Task<GridEventRecord> CreateAsync(GridEventRecord draft, string actor, string note, IReadOnlyList<GridEventPhoto> photos, CancellationToken cancellationToken = default);

    Task<StoredGridEvent?> ReadAsync(string eventId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the event at <paramref name="expectedVersion"/> with <paramref name="updated"/> and appends one journal entry; returns the new version.</summary>
    Task<GridEventRecord> CommitAsync(GridEventRecord updated, long expectedVersion, string kind, string actor, string note, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<GridEventRecord>> FindAsync(GridEventFilter filter, CancellationToken cancellationToken = default);

    Task<GridEventRecord?> FindByFollowCodeHashAsync(string followCodeHash, CancellationToken cancellationToken = default);

    Task<GridEventPhoto?> ReadPhotoAsync(string eventId, int number, CancellationToken cancellationToken = default);
}
