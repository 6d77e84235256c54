using Dispatch.Abstractions.Common;
using Dispatch.Domain.Geo;

namespace Dispatch.Abstractions.Units;

/// <summary>
/// A patrol unit (key: unit id). Its grain is the single authority on whether the unit holds an
/// assignment: <see cref="TryAssignAsync"/> runs one call at a time, so a unit never holds two.
/// Commands on an unregistered unit are refused with "unknown unit".
/// </summary>
[Alias("dispatch.IPatrolUnitGrain")]
public interface IPatrolUnitGrain : IGrainWithStringKey
{
    /// <summary>Registers or updates the unit's description; keeps status, assignment and history. Places the unit at <see cref="UnitRegistration.Start"/> only if it has no position yet.</summary>
    [Alias("register")]
    Task RegisterAsync(UnitRegistration registration);

    /// <summary>Null when the unit was never registered.</summary>
    [Alias("get")]
    Task<UnitView?> GetAsync();

    /// <summary>The unit's own latest assignments (at most 256), oldest first; the incident journal keeps the full record.</summary>
    [Alias("history")]
    Task<IReadOnlyList<UnitAssignmentRecord>> GetHistoryAsync();

    /// <summary>GPS report; a position inside the arrival radius of the current incident counts as arrival.</summary>
    [Alias("position")]
    Task<CommandResult> ReportPositionAsync(GeoPoint position);

    /// <summary>Claims the unit for an incident tier; refused unless the unit is registered and available.</summary>
    [Alias("try-assign")]
    Task<AssignmentDecision> TryAssignAsync(AssignmentRequest request);

    /// <summary>An officer's button, validated by the unit status machine.</summary>
    [Alias("terminal")]
    Task<CommandResult> PerformAsync(TerminalAction action, string actor);

    /// <summary>
    /// Ends the unit's assignment to <paramref name="incidentId"/> (unassign, cancel, close, reassign).
    /// Refused when the unit does not hold that incident. With <paramref name="onlyIfUnacknowledged"/> (ack timeout)
    /// it is also refused once the officer has acknowledged.
    /// </summary>
    [Alias("release")]
    Task<CommandResult> ReleaseAsync(string incidentId, string reason, string actor, bool onlyIfUnacknowledged);
}
