namespace Dispatch.Domain.GridEvents;

/// <summary>Where a grid event stands (网格事件). The closed loop runs reported → accepted → assigned → in progress → resolved → rated → closed.</summary>
public enum GridEventState
{
    /// <summary>Reported by a grid worker or a resident; waits for the command centre.</summary>
    Reported = 0,

    /// <summary>Taken on by the command centre; waits to be given to a department.</summary>
    Accepted = 1,

    /// <summary>In a department's queue.</summary>
    Assigned = 2,

    /// <summary>The department works on it.</summary>
    InProgress = 3,

    /// <summary>The department says it is done; the reporter may rate it.</summary>
    Resolved = 4,

    /// <summary>The reporter rated the handling (1 to 5).</summary>
    Rated = 5,

    /// <summary>Done with: after rating, after the rating window, or handed over as an incident.</summary>
    Closed = 6,

    /// <summary>Not a matter for the grid (a duplicate, nonsense, out of scope); final.</summary>
    Rejected = 7,

    /// <summary>Its time limit (SLA) passed, or someone raised it: the district's command takes it in hand.</summary>
    Escalated = 8,
}

/// <summary>What can be done to a grid event; each step is one journal entry.</summary>
public enum GridEventAction
{
    Report = 0,
    Accept = 1,
    Reject = 2,
    Assign = 3,

    /// <summary>A department hands an event back to the command centre ("not ours").</summary>
    Return = 4,
    Start = 5,
    Resolve = 6,
    Rate = 7,
    Close = 8,
    Escalate = 9,

    /// <summary>It turned out to be an emergency: it becomes an incident and the grid event closes, keeping the link.</summary>
    ConvertToIncident = 10,

    /// <summary>A remark added to the journal; the state does not change.</summary>
    Note = 11,
}

/// <summary>
/// The grid event's state machine: which action is allowed in which state, where it leads, and the refusal a person
/// reads when it is not allowed ("cannot rate grid event GE-12: it is in progress"). Pure: the store and the desk
/// apply it; nothing here knows who may act (that is authorization) or when (that is the SLA).
/// </summary>
public static class GridEventMachine
{
    private static readonly Dictionary<GridEventAction, (GridEventState[] From, GridEventState To)> Rules = new()
    {
        [GridEventAction.Accept] = ([GridEventState.Reported], GridEventState.Accepted),
        [GridEventAction.Reject] = ([GridEventState.Reported, GridEventState.Accepted, GridEventState.Escalated], GridEventState.Rejected),
        [GridEventAction.Assign] = ([GridEventState.Accepted, GridEventState.Escalated], GridEventState.Assigned),
        [GridEventAction.Return] = ([GridEventState.Assigned], GridEventState.Accepted),
        [GridEventAction.Start] = ([GridEventState.Assigned, GridEventState.Escalated], GridEventState.InProgress),
        [GridEventAction.Resolve] = ([GridEventState.InProgress, GridEventState.Escalated], GridEventState.Resolved),
        [GridEventAction.Rate] = ([GridEventState.Resolved], GridEventState.Rated),
        [GridEventAction.Close] = ([GridEventState.Resolved, GridEventState.Rated], GridEventState.Closed),
        [GridEventAction.Escalate] = ([GridEventState.Accepted, GridEventState.Assigned, GridEventState.InProgress], GridEventState.Escalated),
        [GridEventAction.ConvertToIncident] = (
            [GridEventState.Reported, GridEventState.Accepted, GridEventState.Assigned, GridEventState.InProgress, GridEventState.Escalated], GridEventState.Closed),
    };

    /// <summary>States no action leaves (a note aside).</summary>
    public static bool IsFinal(GridEventState state) => state is GridEventState.Closed or GridEventState.Rejected;

    /// <summary>Open: still somebody's work (its SLA runs).</summary>
    public static bool IsOpen(GridEventState state) =>
        state is GridEventState.Reported or GridEventState.Accepted or GridEventState.Assigned or GridEventState.InProgress or GridEventState.Escalated;

    /// <summary>The states <paramref name="action"/> is allowed from.</summary>
    public static IReadOnlyList<GridEventState> AllowedFrom(GridEventAction action) =>
        action == GridEventAction.Note ? Enum.GetValues<GridEventState>() : Rules.TryGetValue(action, out var rule) ? rule.From : [];

    /// <summary>Where <paramref name="action"/> leads from <paramref name="state"/>, or the refusal naming the event, the action and the state.</summary>
    public static (GridEventState? Next, string? Refusal) Apply(string eventId, GridEventState state, GridEventAction action)
    {
        if (action == GridEventAction.Note)
        {
            return (state, null);
        }

        if (action == GridEventAction.Report || !Rules.TryGetValue(action, out var rule))
        {
            return (null, $"cannot {Verb(action)} grid event {eventId}: not an action on an existing event");
        }

        return rule.From.Contains(state)
            ? (rule.To, null)
            : (null, $"cannot {Verb(action)} grid event {eventId}: it is {Describe(state)}");
    }

    /// <summary>The verb of an action as a person says it ("rate", "convert to an incident").</summary>
    public static string Verb(GridEventAction action) => action switch
    {
        GridEventAction.Report => "report",
        GridEventAction.Accept => "accept",
        GridEventAction.Reject => "reject",
        GridEventAction.Assign => "assign",
        GridEventAction.Return => "return",
        GridEventAction.Start => "start",
        GridEventAction.Resolve => "resolve",
        GridEventAction.Rate => "rate",
        GridEventAction.Close => "close",
        GridEventAction.Escalate => "escalate",
        GridEventAction.ConvertToIncident => "convert to an incident",
        GridEventAction.Note => "add a note to",
        _ => action.ToString(),
    };

    /// <summary>The state as a sentence ends: "reported", "in progress", "already rated".</summary>
    public static string Describe(GridEventState state) => state switch
    {
        GridEventState.Reported => "reported and not yet accepted",
        GridEventState.Accepted => "accepted and not yet assigned",
        GridEventState.Assigned => "assigned and not yet started",
        GridEventState.InProgress => "in progress",
        GridEventState.Resolved => "resolved",
        GridEventState.Rated => "already rated",
        GridEventState.Closed => "closed",
        GridEventState.Rejected => "rejected",
        GridEventState.Escalated => "escalated",
        _ => state.ToString(),
    };

    /// <summary>The journal's kind for an action ("accepted", "converted").</summary>
    public static string Kind(GridEventAction action) => action switch
    {
        GridEventAction.Report => "reported",
        GridEventAction.Accept => "accepted",
        GridEventAction.Reject => "rejected",
        GridEventAction.Assign => "assigned",
        GridEventAction.Return => "returned",
        GridEventAction.Start => "started",
        GridEventAction.Resolve => "resolved",
        GridEventAction.Rate => "rated",
        GridEventAction.Close => "closed",
        GridEventAction.Escalate => "escalated",
        GridEventAction.ConvertToIncident => "converted",
        GridEventAction.Note => "note",
        _ => action.ToString().ToLowerInvariant(),
    };

    /// <summary>The wire name of a state ("in-progress").</summary>
    public static string Name(GridEventState state) => state switch
    {
        GridEventState.InProgress => "in-progress",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>A state from its wire name (case-insensitive, "in-progress" or "InProgress"); null when unknown.</summary>
    public static GridEventState? ParseState(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var compact = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return Enum.TryParse<GridEventState>(compact, ignoreCase: true, out var state) && Enum.IsDefined(state) && !int.TryParse(compact, out _) ? state : null;
    }
}
