using Dispatch.Testing;
using System.Net;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Coverage;

/// <summary>GET /api/coverage and /api/coverage/move-ups on the real host, with the demo roads under a few demo grids.</summary>
public sealed class CoverageApiTests : IAsyncLifetime
{
    private readonly LiveCluster _cluster = new();
    private LiveTestHost _host = null!;
    private HttpClient _http = null!;

    public ValueTask InitializeAsync()
    {
        _host = LiveTestHost.StartPrimary(_cluster, new Dictionary<string, string?>
        {
            ["Dispatch:Roads:Demo"] = "true",
            ["Dispatch:Coverage:MaxAgeSeconds"] = "0",
        });
        _http = TestAccounts.Http(_host.BaseAddress);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        _cluster.Dispose();
    }

    /// <summary>Takes every unit within 1 km of the first grid's station out of service; returns how many.</summary>
    private async Task<int> TakeUnitsNearTheFirstStationOutOfServiceAsync()
    {
        var city = _cluster.City;
        var station = city.FindStation(city.Grids[0].StationId)!;
        var nearby = city.Units.Where(u => GreatCircle.DistanceMeters(u.Start, station.Location) < 1_000).ToList();
        foreach (var unit in nearby)
        {
            Assert.True((await _host.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).PerformAsync(TerminalAction.OutOfService, Actors.Operator("test"))).Ok);
        }

        await CoverageClient.EventuallyAsync(
            _http.CoverageAsync, c => c.AvailableUnits == city.Units.Count - nearby.Count, "the busy units leaving coverage");
        return nearby.Count;
    }

    [Fact]
    public async Task A_grid_loses_3_minute_coverage_when_the_units_near_it_become_busy()
    {
        var grid = _cluster.City.Grids[0];
        var before = await _http.CoverageAsync();

        Assert.True(await TakeUnitsNearTheFirstStationOutOfServiceAsync() > 0);

        var after = await _http.CoverageAsync();
        Assert.Equal(180, before.RestoreTierSeconds);
        Assert.True(before.Grids.Single(g => g.GridId == grid.Id).Covered[1], "covered at 3 minutes while every unit is available");
        Assert.DoesNotContain(before.LostGrids, g => g.GridId == grid.Id);
        Assert.False(after.Grids.Single(g => g.GridId == grid.Id).Covered[1]);
        var lost = Assert.Single(after.LostGrids, g => g.GridId == grid.Id);
        Assert.True(lost.CoveredShare < lost.PlannedShare, $"{lost.CoveredShare} now, {lost.PlannedShare} planned");
    }

    [Fact]
    public async Task Move_up_recommendation_restores_the_lost_grid_and_once_accepted_the_units_terminal_has_it_and_it_is_not_recommended_again()
    {
        var grid = _cluster.City.Grids[0];
        await TakeUnitsNearTheFirstStationOutOfServiceAsync();

        var recommended = await _http.MoveUpsAsync();

        var move = Assert.Single(recommended.Moves);
        Assert.Equal(grid.StationId, move.PostId);
        Assert.Contains(grid.Id, move.GridsRestored);
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        var received = new Inbox<LiveDelta<LiveDirective>>(terminal, TerminalEvents.DirectiveReceived);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", move.UnitId, TestContext.Current.CancellationToken);
        var accepted = await _http.AcceptAsync(new { moves = new[] { new { move.UnitId, move.PostId } } });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await received.WaitForAsync(d => d.Item.UnitIds.Contains(move.UnitId));
        Assert.DoesNotContain((await _http.MoveUpsAsync()).Moves, m => m.UnitId == move.UnitId);
    }

    [Fact]
    public async Task Coverage_lists_reached_cells_by_tier_from_every_available_unit()
    {
        var coverage = await _http.CoverageAsync();

        Assert.Equal([60.0, 180.0, 300.0], coverage.TierSeconds);
        Assert.Equal(_cluster.City.Units.Count, coverage.AvailableUnits);
        Assert.Equal(_cluster.City.Grids.Count, coverage.Grids.Count);
        Assert.NotEmpty(coverage.Cells);
        Assert.All(coverage.Cells, c => Assert.Contains(c[2], coverage.TierSeconds));
        Assert.True(coverage.CityShare[0] <= coverage.CityShare[1] && coverage.CityShare[1] <= coverage.CityShare[2]);
    }
}

/// <summary>Without a road network coverage cannot be measured; the endpoints say so.</summary>
public sealed class CoverageWithoutRoadsTests : IAsyncLifetime
{
    private readonly LiveCluster _cluster = new(grids: 1);
    private LiveTestHost _host = null!;

    public ValueTask InitializeAsync()
    {
        _host = LiveTestHost.StartPrimary(_cluster, new Dictionary<string, string?> { ["Dispatch:Roads:Demo"] = "false" });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Coverage_without_a_road_network_is_not_found_with_the_reason()
    {
        using var http = TestAccounts.Http(_host.BaseAddress);

        var response = await http.GetAsync(new Uri("/api/coverage", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no road network", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
