using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>What reaches an officer's terminal page from the control room, and what the terminal keeps while it is offline.</summary>
public sealed class FieldPagesTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static float PatienceMs => (float)Patience.TotalMilliseconds;

    [Fact]
    public async Task A_patrol_directive_drawn_and_sent_on_the_operator_page_appears_on_the_units_open_terminal()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var owned = context;
        var unitId = fixture.Cluster.City.Units[6].Id;
        var terminalPage = await OpenTerminalAsync(context, unitId);
        var operatorPage = await OpenOperatorAsync(context);
        const string note = "Walk the school gates at closing time";

        // Draw a four-corner area on the map, name the unit, set a one-hour window from an hour ahead.
        await operatorPage.Locator("#directive").ClickAsync();
        var map = (await operatorPage.Locator("#map").BoundingBoxAsync())!;
        var (cx, cy) = (map.X + (map.Width / 2), map.Y + (map.Height / 2));
        foreach (var (dx, dy) in new[] { (-90, -60), (90, -60), (90, 60), (-90, 60) })
        {
            await operatorPage.Mouse.ClickAsync(cx + dx, cy + dy);
        }

        await operatorPage.Locator("#directive-units").FillAsync(unitId);
        var from = DateTime.Now.AddHours(1);
        await operatorPage.Locator("#directive-from").FillAsync(from.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await operatorPage.Locator("#directive-until").FillAsync(from.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await operatorPage.Locator("#directive-note").FillAsync(note);
        await operatorPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("operator-directive.png") });
        await operatorPage.Locator("#directive-send").ClickAsync();
        var shown = terminalPage.Locator("#directives li", new PageLocatorOptions { HasText = note });
        await shown.WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        await terminalPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-directive.png") });

        var held = Assert.Single(await fixture.Host.Grains.GetGrain<ITerminalSessionGrain>(unitId).GetDirectivesAsync(), d => d.Note == note);
        Assert.Equal([unitId], held.UnitIds);
        Assert.Equal(4, held.Area.Count);
        Assert.Equal(TimeSpan.FromHours(1), held.Until - held.From);
        Assert.Equal(1, await shown.CountAsync());
        Assert.True(await terminalPage.EvaluateAsync<int>("() => document.querySelectorAll('#mini-map path.leaflet-interactive').length") >= 1,
            "the directive's area is not drawn on the terminal's map");
        Assert.Empty(outside);
    }

    [Fact]
    public async Task Buttons_pressed_while_the_terminal_is_offline_reach_the_incident_in_order_once_it_reconnects()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var owned = context;
        var (incidentId, unitId) = await AssignedIncidentAsync(fixture.Cluster.City.Stations[2].Location);

        // The page's network switch: off drops its websockets and makes new ones fail, as in a tunnel.
        await context.AddInitScriptAsync(NetworkSwitch);
        var terminalPage = await OpenTerminalAsync(context, unitId);
        var operatorPage = await OpenOperatorAsync(context);
        await terminalPage.WaitForSelectorAsync($"#assignment[data-incident='{incidentId}']", new() { Timeout = PatienceMs });

        await terminalPage.EvaluateAsync("() => window.__network.drop()");
        await terminalPage.WaitForSelectorAsync("body:not([data-connection=connected])", new() { Timeout = PatienceMs });
        await terminalPage.Locator("[data-action=Acknowledge]").ClickAsync();
        await terminalPage.Locator("[data-action=EnRoute]").ClickAsync(new LocatorClickOptions { Timeout = 5000 });
        var queued = await terminalPage.Locator("#queued").InnerTextAsync();
        await terminalPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-offline-queued.png") });
        var whileOffline = await fixture.Host.Grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();

        await terminalPage.EvaluateAsync("() => window.__network.restore()");
        await terminalPage.WaitForSelectorAsync("body[data-connection=connected][data-status=EnRoute]", new() { Timeout = PatienceMs });
        await operatorPage.WaitForFunctionAsync("id => window.dispatchOps.unit(id)?.status === 'EnRoute'", unitId,
            new PageWaitForFunctionOptions { Timeout = PatienceMs });
        await terminalPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-reconnected.png") });
        await operatorPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("operator-after-reconnect.png") });

        var incident = await fixture.Host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        var steps = incident!.Timeline
            .Where(e => e.UnitId == unitId && e.Kind is TimelineKinds.Acknowledged or TimelineKinds.EnRoute)
            .OrderBy(e => e.Sequence).Select(e => e.Kind).ToList();
        Assert.StartsWith("2", queued, StringComparison.Ordinal);
        Assert.Equal(UnitStatus.Dispatched, whileOffline!.Status);
        Assert.Equal([TimelineKinds.Acknowledged, TimelineKinds.EnRoute], steps);
        Assert.Equal(AssignmentState.EnRoute, incident.Assignments.Single(a => a.UnitId == unitId && a.State != AssignmentState.Released).State);
        Assert.Equal("", await terminalPage.Locator("#queued").InnerTextAsync());
        Assert.Empty(outside);
    }

    /// <summary>
    /// Wraps the page's WebSocket: <c>__network.drop()</c> closes every open socket (the hub client sees the
    /// connection lost and starts reconnecting) and points new ones at a closed port until <c>restore()</c>.
    /// Playwright's offline mode does not touch websockets, hence this switch inside the page.
    /// </summary>
    private const string NetworkSwitch = """
        (() => {
          const Native = window.WebSocket;
          const open = new Set();
          window.__network = {
            online: true,
            drop() { this.online = false; open.forEach((s) => s.close(4000, 'network lost')); },
            restore() { this.online = true; },
          };
          window.WebSocket = class extends Native {
            constructor(url, protocols) {
              super(window.__network.online ? url : 'ws://127.0.0.1:9/', protocols);
              open.add(this);
              this.addEventListener('close', () => open.delete(this));
            }
          };
        })();
        """;

    /// <summary>An incident whose own dispatch has settled, and a free unit an operator then assigns to it.</summary>
    private async Task<(string IncidentId, string UnitId)> AssignedIncidentAsync(GeoPoint at)
    {
        var grains = fixture.Host.Grains;
        var opened = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "disturbance", IncidentPriority.Low, at.Latitude, at.Longitude, "browser test", IncidentSource.Operator, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        await Task.Delay(1500, Cancel);
        var units = await Task.WhenAll(fixture.Cluster.City.Units.Select(u => grains.GetGrain<IPatrolUnitGrain>(u.Id).GetAsync()));
        var unitId = units.OfType<UnitView>()
            .Where(u => u.Status == UnitStatus.Available && u.Position is not null)
            .MinBy(u => GreatCircle.DistanceMeters(u.Position!.Value, at))?.UnitId ?? throw new InvalidOperationException("no available unit");
        await using var desk = await fixture.Host.ConnectAsync(OperationsHub.Path);
        await desk.InvokeAsync("Assign", opened.IncidentId, unitId, (string?)null, Cancel);
        return (opened.IncidentId!, unitId);
    }

    private static async Task<IPage> OpenTerminalAsync(IBrowserContext context, string unitId)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/terminal.html?unit={Uri.EscapeDataString(unitId)}");
        await page.WaitForSelectorAsync("body[data-connection=connected]", new() { Timeout = PatienceMs });
        return page;
    }

    private static async Task<IPage> OpenOperatorAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = PatienceMs });
        return page;
    }

    private string Screenshot(string name) => Path.Combine(fixture.ScreenshotDirectory, name);
}
