using Dispatch.Domain.GridEvents;
using static Dispatch.Domain.GridEvents.GridEventAction;
using static Dispatch.Domain.GridEvents.GridEventState;

namespace Dispatch.Domain.Tests.GridEvents;

public sealed class GridEventMachineTests
{
    /// <summary>Every allowed step: from where, by which action, to where.</summary>
    public static TheoryData<GridEventState, GridEventAction, GridEventState> Allowed => new()
    {
        { Reported, Accept, Accepted },
        { Reported, Reject, Rejected },
        { Accepted, Reject, Rejected },
        { Escalated, Reject, Rejected },
        { Accepted, Assign, Assigned },
        { Escalated, Assign, Assigned },
        { Assigned, Return, Accepted },
        { Assigned, Start, InProgress },
        { Escalated, Start, InProgress },
        { InProgress, Resolve, Resolved },
        { Escalated, Resolve, Resolved },
        { Resolved, Rate, Rated },
        { Resolved, Close, Closed },
        { Rated, Close, Closed },
        { Accepted, Escalate, Escalated },
        { Assigned, Escalate, Escalated },
        { InProgress, Escalate, Escalated },
        { Reported, ConvertToIncident, Closed },
        { Accepted, ConvertToIncident, Closed },
        { Assigned, ConvertToIncident, Closed },
        { InProgress, ConvertToIncident, Closed },
        { Escalated, ConvertToIncident, Closed },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void An_allowed_step_leads_where_the_closed_loop_says(GridEventState from, GridEventAction action, GridEventState to)
    {
        var (next, refusal) = GridEventMachine.Apply("GE-1", from, action);

        Assert.Null(refusal);
        Assert.Equal(to, next);
    }

    [Fact]
    public void Every_other_step_is_refused_naming_the_event_the_action_and_the_state()
    {
        var allowed = Allowed.Select(row => (row.Data.Item1, row.Data.Item2)).ToHashSet();
        var refused = 0;
        foreach (var state in Enum.GetValues<GridEventState>())
        {
            foreach (var action in Enum.GetValues<GridEventAction>().Where(a => a is not (Note or Report)))
            {
                if (allowed.Contains((state, action)))
                {
                    continue;
                }

                var (next, refusal) = GridEventMachine.Apply("GE-12", state, action);
                Assert.Null(next);
                Assert.Equal($"cannot {GridEventMachine.Verb(action)} grid event GE-12: it is {GridEventMachine.Describe(state)}", refusal);
                refused++;
            }
        }

        Assert.Equal((9 * 10) - allowed.Count, refused);
    }

    [Fact]
    public void Rating_before_resolution_is_refused_saying_the_event_is_in_progress()
    {
        var (_, refusal) = GridEventMachine.Apply("GE-12", InProgress, Rate);

        Assert.Equal("cannot rate grid event GE-12: it is in progress", refusal);
    }

    [Fact]
    public void A_note_leaves_any_state_as_it_is_and_a_report_is_no_step_of_an_existing_event()
    {
        Assert.All(Enum.GetValues<GridEventState>(), s => Assert.Equal(s, GridEventMachine.Apply("GE-1", s, Note).Next));
        Assert.Contains("not an action on an existing event", GridEventMachine.Apply("GE-1", Reported, Report).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Closed_and_rejected_are_final_and_the_sla_runs_only_while_somebody_has_work_to_do()
    {
        Assert.Equal([Closed, Rejected], Enum.GetValues<GridEventState>().Where(GridEventMachine.IsFinal));
        Assert.Equal([Reported, Accepted, Assigned, InProgress, Escalated], Enum.GetValues<GridEventState>().Where(GridEventMachine.IsOpen));
    }

    [Theory]
    [InlineData("in-progress", InProgress)]
    [InlineData("InProgress", InProgress)]
    [InlineData("RESOLVED", Resolved)]
    public void States_parse_from_their_wire_names(string text, GridEventState state)
    {
        Assert.Equal(state, GridEventMachine.ParseState(text));
        Assert.Equal(state, GridEventMachine.ParseState(GridEventMachine.Name(state)));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("done")]
    [InlineData("")]
    public void Unknown_state_names_parse_to_nothing(string text) => Assert.Null(GridEventMachine.ParseState(text));
}
