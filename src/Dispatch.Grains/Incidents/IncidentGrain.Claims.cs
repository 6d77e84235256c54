using System.Globalization;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;

namespace Dispatch.Grains.Incidents;

/// <summary>Claims: a unit is held only through its own grain, and the incident's commit makes the claim durable.</summary>
public sealed partial class IncidentGrain
{
    /// <summary>Claims every pick at once; returns the units that refused. Accepted claims are recorded in pick order.</summary>
    private async Task<List<string>> ClaimAllAsync(
        List<(TierState Tier, ZonePick Pick)> picks,
        string actor,
        bool recheck,
        HashSet<string> excluded,
        Dictionary<string, List<(string UnitId, ZonePick Pick)>> assigned)
    {
        var calls = picks.Select(p => TryAssignAsync(p.Pick.UnitId, p.Tier, actor)).ToList();
        await Task.WhenAll(calls);
        var refused = new List<string>();
        for (var i = 0; i < picks.Count; i++)
        {
            var (tier, pick) = picks[i];
            excluded.Add(pick.UnitId);
            var decision = await calls[i];
            var reason = recheck ? $"free again while the tier waited: {pick.Reason}" : pick.Reason;
            if (RecordClaim(pick.UnitId, tier, actor, pick.EtaSeconds, reason, decision) is null)
            {
                assigned[tier.Name].Add((pick.UnitId, pick));
            }
            else
            {
                refused.Add(pick.UnitId);
            }
        }

        return refused;
    }

    /// <summary>Claims one unit (an operator's choice); null when claimed, else why not.</summary>
    private async Task<string?> ClaimAsync(string unitId, TierState tier, string actor, double etaSeconds, string reason) =>
        RecordClaim(unitId, tier, actor, etaSeconds, reason, await TryAssignAsync(unitId, tier, actor));

    private async Task<AssignmentDecision> TryAssignAsync(string unitId, TierState tier, string actor)
    {
        var request = new AssignmentRequest(IncidentId, tier.Name, Location, plan.ArrivalRadiusMeters, plan.AckDeadline, actor);
        try
        {
            return await GrainFactory.GetGrain<IPatrolUnitGrain>(unitId).TryAssignAsync(request);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return AssignmentDecision.Refused($"unit '{unitId}' did not answer: {exception.Message}");
        }
    }

    /// <summary>Records an accepted claim in this step (confirmed to the unit once committed), or the refusal; null when accepted.</summary>
    private string? RecordClaim(string unitId, TierState tier, string actor, double etaSeconds, string reason, AssignmentDecision decision)
    {
        var now = clock.GetUtcNow();
        if (!decision.Accepted || decision.Assignment is null)
        {
            if (actor == Actors.System)
            {
                Append(now, TimelineKinds.ClaimRefused, actor, $"could not claim {unitId} for tier {tier.Name}: {decision.Reason}", unitId, tier.Name);
            }

            return decision.Reason ?? $"unit '{unitId}' refused the assignment";
        }

        var assignment = new AssignmentRecord
        {
            UnitId = unitId,
            TierName = tier.Name,
            AssignmentNumber = decision.Assignment.AssignmentNumber,
            State = AssignmentState.Dispatched,
            AssignedAt = decision.Assignment.AssignedAt,
            AckDeadline = decision.Assignment.AckDeadline,
            EtaSeconds = etaSeconds,
        };
        S.Assignments.Add(assignment);
        MarkChanged(assignment);
        _claimsToConfirm.Add(assignment);
        Append(now, TimelineKinds.UnitAssigned, actor, string.Create(CultureInfo.InvariantCulture,
            $"{unitId} assigned to tier {tier.Name} (assignment #{assignment.AssignmentNumber}, ack by {Stamp(assignment.AckDeadline)}): {reason}"),
            unitId, tier.Name);
        return null;
    }
}
