using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class TierDispatchTests(SharedCluster cluster)
{
    private IPatrolUnitGrain Unit(string id) => cluster.Grains.GetGrain<IPatrolUnitGrain>(id);

    [Fact]
    public async Task Intake_returns_the_incident_id_and_dispatch_sends_the_nearest_available_unit()
    {
        var city = cluster.NewCity("nearest");
        var far = city.AddUnit("far", 900, 0);
        var near = city.AddUnit("near", 0, 400);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.At(0, 0));

        var patrol = Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol");
        Assert.Equal(near, patrol.UnitId);
        Assert.Equal(UnitStatus.Dispatched, (await Unit(near).GetAsync())!.Status);
        Assert.Equal(UnitStatus.Available, (await Unit(far).GetAsync())!.Status);
        Assert.Contains(incident.Timeline, e => e.Kind == TimelineKinds.UnitAssigned && e.UnitId == near);
    }

    [Fact]
    public async Task Station_tier_commits_responders_of_the_station_whose_grid_holds_the_incident_until_close()
    {
        var city = cluster.NewCity("station", stationResponders: 3);
        city.AddUnit("p1", 0, 300);
        await cluster.SeedAsync(city);
        var station = cluster.Grains.GetGrain<IStationGrain>(city.StationId);

        var incident = await cluster.ReportAsync(city.At(100, 100), IncidentPriority.Critical);
        var tier = incident.Tier("station");
        var busyWhileOpen = (await station.GetAsync())!.BusyResponders;
        await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).CloseAsync("resolved on scene", Actors.Operator("duty"));

        Assert.Equal(city.StationId, tier.StationId);
        Assert.Equal(2, tier.StationResponders);
        Assert.Equal(2, busyWhileOpen);
        Assert.Equal(0, (await station.GetAsync())!.BusyResponders);
    }

    [Fact]
    public async Task Station_tier_is_at_risk_with_the_reason_when_the_station_has_no_free_responders()
    {
        var city = cluster.NewCity("nofree", stationResponders: 1);
        await cluster.SeedAsync(city);
        await cluster.ReportAsync(city.At(0, 0));

        var second = await cluster.ReportAsync(city.At(50, 50));

        var tier = second.Tier("station");
        Assert.True(tier.AtRisk);
        Assert.Equal(0, tier.StationResponders);
        Assert.Contains(second.Timeline, e => e.Kind == TimelineKinds.TierAtRisk && e.Text.Contains("0 of 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Units_assigned_by_an_earlier_tier_are_not_assigned_again_by_a_later_tier()
    {
        var city = cluster.NewCity("tiers");
        for (var i = 0; i < 5; i++)
        {
            city.AddUnit($"u{i}", 100 * (i + 1), 0);
        }

        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.At(0, 0), IncidentPriority.Critical);

        var units = incident.ActiveAssignments.Select(a => a.UnitId).ToList();
        Assert.Equal(4, units.Count);
        Assert.Equal(4, units.Distinct().Count());
        Assert.Equal(2, incident.ActiveAssignments.Count(a => a.TierName == "reinforcement"));
    }

    [Fact]
    public async Task Where_no_unit_can_make_the_target_the_fastest_is_sent_anyway_and_the_tier_is_at_risk_with_the_reason()
    {
        var city = cluster.NewCity("slow", stationResponders: 5);
        var nearer = city.AddUnit("car3km", 3_000, 0);
        city.AddUnit("car4km", 0, 4_000);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.At(0, 0));

        var tier = incident.Tier("patrol");
        Assert.Equal(nearer, Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol").UnitId);
        Assert.True(tier.AtRisk);
        Assert.NotEmpty(tier.Shortfalls);
        Assert.Contains(incident.Timeline, e => e.Kind == TimelineKinds.TierAtRisk && e.Text.Contains(nearer, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Incident_near_a_zone_border_gets_the_nearest_unit_even_when_it_is_in_the_neighbouring_zone()
    {
        var city = cluster.NewCity("border");

        // The west edge of the origin's zone: the incident just west of it, the nearest unit just east of it.
        var edge = new Domain.Geo.GeoPoint(city.Origin.Latitude, DispatchZone.Of(city.Origin).SouthWest.Longitude);
        var location = Domain.Geo.GreatCircle.Offset(edge, 0, -30);
        var across = city.AddUnitAt("across", Domain.Geo.GreatCircle.Offset(edge, 0, 200));
        var sameZone = city.AddUnitAt("same", Domain.Geo.GreatCircle.Offset(edge, 0, -600));
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(location);

        Assert.NotEqual(DispatchZone.Of(location), DispatchZone.Of((await Unit(across).GetAsync())!.Position!.Value));
        Assert.Equal(DispatchZone.Of(location), DispatchZone.Of((await Unit(sameZone).GetAsync())!.Position!.Value));
        Assert.Equal(across, Assert.Single(incident.ActiveAssignments, a => a.TierName == "patrol").UnitId);
    }

    [Fact]
    public async Task Unit_that_misses_the_ack_deadline_is_released_and_the_next_best_unit_is_dispatched()
    {
        var city = cluster.NewCity("ack");
        var first = city.AddUnit("first", 300, 0);
        var second = city.AddUnit("second", 0, 600);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));
        Assert.Equal(first, Assert.Single(incident.ActiveAssignments).UnitId);

        cluster.Dispatch.Clock.Advance(cluster.Dispatch.Plan.AckDeadline + TimeSpan.FromSeconds(1));

        var after = await cluster.WaitForAsync(incident.IncidentId, v => v.ActiveAssignments.Any(a => a.UnitId == second), "re-dispatch");
        var timeout = Assert.Single(after.Timeline, e => e.Kind == TimelineKinds.AckTimeout);
        Assert.Equal(first, timeout.UnitId);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.UnitAssigned && e.UnitId == second && e.Sequence > timeout.Sequence);
        Assert.Equal(UnitStatus.Available, (await Unit(first).GetAsync())!.Status);
        Assert.NotNull(Assert.Single(await Unit(first).GetHistoryAsync()).EndedAt);
    }

    [Fact]
    public async Task Ack_deadline_is_handled_even_when_its_timer_fires_slightly_early()
    {
        var city = cluster.NewCity("early");
        var first = city.AddUnit("first", 300, 0);
        var second = city.AddUnit("second", 0, 600);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));
        var assignment = Assert.Single(incident.ActiveAssignments);
        Assert.Equal(first, assignment.UnitId);

        // Stop exactly where the early timer fires: nothing is due yet, so the grain must arm again.
        var clock = cluster.Dispatch.Clock;
        clock.Advance(assignment.AckDeadline - clock.GetUtcNow() - DispatchTestCluster.TimerEarliness);
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);
        Assert.DoesNotContain((await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!.Timeline,
            e => e.Kind == TimelineKinds.AckTimeout);
        clock.Advance(TimeSpan.FromSeconds(1));

        var after = await cluster.WaitForAsync(incident.IncidentId, v => v.ActiveAssignments.Any(a => a.UnitId == second), "re-dispatch after an early timer");
        Assert.Equal(first, Assert.Single(after.Timeline, e => e.Kind == TimelineKinds.AckTimeout).UnitId);
    }

    [Fact]
    public async Task Acknowledged_unit_is_not_released_at_the_ack_deadline()
    {
        var city = cluster.NewCity("acked");
        var unit = city.AddUnit("u", 300, 0);
        city.AddUnit("spare", 0, 600);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        Assert.True((await Unit(unit).PerformAsync(TerminalAction.Acknowledge, Actors.Unit(unit))).Ok);
        await cluster.WaitForAsync(incident.IncidentId, v => v.Timeline.Any(e => e.Kind == TimelineKinds.Acknowledged), "ack in timeline");
        cluster.Dispatch.Clock.Advance(cluster.Dispatch.Plan.AckDeadline + TimeSpan.FromSeconds(1));
        await Task.Delay(300, TestContext.Current.CancellationToken);

        var after = (await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!;
        Assert.DoesNotContain(after.Timeline, e => e.Kind == TimelineKinds.AckTimeout);
        Assert.Equal(unit, Assert.Single(after.ActiveAssignments).UnitId);
    }

    [Fact]
    public async Task When_the_best_unit_was_taken_meanwhile_its_claim_is_refused_and_the_next_candidate_is_sent()
    {
        var city = cluster.NewCity("race");
        var taken = city.AddUnit("taken", 0, 200);
        var next = city.AddUnit("next", 0, 700);
        await cluster.SeedAsync(city);
        var takenAt = (await Unit(taken).GetAsync())!.Position!.Value;
        var elsewhere = await cluster.ReportAsync(takenAt);
        Assert.Equal(taken, Assert.Single(elsewhere.ActiveAssignments).UnitId);

        // The zone still lists it, as it would if the claim raced this incident's ranking (a newer "available" than the unit's own news).
        var zone = cluster.Grains.GetGrain<Abstractions.Zones.IDispatcherGrain>(DispatchZone.Of(takenAt).Key);
        await Eventually.Get(() => zone.FindWithinAsync(takenAt, 100), units => units.All(u => u.UnitId != taken), "the claimed unit leaving the index");
        await zone.UnitChangedAsync(new Abstractions.Zones.ZoneUnit(taken, UnitKind.Car, city.StationId, true, takenAt, DateTimeOffset.UtcNow, null, long.MaxValue));
        await Eventually.Get(() => zone.FindWithinAsync(takenAt, 100), units => units.Any(u => u.UnitId == taken), "the stale listing");

        var incident = await cluster.ReportAsync(city.At(0, 0));

        Assert.Equal(next, Assert.Single(incident.ActiveAssignments).UnitId);
        Assert.Contains(incident.Timeline, e => e.Kind == TimelineKinds.ClaimRefused && e.UnitId == taken && e.Text.Contains(elsewhere.IncidentId, StringComparison.Ordinal));
        Assert.Equal(elsewhere.IncidentId, (await Unit(taken).GetAsync())!.Assignment!.IncidentId);
    }

    [Fact]
    public async Task Tier_short_because_every_unit_was_busy_gets_the_first_unit_that_becomes_free()
    {
        var city = cluster.NewCity("waiting");
        var only = city.AddUnit("only", 300, 0);
        await cluster.SeedAsync(city);
        var first = await cluster.ReportAsync(city.At(0, 0));
        Assert.Equal(only, Assert.Single(first.ActiveAssignments).UnitId);
        var second = await cluster.ReportAsync(city.At(200, 200));
        Assert.Empty(second.ActiveAssignments);
        Assert.True(second.Tier("patrol").AtRisk);

        // A look while the unit is still busy finds nobody and adds nothing to the timeline.
        var interval = new Hosting.DispatchGrainOptions().WaitingTierRecheckInterval;
        cluster.Dispatch.Clock.Advance(interval + TimeSpan.FromSeconds(1));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        var stillWaiting = (await cluster.Grains.GetGrain<IIncidentGrain>(second.IncidentId).GetAsync())!;
        Assert.Empty(stillWaiting.ActiveAssignments);
        Assert.Equal(second.Timeline.Count, stillWaiting.Timeline.Count);

        Assert.True((await cluster.Grains.GetGrain<IIncidentGrain>(first.IncidentId).CloseAsync("resolved on scene", Actors.Operator("duty"))).Ok);
        Assert.Equal(UnitStatus.Available, (await Unit(only).GetAsync())!.Status);
        cluster.Dispatch.Clock.Advance(interval + TimeSpan.FromSeconds(1));

        var after = await cluster.WaitForAsync(second.IncidentId, v => v.ActiveAssignments.Any(a => a.UnitId == only), "a freed unit sent to the waiting tier");
        var sent = Assert.Single(after.Timeline, e => e.Kind == TimelineKinds.UnitAssigned);
        Assert.Equal("patrol", sent.TierName);
        Assert.Contains("waited", sent.Text, StringComparison.Ordinal);
    }
}
