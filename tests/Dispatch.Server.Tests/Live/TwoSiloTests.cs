using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Live;

/// <summary>Two hosts, one Orleans cluster, no SignalR backplane: changes reach pages on either host.</summary>
public sealed class TwoSiloTests
{
    [Fact]
    public async Task An_officer_on_one_host_receives_an_assignment_made_by_grains_on_the_other_and_operators_there_see_the_acknowledgement()
    {
        using var cluster = new LiveCluster();
        await using var hostA = LiveTestHost.StartPrimary(cluster);
        var unit = cluster.City.Units[0];

        // Activated while host A's silo is alone, the unit's grain lives on silo A.
        await hostA.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).GetAsync();
        await using var hostB = LiveTestHost.StartSecondary(cluster);
        await TerminalHubTests.WaitUntilAsync(() =>
            hostA.Grains.GetGrain<ILiveHostRegistryGrain>(0).GetHostIdsAsync().GetAwaiter().GetResult().Count == 2);

        await using var officer = await hostB.ConnectAsync(TerminalHub.Path);
        var officerUnit = new Inbox<LiveDelta<LiveUnit>>(officer, TerminalEvents.UnitChanged);
        await officer.InvokeAsync<TerminalSnapshot>("SignIn", unit.Id, TestContext.Current.CancellationToken);
        await using var operatorA = await hostA.ConnectAsync(OperationsHub.Path);
        var operatorUnits = new Inbox<LiveDelta<LiveUnit>>(operatorA, OperationsEvents.UnitChanged);
        await operatorA.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, TestContext.Current.CancellationToken);

        // The incident's own dispatch may claim the unit (it starts on the spot); if not, an operator's
        // assignment made through host A does. Either way the claim runs in the unit's grain on silo A.
        var opened = await hostA.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "robbery", IncidentPriority.Low, unit.Start.Latitude, unit.Start.Longitude, "two-silo test", IncidentSource.Operator, "operator:test"));
        var incident = hostA.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!);
        await TerminalHubTests.WaitUntilAsync(() =>
            hostA.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).GetAsync().GetAwaiter().GetResult()!.Status != UnitStatus.Available
            || incident.GetAsync().GetAwaiter().GetResult()!.Assignments.Count > 0);
        if ((await hostA.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).GetAsync())!.Assignment is null)
        {
            var assigned = await incident.AssignAsync(unit.Id, null, "operator:test");
            Assert.True(assigned.Ok, assigned.Error);
        }

        var assignment = await officerUnit.WaitForAsync(d => d.Item.Assignment?.IncidentId == opened.IncidentId);
        await officer.InvokeAsync<TerminalActionResult>("Perform", "ack-1", "Acknowledge", TestContext.Current.CancellationToken);
        var seenByOperator = await operatorUnits.WaitForAsync(d => d.Item.UnitId == unit.Id && d.Item.Status == UnitStatus.Acknowledged);

        Assert.Equal(UnitStatus.Dispatched, assignment.Item.Status);
        Assert.Equal(unit.Start.Latitude, assignment.Item.Assignment!.Latitude, 6);
        Assert.Equal(opened.IncidentId, seenByOperator.Item.Assignment?.IncidentId);
        Assert.NotEqual(hostA.Services.GetRequiredService<LiveHostService>().HostId, hostB.Services.GetRequiredService<LiveHostService>().HostId);
    }
}
