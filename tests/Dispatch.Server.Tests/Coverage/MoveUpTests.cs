using Dispatch.Testing;
using System.Net;
using System.Net.Http.Json;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Server.Coverage;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Coverage;

/// <summary>One real host with the demo roads under a few demo grids, shared by the move-up tests (each uses its own units).</summary>
public sealed class MoveUpHost : IAsyncLifetime
{
    public LiveCluster Cluster { get; } = new();

    public LiveTestHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = LiveTestHost.StartPrimary(Cluster, new Dictionary<string, string?>
        {
            ["Dispatch:Roads:Demo"] = "true",
            ["Dispatch:Coverage:MaxAgeSeconds"] = "0",
        });
        Http = TestAccounts.Http(Host.BaseAddress);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        Cluster.Dispose();
    }
}

public sealed class MoveUpTests(MoveUpHost fixture) : IClassFixture<MoveUpHost>
{
    private HttpClient Http => fixture.Http;

    private string StationId(int index) => fixture.Cluster.City.Stations[index].Id;

    private string UnitId(int index) => fixture.Cluster.City.Units[index].Id;

    [Fact]
    public async Task Accepting_a_move_up_sends_the_unit_a_patrol_directive_around_the_post_on_its_terminal()
    {
        var unitId = UnitId(0);
        var post = fixture.Cluster.City.Stations[^1];
        await using var terminal = await fixture.Host.ConnectAsync(TerminalHub.Path);
        var received = new Inbox<LiveDelta<LiveDirective>>(terminal, TerminalEvents.DirectiveReceived);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);

        var response = await Http.AcceptAsync(new { moves = new[] { new { unitId, postId = post.Id } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<MoveUpAccepted>(CoverageClient.Json, TestContext.Current.CancellationToken))!;
        var sent = Assert.Single(accepted.Directives);
        var delta = await received.WaitForAsync(d => d.Item.DirectiveId == sent.DirectiveId);
        Assert.Equal([unitId], delta.Item.UnitIds);
        var middle = new GeoPoint(delta.Item.Area.Average(p => p.Latitude), delta.Item.Area.Average(p => p.Longitude));
        Assert.InRange(GreatCircle.DistanceMeters(middle, post.Location), 0, 20);
        Assert.Contains(post.Name, delta.Item.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepting_no_moves_is_refused_with_the_count()
    {
        var response = await Http.AcceptAsync(new { moves = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("got 0", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepting_a_move_of_an_unknown_unit_is_refused_naming_it_and_sends_nothing()
    {
        var response = await Http.AcceptAsync(new { moves = new[] { new { unitId = UnitId(1), postId = StationId(0) }, new { unitId = "P-NOPE", postId = StationId(0) } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown unit 'P-NOPE'", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty(await fixture.Host.Grains.GetGrain<Units.ITerminalSessionGrain>(UnitId(1)).GetDirectivesAsync());
    }

    [Fact]
    public async Task Accepting_a_move_to_an_unknown_post_is_refused_naming_it()
    {
        var response = await Http.AcceptAsync(new { moves = new[] { new { unitId = UnitId(2), postId = "S-NOWHERE" } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unknown post 'S-NOWHERE'", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepting_a_move_of_a_unit_that_is_no_longer_idle_is_a_conflict_naming_its_status()
    {
        var unitId = UnitId(3);
        Assert.True((await fixture.Host.Grains.GetGrain<IPatrolUnitGrain>(unitId).PerformAsync(TerminalAction.OutOfService, Actors.Operator("test"))).Ok);
        await CoverageClient.EventuallyAsync(
            () => Task.FromResult(fixture.Host.Services.GetService(typeof(LiveBoard)) is LiveBoard board ? board.FindUnit(unitId)?.Status : null),
            s => s == UnitStatus.OutOfService,
            "the board seeing the unit out of service");

        var response = await Http.AcceptAsync(new { moves = new[] { new { unitId, postId = StationId(0) } } });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("OutOfService", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Move_ups_answer_with_the_restore_tier()
    {
        var moveUps = await Http.MoveUpsAsync();

        Assert.Equal(180, moveUps.TierSeconds);
        Assert.All(moveUps.Moves, m => Assert.NotEmpty(m.GridsRestored));
    }
}
