using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class BadInputTests(SharedCluster cluster)
{
    private static readonly string Operator = Actors.Operator("duty");

    private IPatrolUnitGrain Unit(string id) => cluster.Grains.GetGrain<IPatrolUnitGrain>(id);

    private async Task<int> JournalCountAsync()
    {
        var count = 0;
        await foreach (var _ in cluster.Dispatch.Journal.ReadAllAsync(TestContext.Current.CancellationToken))
        {
            count++;
        }

        return count;
    }

    [Theory]
    [InlineData("  ", 3, 36.6, 117.0, "type")]
    [InlineData("theft", 9, 36.6, 117.0, "priority")]
    [InlineData("theft", 3, 91.0, 117.0, "91")]
    [InlineData("theft", 3, 36.6, double.NaN, "longitude")]
    public async Task Bad_intake_is_refused_with_a_reason_naming_the_value_and_creates_nothing(
        string type, int priority, double latitude, double longitude, string named)
    {
        var before = await JournalCountAsync();

        var result = await cluster.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(
            new IncidentReport(type, (IncidentPriority)priority, latitude, longitude, "test", IncidentSource.Call, Operator));

        Assert.False(result.Ok);
        Assert.Null(result.IncidentId);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await JournalCountAsync());
    }

    [Fact]
    public async Task Commands_to_an_unknown_unit_are_refused_naming_the_unit()
    {
        var position = await Unit("no-such-unit").ReportPositionAsync(new Domain.Geo.GeoPoint(36.6, 117.0));
        var action = await Unit("no-such-unit").PerformAsync(TerminalAction.Acknowledge, Operator);

        Assert.False(position.Ok);
        Assert.Contains("unknown unit 'no-such-unit'", position.Error, StringComparison.Ordinal);
        Assert.False(action.Ok);
        Assert.Null(await Unit("no-such-unit").GetAsync());
    }

    [Fact]
    public async Task Assigning_an_unknown_unit_is_refused_and_leaves_the_incident_unchanged()
    {
        var city = cluster.NewCity("unknown");
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        var result = await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).AssignAsync("ghost-7", "patrol", Operator);

        Assert.False(result.Ok);
        Assert.Contains("ghost-7", result.Error, StringComparison.Ordinal);
        var after = (await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!;
        Assert.Equal(incident.Timeline.Count, after.Timeline.Count);
        Assert.Equal(incident.Assignments.Count, after.Assignments.Count);
    }

    [Fact]
    public async Task Illegal_status_change_is_refused_with_the_reason_and_changes_nothing()
    {
        var city = cluster.NewCity("illegal");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);

        var result = await Unit(unit).PerformAsync(TerminalAction.OnScene, Actors.Unit(unit));

        Assert.False(result.Ok);
        Assert.Contains("OnScene", result.Error, StringComparison.Ordinal);
        Assert.Contains("Available", result.Error, StringComparison.Ordinal);
        Assert.Equal(UnitStatus.Available, (await Unit(unit).GetAsync())!.Status);
        Assert.Empty(await Unit(unit).GetHistoryAsync());
    }

    [Fact]
    public async Task Unit_holding_an_assignment_refuses_a_second_claim_naming_the_incident_it_holds()
    {
        var city = cluster.NewCity("held");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var request = new AssignmentRequest("INC-A", "patrol", city.At(0, 0), 100, TimeSpan.FromSeconds(30), Operator);

        var first = await Unit(unit).TryAssignAsync(request);
        var second = await Unit(unit).TryAssignAsync(request with { IncidentId = "INC-B" });

        Assert.True(first.Accepted);
        Assert.False(second.Accepted);
        Assert.Contains("INC-A", second.Reason, StringComparison.Ordinal);

        // The claim is the unit's own until an incident records it; a claim nobody records is not in the history.
        Assert.Empty(await Unit(unit).GetHistoryAsync());
    }

    [Fact]
    public async Task Operator_commands_on_an_unknown_incident_are_refused_naming_it()
    {
        var result = await cluster.Grains.GetGrain<IIncidentGrain>("INC-missing").CloseAsync("done", Operator);

        Assert.False(result.Ok);
        Assert.Contains("unknown incident 'INC-missing'", result.Error, StringComparison.Ordinal);
        Assert.Null(await cluster.Grains.GetGrain<IIncidentGrain>("INC-missing").GetAsync());
    }

    [Fact]
    public async Task Close_without_a_disposition_is_refused_and_the_incident_stays_open()
    {
        var city = cluster.NewCity("nodisp");
        await cluster.SeedAsync(city);
        var incident = await cluster.ReportAsync(city.At(0, 0));

        var result = await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).CloseAsync(" ", Operator);

        Assert.False(result.Ok);
        Assert.Contains("disposition", result.Error, StringComparison.Ordinal);
        Assert.Equal(IncidentStatus.Open, (await cluster.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!.Status);
    }
}
