using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Live;
using Dispatch.Server.Security;
using Dispatch.Server.Tests.Live;
using Dispatch.Server.Units;
using Dispatch.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Security;

/// <summary>Two officers who may both act for every unit, on a real host.</summary>
public sealed class ShiftHost : IAsyncLifetime
{
    public const string First = "s-first";
    public const string Second = "s-second";

    public LiveCluster Cluster { get; } = new();

    public LiveTestHost Host { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = LiveTestHost.StartPrimary(Cluster, TestAccounts.Settings((First, "*"), (Second, "*")));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Cluster.Dispose();
    }
}

/// <summary>One terminal per unit for the shift; a second officer is refused unless taking over, and the other terminal is told.</summary>
public sealed class UnitShiftTests(ShiftHost fixture) : IClassFixture<ShiftHost>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_officer_is_refused_a_held_unit_naming_who_holds_it()
    {
        var unit = fixture.Cluster.City.Units[0].Id;
        await using var first = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.First);
        await using var second = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.Second);
        await first.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);

        var refused = await Assert.ThrowsAsync<HubException>(() => second.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel));
        var stillHolds = await first.InvokeAsync<TerminalActionResult>("Perform", Guid.NewGuid().ToString("N"), "OutOfService", Cancel);

        Assert.Contains($"unit '{unit}' is signed on by '{ShiftHost.First}'", refused.Message, StringComparison.Ordinal);
        Assert.False(stillHolds.Duplicate);
        await first.InvokeAsync<TerminalActionResult>("Perform", Guid.NewGuid().ToString("N"), "BackInService", Cancel);
    }

    [Fact]
    public async Task Taking_over_tells_the_other_terminal_which_can_act_no_more()
    {
        var unit = fixture.Cluster.City.Units[1].Id;
        await using var first = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.First);
        var told = new Inbox<TerminalSignedOff>(first, TerminalEvents.SignedOff);
        await first.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);
        await using var second = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.Second);

        var snapshot = await second.InvokeAsync<TerminalSnapshot>("TakeOver", unit, Cancel);
        var signedOff = await told.WaitForAsync(s => s.UnitId == unit);
        var afterwards = await Assert.ThrowsAsync<HubException>(() => first.InvokeAsync("ReportPosition", 36.66, 117.0, Cancel));
        var audit = await fixture.Host.Services.GetRequiredService<ISecurityStore>().ReadAuditAsync(null, 50, SecurityAudit.UnitTakenOver, Cancel);

        Assert.Equal(unit, snapshot.Unit.UnitId);
        Assert.Equal((ShiftHost.Second, $"taken over by '{ShiftHost.Second}'"), (signedOff.By, signedOff.Reason));
        Assert.Contains("sign in as a unit first", afterwards.Message, StringComparison.Ordinal);
        Assert.Contains(audit, e => e.Subject == unit && e.Actor == ShiftHost.Second && e.Detail.Contains(ShiftHost.First, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_unit_whose_terminal_disconnected_is_free_for_the_next_officer()
    {
        var unit = fixture.Cluster.City.Units[2].Id;
        var first = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.First);
        await first.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);
        await first.DisposeAsync();
        await using var second = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.Second);

        var snapshot = await WaitForSignInAsync(second, unit);

        Assert.Equal(unit, snapshot.Unit.UnitId);
    }

    [Fact]
    public async Task The_same_officer_signing_on_again_from_a_new_connection_is_not_refused()
    {
        var unit = fixture.Cluster.City.Units[3].Id;
        await using var old = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.First);
        var told = new Inbox<TerminalSignedOff>(old, TerminalEvents.SignedOff);
        await old.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);
        await using var again = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.First);

        var snapshot = await again.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);
        var signedOff = await told.WaitForAsync(s => s.UnitId == unit);

        Assert.Equal(unit, snapshot.Unit.UnitId);
        Assert.Equal("signed on again from another terminal", signedOff.Reason);
    }

    [Fact]
    public async Task A_button_is_journalled_as_the_unit_and_the_signed_in_officer()
    {
        var station = fixture.Cluster.City.Stations[1];
        var opened = await fixture.Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "theft", IncidentPriority.Normal, station.Location.Latitude, station.Location.Longitude, "actor test", IncidentSource.Operator, "operator:test"));
        var incident = fixture.Host.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!);
        var unit = (await incident.GetAsync())!.Assignments.First().UnitId;
        await using var terminal = await fixture.Host.ConnectAsync(TerminalHub.Path, ShiftHost.Second);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);

        await terminal.InvokeAsync<TerminalActionResult>("Perform", Guid.NewGuid().ToString("N"), "Acknowledge", Cancel);

        var acknowledged = (await incident.GetAsync())!.Timeline.Single(t => t.Kind == TimelineKinds.Acknowledged && t.UnitId == unit);
        Assert.Equal($"unit:{unit}/officer:{ShiftHost.Second}", acknowledged.Actor);
    }

    /// <summary>The host notices a closed connection at once, but give it a moment before calling it a failure.</summary>
    private static async Task<TerminalSnapshot> WaitForSignInAsync(HubConnection hub, string unit)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await hub.InvokeAsync<TerminalSnapshot>("SignIn", unit, Cancel);
            }
            catch (HubException) when (attempt < 20)
            {
                await Task.Delay(100, Cancel);
            }
        }
    }
}
