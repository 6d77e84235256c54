using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Units;

public sealed class UnitStatusMachineTests
{
    /// <summary>The transitions a dispatch centre allows, written out from the operating rules.</summary>
    private static readonly (UnitStatus From, UnitAction Action, UnitStatus To)[] Rules =
    [
        (UnitStatus.Available, UnitAction.Dispatch, UnitStatus.Dispatched),
        (UnitStatus.Dispatched, UnitAction.Acknowledge, UnitStatus.Acknowledged),
        (UnitStatus.Dispatched, UnitAction.EnRoute, UnitStatus.EnRoute),
        (UnitStatus.Acknowledged, UnitAction.EnRoute, UnitStatus.EnRoute),
        (UnitStatus.Dispatched, UnitAction.OnScene, UnitStatus.OnScene),
        (UnitStatus.Acknowledged, UnitAction.OnScene, UnitStatus.OnScene),
        (UnitStatus.EnRoute, UnitAction.OnScene, UnitStatus.OnScene),
        (UnitStatus.OnScene, UnitAction.Clear, UnitStatus.Clearing),
        (UnitStatus.Clearing, UnitAction.Complete, UnitStatus.Available),
        (UnitStatus.Dispatched, UnitAction.Release, UnitStatus.Available),
        (UnitStatus.Acknowledged, UnitAction.Release, UnitStatus.Available),
        (UnitStatus.EnRoute, UnitAction.Release, UnitStatus.Available),
        (UnitStatus.OnScene, UnitAction.Release, UnitStatus.Available),
        (UnitStatus.Available, UnitAction.OutOfService, UnitStatus.OutOfService),
        (UnitStatus.Clearing, UnitAction.OutOfService, UnitStatus.OutOfService),
        (UnitStatus.OutOfService, UnitAction.BackInService, UnitStatus.Available),
    ];

    public static TheoryData<UnitStatus, UnitAction, UnitStatus> AllowedTransitions()
    {
        var data = new TheoryData<UnitStatus, UnitAction, UnitStatus>();
        foreach (var (from, action, to) in Rules)
        {
            data.Add(from, action, to);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllowedTransitions))]
    public void Allowed_transition_leads_to_its_status(UnitStatus from, UnitAction action, UnitStatus to)
    {
        var result = UnitStatusMachine.Apply(from, action);

        Assert.True(result.IsOk, result.Error);
        Assert.Equal(to, result.Value);
    }

    [Fact]
    public void Every_pair_outside_the_rules_is_refused_naming_status_and_action()
    {
        foreach (var status in Enum.GetValues<UnitStatus>())
        {
            foreach (var action in Enum.GetValues<UnitAction>())
            {
                if (Rules.Any(r => r.From == status && r.Action == action))
                {
                    continue;
                }

                var result = UnitStatusMachine.Apply(status, action);

                Assert.False(result.IsOk, $"{action} from {status} should be refused");
                Assert.StartsWith($"cannot {action} while {status}", result.Error, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void AllowedActions_agrees_with_Apply_for_every_status_and_action()
    {
        foreach (var status in Enum.GetValues<UnitStatus>())
        {
            var allowed = UnitStatusMachine.AllowedActions(status);
            foreach (var action in Enum.GetValues<UnitAction>())
            {
                Assert.Equal(UnitStatusMachine.Apply(status, action).IsOk, allowed.Contains(action));
            }

            Assert.Equal(allowed.Count, allowed.Distinct().Count());
        }
    }

    [Fact]
    public void Acknowledge_while_available_is_refused_with_a_readable_message()
    {
        Assert.Equal("cannot Acknowledge while Available", UnitStatusMachine.Apply(UnitStatus.Available, UnitAction.Acknowledge).Error);
    }

    [Theory]
    [InlineData(UnitStatus.Dispatched)]
    [InlineData(UnitStatus.Acknowledged)]
    [InlineData(UnitStatus.EnRoute)]
    [InlineData(UnitStatus.OnScene)]
    public void Going_out_of_service_with_an_assignment_says_to_release_first(UnitStatus status)
    {
        var result = UnitStatusMachine.Apply(status, UnitAction.OutOfService);

        Assert.False(result.IsOk);
        Assert.Contains($"cannot OutOfService while {status}", result.Error, StringComparison.Ordinal);
        Assert.Contains("released first", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispatching_a_unit_that_holds_an_assignment_is_refused()
    {
        foreach (var status in Enum.GetValues<UnitStatus>().Where(UnitStatusMachine.HoldsAssignment))
        {
            Assert.False(UnitStatusMachine.Apply(status, UnitAction.Dispatch).IsOk);
        }
    }

    [Theory]
    [InlineData(UnitStatus.Available, false)]
    [InlineData(UnitStatus.Dispatched, true)]
    [InlineData(UnitStatus.Acknowledged, true)]
    [InlineData(UnitStatus.EnRoute, true)]
    [InlineData(UnitStatus.OnScene, true)]
    [InlineData(UnitStatus.Clearing, false)]
    [InlineData(UnitStatus.OutOfService, false)]
    public void HoldsAssignment_is_true_from_dispatched_through_on_scene(UnitStatus status, bool holds)
    {
        Assert.Equal(holds, UnitStatusMachine.HoldsAssignment(status));
    }

    [Fact]
    public void Only_available_units_can_be_dispatched()
    {
        foreach (var status in Enum.GetValues<UnitStatus>())
        {
            Assert.Equal(status == UnitStatus.Available, UnitStatusMachine.IsAvailableForDispatch(status));
            Assert.Equal(UnitStatusMachine.IsAvailableForDispatch(status), UnitStatusMachine.Apply(status, UnitAction.Dispatch).IsOk);
        }
    }

    [Fact]
    public void A_full_call_walks_from_available_back_to_available()
    {
        UnitAction[] call = [UnitAction.Dispatch, UnitAction.Acknowledge, UnitAction.EnRoute, UnitAction.OnScene, UnitAction.Clear, UnitAction.Complete];
        var status = UnitStatus.Available;

        foreach (var action in call)
        {
            status = UnitStatusMachine.Apply(status, action).GetValueOrThrow();
        }

        Assert.Equal(UnitStatus.Available, status);
    }

    [Fact]
    public void Every_status_can_eventually_return_to_available()
    {
        foreach (var start in Enum.GetValues<UnitStatus>())
        {
            var seen = new HashSet<UnitStatus> { start };
            var frontier = new Queue<UnitStatus>([start]);
            while (frontier.TryDequeue(out var status))
            {
                foreach (var action in UnitStatusMachine.AllowedActions(status))
                {
                    var next = UnitStatusMachine.Apply(status, action).GetValueOrThrow();
                    if (seen.Add(next))
                    {
                        frontier.Enqueue(next);
                    }
                }
            }

            Assert.Contains(UnitStatus.Available, seen);
        }
    }

    [Fact]
    public void Unknown_status_or_action_is_refused_not_thrown()
    {
        Assert.False(UnitStatusMachine.Apply((UnitStatus)99, UnitAction.Dispatch).IsOk);
        Assert.False(UnitStatusMachine.Apply(UnitStatus.Available, (UnitAction)99).IsOk);
        Assert.Empty(UnitStatusMachine.AllowedActions((UnitStatus)99));
    }

    [Fact]
    public void AllowedActions_cannot_be_changed_by_a_caller()
    {
        var allowed = UnitStatusMachine.AllowedActions(UnitStatus.Available);

        Assert.False(allowed is UnitAction[]);
    }
}
