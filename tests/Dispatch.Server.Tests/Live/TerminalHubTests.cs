using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Live;

/// <summary>Bad terminal calls are answered with a clear error and change nothing (real Kestrel, websockets).</summary>
public sealed class TerminalHubTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    private readonly LiveCluster _cluster = fixture.Cluster;
    private readonly LiveTestHost _host = fixture.Host;

    [Fact]
    public async Task Sign_in_as_an_unknown_unit_is_refused_naming_the_unit()
    {
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() => terminal.InvokeAsync<TerminalSnapshot>("SignIn", "P-NOPE", TestContext.Current.CancellationToken));

        Assert.Contains("unknown unit 'P-NOPE'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_returns_the_units_state_with_a_sequence_number()
    {
        var unit = _cluster.City.Units[0];
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);

        var snapshot = await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unit.Id, TestContext.Current.CancellationToken);

        Assert.Equal(unit.Id, snapshot.Unit.UnitId);
        Assert.Equal(unit.CallSign, snapshot.Unit.CallSign);
        Assert.Equal(UnitStatus.Available, snapshot.Unit.Status);
        Assert.Equal(unit.Start.Latitude, snapshot.Unit.Latitude!.Value, 6);
        Assert.True(snapshot.Seq > 0, $"seq {snapshot.Seq}");
    }

    [Fact]
    public async Task A_button_before_sign_in_is_refused()
    {
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            terminal.InvokeAsync<TerminalActionResult>("Perform", "a-1", "Acknowledge", TestContext.Current.CancellationToken));

        Assert.Contains("sign in", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_illegal_status_change_is_refused_and_the_unit_keeps_its_status()
    {
        var unitId = _cluster.City.Units[1].Id;
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            terminal.InvokeAsync<TerminalActionResult>("Perform", "a-1", "OnScene", TestContext.Current.CancellationToken));

        Assert.Contains("Available", error.Message, StringComparison.Ordinal);
        var unit = await _host.Grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        Assert.Equal(UnitStatus.Available, unit!.Status);
    }

    [Theory]
    [InlineData("Fly")]
    [InlineData("3")]
    [InlineData("")]
    public async Task An_unknown_action_is_refused_naming_it(string action)
    {
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", _cluster.City.Units[2].Id, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            terminal.InvokeAsync<TerminalActionResult>("Perform", "a-1", action, TestContext.Current.CancellationToken));

        Assert.Contains($"unknown terminal action '{action}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, 117.0, "latitude must be a finite number")]
    [InlineData(36.6, double.PositiveInfinity, "longitude must be a finite number")]
    [InlineData(91.0, 117.0, "latitude must be within [-90, 90]")]
    [InlineData(36.6, -180.5, "longitude must be within [-180, 180]")]
    public async Task A_malformed_position_is_refused_and_the_last_position_is_kept(double latitude, double longitude, string expected)
    {
        var unitId = _cluster.City.Units[3].Id;
        var before = await _host.Grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            terminal.InvokeAsync("ReportPosition", latitude, longitude, TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        var after = await _host.Grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        Assert.Equal(before!.Position, after!.Position);
    }

    [Fact]
    public async Task A_resent_action_with_the_same_client_id_is_applied_once()
    {
        var unitId = _cluster.City.Units[4].Id;
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);

        var first = await terminal.InvokeAsync<TerminalActionResult>("Perform", "client-7", "OutOfService", TestContext.Current.CancellationToken);
        var resent = await terminal.InvokeAsync<TerminalActionResult>("Perform", "client-7", "OutOfService", TestContext.Current.CancellationToken);
        var fresh = await Assert.ThrowsAsync<HubException>(() =>
            terminal.InvokeAsync<TerminalActionResult>("Perform", "client-8", "OutOfService", TestContext.Current.CancellationToken));

        Assert.False(first.Duplicate);
        Assert.Equal(UnitStatus.OutOfService, first.Unit.Status);
        Assert.True(resent.Duplicate);
        Assert.Equal(UnitStatus.OutOfService, resent.Unit.Status);
        Assert.Contains("OutOfService", fresh.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reconnected_terminal_gets_a_snapshot_with_changes_made_while_it_was_away_then_newer_deltas()
    {
        var unitId = _cluster.City.Units[5].Id;
        var terminal = await _host.ConnectAsync(TerminalHub.Path);
        var first = await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);
        await terminal.DisposeAsync();

        // While it is away the unit goes out of service (another terminal of the same unit).
        await using (var other = await _host.ConnectAsync(TerminalHub.Path))
        {
            await other.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);
            await other.InvokeAsync<TerminalActionResult>("Perform", "away-1", "OutOfService", TestContext.Current.CancellationToken);
        }

        await WaitUntilAsync(() => _host.Services.GetRequiredService<LiveBoard>().FindUnit(unitId)?.Status == UnitStatus.OutOfService);
        await using var back = await _host.ConnectAsync(TerminalHub.Path);
        var changes = new Inbox<LiveDelta<LiveUnit>>(back, TerminalEvents.UnitChanged);
        var resync = await back.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);
        await back.InvokeAsync<TerminalActionResult>("Perform", "back-1", "BackInService", TestContext.Current.CancellationToken);
        var delta = await changes.WaitForAsync(d => d.Item.Status == UnitStatus.Available);

        Assert.Equal(UnitStatus.OutOfService, resync.Unit.Status);
        Assert.True(resync.Seq > first.Seq, $"resync seq {resync.Seq} after first {first.Seq}");
        Assert.True(delta.Seq > resync.Seq, $"delta seq {delta.Seq} after snapshot {resync.Seq}");
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in time");
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
