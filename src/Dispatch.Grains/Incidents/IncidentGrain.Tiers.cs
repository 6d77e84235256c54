using System.Globalization;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Zones;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Incidents;

/// <summary>Response tiers: planning them, filling them (station responders, nearest units), and tiers waiting for a free unit.</summary>
public sealed partial class IncidentGrain
{
    /// <summary>How long to wait before retrying after another grain failed to answer.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>Rounds of reserve-and-claim per step when claims are refused (units taken meanwhile by another incident).</summary>
    private const int MaxClaimRounds = 3;

    private DateTimeOffset? _retryNotBefore;

    // When tiers short of units look for a free one again (in memory: a new activation looks at once).
    private DateTimeOffset? _nextWaitingCheck;

    private void PlanTiers(DateTimeOffset now)
    {
        foreach (var tier in plan.Tiers)
        {
            var requested = tier.RespondersFor(S.Priority);
            var planned = new TierState
            {
                Name = tier.Name,
                Kind = tier.Kind,
                Requested = requested,
                Target = tier.Target,
                Deadline = S.CreatedAt + tier.Target,
                Outcome = requested > 0 ? TierOutcome.Pending : TierOutcome.NotRequired,
            };
            S.Tiers.Add(planned);
            Append(now, TimelineKinds.TierPlanned, Actors.System, requested > 0
                ? $"tier {tier.Name}: {requested} x {tier.Kind} on scene by {Stamp(planned.Deadline)} ({tier.Target.TotalSeconds:F0} s)"
                : $"tier {tier.Name}: not required for priority {S.Priority}", tierName: tier.Name);
        }
    }

