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
    private static readonly IReadOnlyList<UnitAction>[] AllowedByStatus = BuildAllowedActions();

    /// <summary>The status after <paramref name="action"/>, or a refusal naming both the status and the action.</summary>
    public static Result<UnitStatus> Apply(UnitStatus current, UnitAction action)
    {
        if (!Enum.IsDefined(current))
        {
            return Result<UnitStatus>.Fail($"unknown unit status {(int)current}");
        }

        if (!Enum.IsDefined(action))
        {
            return Result<UnitStatus>.Fail($"unknown unit action {(int)action}");
        }

        var next = Next(current, action);
        if (next is { } status)
        {
            return Result<UnitStatus>.Ok(status);
        }

        // Going off duty with an assignment would strand the incident: say what to do instead.
        return action == UnitAction.OutOfService && HoldsAssignment(current)
            ? Result<UnitStatus>.Fail($"cannot OutOfService while {current}: the unit holds an assignment and must be released first")
            : Result<UnitStatus>.Fail($"cannot {action} while {current}");
    }

    /// <summary>The actions allowed from <paramref name="status"/>.</summary>
    public static IReadOnlyList<UnitAction> AllowedActions(UnitStatus status) =>
        Enum.IsDefined(status) ? AllowedByStatus[(int)status] : [];

    /// <summary>True for the statuses in which a unit holds an assignment (dispatched through on scene).</summary>
    public static bool HoldsAssignment(UnitStatus status) =>
        status is UnitStatus.Dispatched or UnitStatus.Acknowledged or UnitStatus.EnRoute or UnitStatus.OnScene;

    /// <summary>True when the unit can be given a new assignment.</summary>
    public static bool IsAvailableForDispatch(UnitStatus status) => status == UnitStatus.Available;

    /// <summary>The transition table; null where the action is not allowed.</summary>
    private static UnitStatus? Next(UnitStatus current, UnitAction action) => (action, current) switch
    {
        (UnitAction.Dispatch, UnitStatus.Available) => UnitStatus.Dispatched,
        (UnitAction.Acknowledge, UnitStatus.Dispatched) => UnitStatus.Acknowledged,

        // Going en route implies the officer has seen the assignment.
        (UnitAction.EnRoute, UnitStatus.Dispatched or UnitStatus.Acknowledged) => UnitStatus.EnRoute,

        // Arrival may be detected by GPS before the officer presses any button.
        (UnitAction.OnScene, UnitStatus.Dispatched or UnitStatus.Acknowledged or UnitStatus.EnRoute) => UnitStatus.OnScene,
        (UnitAction.Clear, UnitStatus.OnScene) => UnitStatus.Clearing,
        (UnitAction.Complete, UnitStatus.Clearing) => UnitStatus.Available,
        (UnitAction.Release, UnitStatus.Dispatched or UnitStatus.Acknowledged or UnitStatus.EnRoute or UnitStatus.OnScene) => UnitStatus.Available,
        (UnitAction.OutOfService, UnitStatus.Available or UnitStatus.Clearing) => UnitStatus.OutOfService,
        (UnitAction.BackInService, UnitStatus.OutOfService) => UnitStatus.Available,
        _ => null,
    };

    private static IReadOnlyList<UnitAction>[] BuildAllowedActions()
    {
        var statuses = Enum.GetValues<UnitStatus>();
        var table = new IReadOnlyList<UnitAction>[statuses.Max(s => (int)s) + 1];
        foreach (var status in statuses)
        {
            table[(int)status] = Array.AsReadOnly(Enum.GetValues<UnitAction>().Where(action => Next(status, action) is not null).ToArray());
        }

        return table;
    }
}
