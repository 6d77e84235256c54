using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class ArrivalTests(SharedCluster cluster)
{
    private IPatrolUnitGrain Unit(string id) => cluster.Grains.GetGrain<IPatrolUnitGrain>(id);

    private async Task<(TestCity City, string UnitId, IncidentView Incident)> DispatchedAsync(string prefix)
    {
        var city = cluster.NewCity(prefix);
        var unit = city.AddUnit("u", 0, 500);
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));
        Assert.Equal(unit, Assert.Single(incident.ActiveAssignments).UnitId);
        Assert.True((await Unit(unit).PerformAsync(TerminalAction.Acknowledge, Actors.Unit(unit))).Ok);
        return (city, unit, incident);
    }

    [Fact]
    public async Task Tier_is_met_when_the_officer_reports_on_scene_before_the_deadline()
    {
        var (_, unit, incident) = await DispatchedAsync("report");
        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await Unit(unit).PerformAsync(TerminalAction.EnRoute, Actors.Unit(unit))).Ok);
        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(100));

        Assert.True((await Unit(unit).PerformAsync(TerminalAction.OnScene, Actors.Unit(unit))).Ok);

        var after = await cluster.WaitForAsync(incident.IncidentId, v => v.Tier("patrol").Outcome != TierOutcome.Pending, "patrol tier outcome");
        Assert.Equal(TierOutcome.Met, after.Tier("patrol").Outcome);
        Assert.Equal(incident.CreatedAt.AddSeconds(120), after.Tier("patrol").FirstArrivalAt);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.TierMet && e.Actor == Actors.Unit(unit));
    }

    [Fact]
    public async Task Position_inside_the_arrival_radius_counts_as_arrival_and_meets_the_tier()
    {
        var (city, unit, incident) = await DispatchedAsync("gps");
        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(90));

        Assert.True((await Unit(unit).ReportPositionAsync(city.At(30, 40))).Ok);

        var after = await cluster.WaitForAsync(incident.IncidentId, v => v.Tier("patrol").Outcome != TierOutcome.Pending, "patrol tier outcome");
        Assert.Equal(TierOutcome.Met, after.Tier("patrol").Outcome);
        Assert.Equal(UnitStatus.OnScene, (await Unit(unit).GetAsync())!.Status);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.OnScene && e.Text.Contains("arrival radius", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Position_outside_the_arrival_radius_is_not_an_arrival()
    {
        var (city, unit, incident) = await DispatchedAsync("near");

        Assert.True((await Unit(unit).ReportPositionAsync(city.At(0, 150))).Ok);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        Assert.Equal(UnitStatus.Acknowledged, (await Unit(unit).GetAsync())!.Status);
        var after = (await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!;
        Assert.Null(after.Tier("patrol").FirstArrivalAt);
    }

    [Fact]
    public async Task Deadline_passing_without_arrival_raises_the_breach_at_once_not_at_arrival()
    {
        var (_, _, incident) = await DispatchedAsync("breach");

        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(181));

        // Read the journal, not the incident: the breach must come from the timer alone.
        var journal = await Eventually.Get(
            () => cluster.Dispatch.Journal.ReadAsync(incident.IncidentId),
            entries => entries.Count(e => e.Kind == TimelineKinds.TierBreached) >= 2,
            "station and patrol breaches in the journal",
            TimeSpan.FromSeconds(5));
        var breaches = journal.Where(e => e.Kind == TimelineKinds.TierBreached).ToList();
        Assert.Contains(breaches, e => e.PayloadJson.Contains("\"tierName\":\"patrol\"", StringComparison.Ordinal));
        Assert.All(breaches, e => Assert.Equal(Actors.System, e.Actor));
        Assert.All(breaches, e => Assert.True(e.At >= incident.CreatedAt.AddSeconds(60)));
    }

    [Fact]
    public async Task Arrival_after_a_breach_is_recorded_late_and_the_tier_stays_breached()
    {
        var (_, unit, incident) = await DispatchedAsync("late");
        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(200));
        await cluster.WaitForAsync(incident.IncidentId, v => v.Tier("patrol").Outcome == TierOutcome.Breached, "patrol breach");

        Assert.True((await Unit(unit).PerformAsync(TerminalAction.OnScene, Actors.Unit(unit))).Ok);

        var after = await cluster.WaitForAsync(incident.IncidentId, v => v.Timeline.Any(e => e.Kind == TimelineKinds.ArrivedLate), "late arrival");
        Assert.Equal(TierOutcome.Breached, after.Tier("patrol").Outcome);
        Assert.Single(after.Timeline, e => e.Kind == TimelineKinds.TierBreached && e.TierName == "patrol");
    }

    [Fact]
    public async Task Station_responders_reporting_on_scene_in_time_meet_the_station_tier()
    {
        var city = cluster.NewCity("staff");
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));
        cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(45));

        var result = await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).ReportStationOnSceneAsync(Actors.Station(city.StationId));

        Assert.True(result.Ok, result.Error);
        var after = (await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!;
        Assert.Equal(TierOutcome.Met, after.Tier("station").Outcome);
        Assert.Equal(incident.CreatedAt.AddSeconds(45), after.Tier("station").FirstArrivalAt);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.TierMet && e.Actor == Actors.Station(city.StationId));
    }
}
