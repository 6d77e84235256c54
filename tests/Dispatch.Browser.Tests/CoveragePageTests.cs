using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>The operator page's coverage layer, lost-coverage list and move-up panel in Chromium against the real host.</summary>
public sealed class CoveragePageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly PageWaitForFunctionOptions Patiently = new() { Timeout = 30_000, PollingInterval = 500 };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Coverage_layer_shows_reached_cells_and_an_accepted_move_up_reaches_the_units_terminal()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 20_000 });

        await page.CheckAsync("#coverage-toggle");
        await page.WaitForFunctionAsync("() => window.dispatchCoverage.cellCount() > 0", null, Patiently);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-coverage.png") });

        // Every unit within 1 km of the first grid's station goes out of service: that grid loses 3-minute coverage.
        var city = fixture.Cluster.City;
        var grid = city.Grids[0];
        var station = city.FindStation(grid.StationId)!;
        foreach (var unit in city.Units.Where(u => GreatCircle.DistanceMeters(u.Start, station.Location) < 1_000))
        {
            Assert.True((await fixture.Host.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).PerformAsync(TerminalAction.OutOfService, Actors.Operator("test"))).Ok);
        }

        await page.WaitForFunctionAsync(
            "grid => { window.dispatchCoverage.refresh(); return !!document.querySelector(`#coverage-lost [data-grid='${grid}']`) && !!document.querySelector('#moveup-list [data-accept]'); }",
            grid.Id, Patiently);
        var unitId = await page.EvaluateAsync<string>("() => window.dispatchCoverage.state().moveUps.moves[0].unitId");
        await using var terminal = await fixture.Host.ConnectAsync(TerminalHub.Path);
        var received = new Inbox<LiveDelta<LiveDirective>>(terminal, TerminalEvents.DirectiveReceived);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, Cancel);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-move-ups.png") });

        await page.ClickAsync("#moveup-list [data-accept='0']");

        var directive = await received.WaitForAsync(d => d.Item.UnitIds.Contains(unitId), TimeSpan.FromSeconds(20));
        Assert.Contains(station.Name, directive.Item.Note, StringComparison.Ordinal);
        Assert.Empty(outside);
        Assert.Empty(errors);
    }
}
