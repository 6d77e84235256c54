using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class OperatorActionTests(SharedCluster cluster)
{
    private static readonly string Operator = Actors.Operator("duty");

    private IPatrolUnitGrain Unit(string id) => cluster.Grains.GetGrain<IPatrolUnitGrain>(id);

    private IIncidentGrain Incident(string id) => cluster.Grains.GetGrain<IIncidentGrain>(id);

    [Fact]
    public async Task Operator_assign_sends_the_named_unit_and_stamps_the_operator_in_the_timeline()
    {
        var city = cluster.NewCity("assign");
        city.AddUnit("auto", 0, 300);
        var extra = city.AddUnit("extra", 0, 2_000);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        var result = await Incident(incident.IncidentId).AssignAsync(extra, "patrol", Operator);

        Assert.True(result.Ok, result.Error);
        var after = (await Incident(incident.IncidentId).GetAsync())!;
        Assert.Contains(after.ActiveAssignments, a => a.UnitId == extra);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.UnitAssigned && e.UnitId == extra && e.Actor == Operator);
        Assert.Equal(incident.IncidentId, (await Unit(extra).GetAsync())!.Assignment!.IncidentId);
    }

    [Fact]
    public async Task Reassign_moves_the_tier_to_the_new_unit_and_frees_the_old_one()
    {
        var city = cluster.NewCity("reassign");
        var first = city.AddUnit("first", 0, 300);
        var other = city.AddUnit("other", 0, 2_000);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        var result = await Incident(incident.IncidentId).ReassignAsync(first, other, Operator);

        Assert.True(result.Ok, result.Error);
        var after = (await Incident(incident.IncidentId).GetAsync())!;
        Assert.Equal(other, Assert.Single(after.ActiveAssignments).UnitId);
        Assert.Equal("patrol", Assert.Single(after.ActiveAssignments).TierName);
        Assert.Equal(UnitStatus.Available, (await Unit(first).GetAsync())!.Status);
        Assert.Equal(UnitStatus.Dispatched, (await Unit(other).GetAsync())!.Status);
    }

    [Fact]
    public async Task Unassign_frees_the_unit_and_records_who_did_it()
    {
        var city = cluster.NewCity("unassign");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        var result = await Incident(incident.IncidentId).UnassignAsync(unit, Operator);

        Assert.True(result.Ok, result.Error);
        var after = (await Incident(incident.IncidentId).GetAsync())!;
        Assert.Empty(after.ActiveAssignments);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.UnitReleased && e.UnitId == unit && e.Actor == Operator);
        Assert.Equal(UnitStatus.Available, (await Unit(unit).GetAsync())!.Status);
    }

    [Fact]
    public async Task Close_with_a_disposition_releases_every_unit_and_ends_pending_tiers()
    {
        var city = cluster.NewCity("close");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));
        Assert.True((await Unit(unit).PerformAsync(TerminalAction.OnScene, Actors.Unit(unit))).Ok);

        var result = await Incident(incident.IncidentId).CloseAsync("suspect detained", Operator);

        Assert.True(result.Ok, result.Error);
        var after = (await Incident(incident.IncidentId).GetAsync())!;
        Assert.Equal(IncidentStatus.Closed, after.Status);
        Assert.Equal("suspect detained", after.Disposition);
        Assert.Empty(after.ActiveAssignments);
        Assert.DoesNotContain(after.Tiers, t => t.Outcome == TierOutcome.Pending);
        Assert.Equal(UnitStatus.Available, (await Unit(unit).GetAsync())!.Status);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.Closed && e.Actor == Operator);
    }

    [Fact]
    public async Task Cancel_releases_the_units_and_a_second_cancel_is_refused()
    {
        var city = cluster.NewCity("cancel");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        var first = await Incident(incident.IncidentId).CancelAsync("duplicate call", Operator);
        var second = await Incident(incident.IncidentId).CancelAsync("again", Operator);

        Assert.True(first.Ok, first.Error);
        Assert.False(second.Ok);
        Assert.Contains("cancelled", second.Error, StringComparison.Ordinal);
        Assert.Equal(UnitStatus.Available, (await Unit(unit).GetAsync())!.Status);
    }

    [Fact]
    public async Task Officer_clear_ends_the_assignment_in_the_unit_history_and_the_incident()
    {
        var city = cluster.NewCity("clear");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));
        Assert.True((await Unit(unit).PerformAsync(TerminalAction.OnScene, Actors.Unit(unit))).Ok);

        Assert.True((await Unit(unit).PerformAsync(TerminalAction.Clear, Actors.Unit(unit))).Ok);
        Assert.True((await Unit(unit).PerformAsync(TerminalAction.Available, Actors.Unit(unit))).Ok);

        var after = await cluster.WaitForAsync(incident.IncidentId, v => v.Timeline.Any(e => e.Kind == TimelineKinds.Cleared), "cleared");
        Assert.Equal(AssignmentState.Cleared, Assert.Single(after.Assignments).State);
        var record = Assert.Single(await Unit(unit).GetHistoryAsync());
        Assert.Equal("cleared", record.EndReason);
        Assert.Equal(UnitStatus.Available, (await Unit(unit).GetAsync())!.Status);
    }

    [Fact]
    public async Task Unit_keeps_only_its_latest_assignments_and_numbers_keep_counting()
    {
        var city = cluster.NewCity("history");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var total = Grains.Units.PatrolUnitGrain.HistoryKept + 5;
        var incidents = new List<string>();
        for (var i = 1; i <= total; i++)
        {
            var incident = await cluster.ReportAsync(city.At(0, 0));

            // On a busy machine the unit may still be on its way back to the market when the incident looks: the
            // waiting tier then takes it at its next recheck.
            var assigned = await Eventually.Get(
                () => cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync(), v => v!.ActiveAssignments.Any(), "the unit assigned", TimeSpan.FromSeconds(30));
            Assert.Equal(unit, Assert.Single(assigned!.ActiveAssignments).UnitId);
            Assert.True((await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).CloseAsync("handled", Actors.Operator("duty"))).Ok);
            incidents.Add(incident.IncidentId);
            await Eventually.Get(() => Unit(unit).GetAsync(), v => v!.Status == UnitStatus.Available, "the unit free again");

            // The unit says it is free as soon as the incident let it go; its zone hears a moment later.
            var zone = cluster.Grains.GetGrain<Abstractions.Zones.IDispatcherGrain>(DispatchZone.Of(city.At(0, 0)).Key);
            await Eventually.Get(() => zone.FindWithinAsync(city.At(0, 0), 1_000), units => units.Any(u => u.UnitId == unit), "the zone offering the unit again");
        }

        var history = await Unit(unit).GetHistoryAsync();

        Assert.Equal(Grains.Units.PatrolUnitGrain.HistoryKept, history.Count);
        Assert.Equal(total, history[^1].AssignmentNumber);
        Assert.Equal(incidents[^1], history[^1].IncidentId);
        Assert.Equal(Enumerable.Range(6, history.Count).Select(n => (long)n), history.Select(r => r.AssignmentNumber));
        Assert.All(history, r => Assert.NotNull(r.EndedAt));
    }
}
