namespace Dispatch.Domain.Units;

/// <summary>What happens to a unit: officer buttons, dispatcher decisions and system events.</summary>
public enum UnitAction
{
    /// <summary>The unit is given an assignment (system or operator).</summary>
    Dispatch = 0,

    /// <summary>The officer confirms the assignment on the terminal.</summary>
    Acknowledge = 1,

    /// <summary>The officer is driving to the scene.</summary>
    EnRoute = 2,

    /// <summary>The officer reports arrival, or the position came inside the arrival radius.</summary>
    OnScene = 3,

    /// <summary>The officer finishes on scene and starts clearing (paperwork, hand-over).</summary>
    Clear = 4,

    /// <summary>Clearing is done; the unit is available again.</summary>
    Complete = 5,

    /// <summary>The assignment is taken away before arrival (ack timeout, unassign, cancel).</summary>
    Release = 6,

    /// <summary>The unit goes off duty or is unable to respond.</summary>
    OutOfService = 7,

    /// <summary>The unit returns to duty.</summary>
    BackInService = 8,
}

/// <summary>The allowed unit status transitions. An illegal transition is a refusal value, never an exception.</summary>
public static class UnitStatusMachine
{
    /// <summary>The status after <paramref name="action"/>, or a refusal naming both the status and the action.</summary>
    public static Result<UnitStatus> Apply(UnitStatus current, UnitAction action) => throw new NotImplementedException();

    /// <summary>The actions allowed from <paramref name="status"/>.</summary>
    public static IReadOnlyList<UnitAction> AllowedActions(UnitStatus status) => throw new NotImplementedException();

    /// <summary>True for the statuses in which a unit holds an assignment (dispatched through on scene).</summary>
    public static bool HoldsAssignment(UnitStatus status) => throw new NotImplementedException();

    /// <summary>True when the unit can be given a new assignment.</summary>
    public static bool IsAvailableForDispatch(UnitStatus status) => status == UnitStatus.Available;
}