    /// <summary>
    /// Plans the tiers if needed, then fills every unfilled tier in one pass: the station's commitment and the zone's
    /// reservation for all nearest-unit tiers are asked at the same time, then every pick is claimed at once.
    /// A failure of another grain leaves the tiers unfilled and retries them shortly.
    /// </summary>
    private async Task FillUnfilledTiersAsync(string actor)
    {
        var now = clock.GetUtcNow();
        if (!S.TiersPlanned)
        {
            PlanTiers(now);
            S.TiersPlanned = true;
        }

        var unfilled = S.Tiers.Where(t => !t.Filled).ToList();
        if (unfilled.Count == 0)
        {
            return;
        }

        try
        {
            var station = unfilled.FirstOrDefault(t => t.Kind == TierKind.StationResponders && t.Outcome != TierOutcome.NotRequired);
            var stationCall = station is null ? Task.FromResult(-1) : CommitStationRespondersAsync(station);
            var nearest = unfilled.Where(t => t.Kind == TierKind.NearestUnits && t.Outcome != TierOutcome.NotRequired).ToList();
            var unitsCall = FillNearestTiersAsync(nearest, actor, recheck: false);
            await Task.WhenAll(stationCall, unitsCall);
            if (station is not null)
            {
                RecordStationCommitment(station, await stationCall);
            }

            foreach (var tier in unfilled)
            {
                tier.Filled = true;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // What was claimed so far goes into this step's commit; the deadline timer tries the rest again shortly.
            LogDispatchFailed(logger, exception, IncidentId);
            _retryNotBefore = clock.GetUtcNow() + RetryDelay;
        }
    }

    /// <summary>Asks the station whose grid holds the incident to commit responders; -1 when no grid holds it.</summary>
    private async Task<int> CommitStationRespondersAsync(TierState tier)
    {
        tier.StationId ??= city.FindGrid(Location)?.StationId;
        if (tier.StationId is null)
        {
            return -1;
        }

        return await GrainFactory.GetGrain<IStationGrain>(tier.StationId).CommitRespondersAsync(IncidentId, tier.Requested);
    }

    private void RecordStationCommitment(TierState tier, int committed)
    {
        var now = clock.GetUtcNow();
        if (tier.StationId is null || committed < 0)
        {
            tier.AtRisk = true;
            tier.Shortfalls.Add("no station grid holds the incident location");
            Append(now, TimelineKinds.TierAtRisk, Actors.System, $"tier {tier.Name} at risk: no station grid holds the incident location", tierName: tier.Name);
            return;
        }

        if (committed > 0 && tier.StationResponders == 0)
        {
            _stationCommittedInStep = tier.StationId;
        }

        tier.StationResponders = committed;
        if (committed > 0)
        {
            Append(now, TimelineKinds.StationCommitted, Actors.Station(tier.StationId),
                $"station {tier.StationId} committed {committed} of {tier.Requested} responders", tierName: tier.Name);
        }

        if (committed < tier.Requested)
        {
            var reason = $"station {tier.StationId} has only {committed} of {tier.Requested} responders free";
            tier.AtRisk = true;
            tier.Shortfalls.Add(reason);
            Append(now, TimelineKinds.TierAtRisk, Actors.System, $"tier {tier.Name} at risk: {reason}", tierName: tier.Name);
        }
    }

    /// <summary>
    /// Fills nearest-unit tiers: the incident's zone ranks and reserves units for all of them in one turn (looking
    /// as far as the search goes when too few, or only late, units are near), then every pick is claimed at once
    /// through the units' own grains. A refused claim (the unit was taken meanwhile) is recorded and the zone asked
    /// again, up to <see cref="MaxClaimRounds"/> times. A tier left short is at risk with the reasons recorded, and
    /// waits for a unit to become free.
    /// </summary>
    private async Task FillNearestTiersAsync(IReadOnlyList<TierState> tiers, string actor, bool recheck)
    {
        if (tiers.Count == 0)
        {
            return;
        }

        // Anyone ever sent to this incident is left out: a unit on another tier, or one released for not acknowledging.
        var excluded = new HashSet<string>(S.Assignments.Select(a => a.UnitId), StringComparer.Ordinal);
        var assigned = tiers.ToDictionary(t => t.Name, _ => new List<(string UnitId, ZonePick Pick)>(), StringComparer.Ordinal);
        var lastPicks = new Dictionary<string, TierPicks>(StringComparer.Ordinal);
        var zone = GrainFactory.GetGrain<IDispatcherGrain>(DispatchZone.Of(Location).Key);
        for (var round = 0; round < MaxClaimRounds; round++)
        {
            var needs = tiers
                .Select(t => (Tier: t, Need: t.Requested - S.Assignments.Count(a => a.TierName == t.Name && a.IsActive)))
                .Where(n => n.Need > 0)
                .ToList();
            if (needs.Count == 0)
            {
                break;
            }

            var request = new ReserveRequest(
                IncidentId,
                Location,
                [.. needs.Select(n => new TierNeed(n.Tier.Name, n.Tier.Target, n.Need, BaseRadiusMeters(n.Tier)))],
                [.. excluded]);
            var reserved = await zone.FindAndReserveAsync(request);
            var picks = new List<(TierState Tier, ZonePick Pick)>();
            foreach (var tierPicks in reserved)
            {
                lastPicks[tierPicks.TierName] = tierPicks;
                var tier = tiers.First(t => t.Name == tierPicks.TierName);
                picks.AddRange(tierPicks.Picks.Select(p => (tier, p)));
            }

            if (picks.Count == 0)
            {
                break;
            }

            var refused = await ClaimAllAsync(picks, actor, recheck, excluded, assigned);
            if (refused.Count == 0)
            {
                continue;
            }

            zone.ReleaseReservationsAsync(IncidentId, refused).Ignore();
        }

        foreach (var tier in tiers)
        {
            RecordShortfalls(tier, assigned[tier.Name], lastPicks.GetValueOrDefault(tier.Name), recheck);
        }
    }

    private double BaseRadiusMeters(TierState tier) =>
        Math.Min(_options.MaxSearchRadiusMeters, Math.Max(500, tier.Target.TotalSeconds * _options.FastestUnitSpeedMetersPerSecond));

    private void RecordShortfalls(TierState tier, List<(string UnitId, ZonePick Pick)> assigned, TierPicks? last, bool recheck)
    {
        var need = tier.Requested - S.Assignments.Count(a => a.TierName == tier.Name && a.IsActive);
        tier.WaitingForUnits = need > 0;
        if (tier.WaitingForUnits)
        {
            _nextWaitingCheck ??= clock.GetUtcNow() + _options.WaitingTierRecheckInterval;
        }

        if (recheck && assigned.Count == 0)
        {
            // Still nobody free: the timeline already says why the tier is short.
            return;
        }

        var shortfalls = new List<string>();
        var late = assigned.Where(a => !a.Pick.WithinTarget).ToList();
        if (late.Count > 0)
        {
            shortfalls.Add(string.Join("; ", late.Select(a => string.Create(CultureInfo.InvariantCulture,
                $"no unit can reach within {tier.Target.TotalSeconds:F0} s; sent {a.UnitId} anyway (ETA {a.Pick.EtaSeconds:F0} s)"))));
        }

        if (need > 0)
        {
            var radiusMeters = last?.RadiusMeters ?? BaseRadiusMeters(tier);
            shortfalls.Add(string.Create(CultureInfo.InvariantCulture,
                $"{tier.Requested - need} of {tier.Requested} units found within {radiusMeters / 1000:F1} km"));
        }

        if (shortfalls.Count > 0 && last is not null)
        {
            shortfalls.AddRange(last.Shortfalls.Where(s => !shortfalls.Contains(s)));
        }

        if (shortfalls.Count > 0)
        {
            tier.AtRisk = true;
            tier.Shortfalls.AddRange(shortfalls);
            Append(clock.GetUtcNow(), TimelineKinds.TierAtRisk, Actors.System, $"tier {tier.Name} at risk: {string.Join("; ", shortfalls)}", tierName: tier.Name);
        }
    }

    /// <summary>Nearest-unit tiers short of units for want of a free one, while the incident is open and nobody has met them.</summary>
    private IEnumerable<TierState> WaitingTiers() => S.Status != IncidentStatus.Open
        ? []
        : S.Tiers.Where(t => t.WaitingForUnits && t.Filled && t.Outcome != TierOutcome.Met);

    /// <summary>
    /// Tiers left short because every unit was busy look again: a unit freed since then is sent, as a dispatcher
    /// working a pending queue would. A look that finds nobody adds nothing to the timeline. True when anything changed.
    /// </summary>
    private async Task<bool> RecheckWaitingTiersAsync(DateTimeOffset now)
    {
        _nextWaitingCheck = null;
        var before = _timeline.Count;
        try
        {
            await FillNearestTiersAsync([.. WaitingTiers()], Actors.System, recheck: true);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDispatchFailed(logger, exception, IncidentId);
        }

        if (WaitingTiers().Any())
        {
            _nextWaitingCheck = now + _options.WaitingTierRecheckInterval;
        }

        return _timeline.Count != before;
    }

    private void RecordArrival(TierState tier, DateTimeOffset at, string who, string actor)
    {
        if (tier.FirstArrivalAt is not null)
        {
            return;
        }

        tier.FirstArrivalAt = at;
        var seconds = (at - S.CreatedAt).TotalSeconds;
        if (tier.Outcome == TierOutcome.Pending && at <= tier.Deadline)
        {
            tier.Outcome = TierOutcome.Met;
            Append(at, TimelineKinds.TierMet, actor, string.Create(CultureInfo.InvariantCulture,
                $"tier {tier.Name} met: {who} on scene after {seconds:F0} s (target {tier.Target.TotalSeconds:F0} s)"), tierName: tier.Name);
        }
        else if (tier.Outcome is TierOutcome.Pending or TierOutcome.Breached)
        {
            if (tier.Outcome == TierOutcome.Pending)
            {
                tier.Outcome = TierOutcome.Breached;
                Append(at, TimelineKinds.TierBreached, Actors.System,
                    $"tier {tier.Name}: nobody on scene by the {tier.Target.TotalSeconds:F0} s deadline ({Stamp(tier.Deadline)})", tierName: tier.Name);
            }

            Append(at, TimelineKinds.ArrivedLate, actor, string.Create(CultureInfo.InvariantCulture,
                $"tier {tier.Name}: {who} on scene after {seconds:F0} s, {(at - tier.Deadline).TotalSeconds:F0} s late"), tierName: tier.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Incident {IncidentId}: dispatch failed; retrying shortly")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, string incidentId);
}
