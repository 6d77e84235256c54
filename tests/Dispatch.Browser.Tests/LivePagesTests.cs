using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>The operator map and the patrol terminal in Chromium against the real host, with no network beyond localhost.</summary>
public sealed class LivePagesTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operator_page_loads_and_goes_live_without_any_request_beyond_localhost()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = CollectErrors(page);

        await OpenOperatorPageAsync(page);
        var unitId = fixture.Cluster.City.Units[0].Id;
        var drawn = await page.EvaluateAsync<bool>("id => !!window.dispatchOps.unitLatLng(id)", unitId);
        var counted = await page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('[data-status-count]')].reduce((n, el) => n + Number(el.textContent), 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("operator-loaded.png") });

        Assert.Empty(outside);
        Assert.Empty(errors);
        Assert.True(drawn, $"unit {unitId} has no marker");
        Assert.Equal(fixture.Cluster.City.Units.Count, counted);
    }

    [Fact]
    public async Task A_unit_marker_moves_when_the_unit_reports_a_new_position_through_the_terminal_hub()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();
        await OpenOperatorPageAsync(page);
        var unit = fixture.Cluster.City.Units[1];
        var before = await MarkerAsync(page, unit.Id);
        var target = GreatCircle.Offset(unit.Start, northMeters: 400, eastMeters: -300);

        await using var terminal = await fixture.Host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unit.Id, Cancel);
        await terminal.InvokeAsync("ReportPosition", target.Latitude, target.Longitude, Cancel);
        await page.WaitForFunctionAsync(
            "([id, lat, lng]) => { const p = window.dispatchOps.unitLatLng(id); return p && Math.abs(p.lat - lat) < 1e-7 && Math.abs(p.lng - lng) < 1e-7; }",
            new object[] { unit.Id, target.Latitude, target.Longitude },
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        var after = await MarkerAsync(page, unit.Id);

        Assert.Equal(unit.Start.Latitude, before.Lat, 7);
        Assert.Equal(target.Latitude, after.Lat, 7);
        Assert.Equal(target.Longitude, after.Lng, 7);
        Assert.Empty(outside);
    }

    [Fact]
    public async Task Hovering_a_unit_on_its_own_canvas_shows_its_call_sign_and_status()
    {
        var (context, _) = await fixture.NewOfflineContextAsync();
        await using var __ = context;
        var page = await context.NewPageAsync();
        await OpenOperatorPageAsync(page);
        var unit = fixture.Cluster.City.Units[2];

        // Units are drawn on a canvas that lets the mouse through to the layers below; the page finds the unit itself.
        var point = await page.EvaluateAsync<JsonElement>("id => window.dispatchOps.unitPagePoint(id)", unit.Id);
        await page.Mouse.MoveAsync(point.GetProperty("x").GetSingle(), point.GetProperty("y").GetSingle());
        var tooltip = page.Locator(".leaflet-tooltip", new PageLocatorOptions { HasText = unit.CallSign });
        await tooltip.WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Patience.TotalMilliseconds });

        Assert.Contains(unit.CallSign, await tooltip.First.InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_assignment_reaches_the_open_terminal_and_its_acknowledgement_turns_the_unit_on_the_map()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var grains = fixture.Host.Grains;
        var city = fixture.Cluster.City;
        var station = city.Stations[1];

        // An incident whose own dispatch has settled, then a free unit the operator picks from the page.
        var opened = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "disturbance", IncidentPriority.Low, station.Location.Latitude, station.Location.Longitude, "browser test", IncidentSource.Operator, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        await Task.Delay(1500, Cancel);
        var unitId = await NearestAvailableUnitAsync(station.Location);

        var operatorPage = await context.NewPageAsync();
        await OpenOperatorPageAsync(operatorPage);
        var terminalPage = await context.NewPageAsync();
        await terminalPage.GotoAsync($"/terminal.html?unit={Uri.EscapeDataString(unitId)}");
        await terminalPage.WaitForSelectorAsync("body[data-connection=connected]", new() { Timeout = (float)Patience.TotalMilliseconds });

        await operatorPage.Locator($"[data-incident='{opened.IncidentId}']").ClickAsync();
        await operatorPage.Locator("#assign-unit").SelectOptionAsync(unitId);
        await operatorPage.Locator("#assign").ClickAsync();
        await terminalPage.WaitForSelectorAsync($"#assignment[data-incident='{opened.IncidentId}']", new() { Timeout = (float)Patience.TotalMilliseconds });
        await terminalPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-assigned.png") });
        await terminalPage.Locator("[data-action=Acknowledge]").ClickAsync();
        await operatorPage.WaitForFunctionAsync("id => window.dispatchOps.unit(id)?.status === 'Acknowledged'", unitId,
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        await terminalPage.WaitForSelectorAsync("body[data-status=Acknowledged]", new() { Timeout = (float)Patience.TotalMilliseconds });
        await terminalPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-acknowledged.png") });
        await operatorPage.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("operator-acknowledged.png") });

        var color = await operatorPage.EvaluateAsync<string>("id => window.dispatchOps.unitColor(id)", unitId);
        var unit = await grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        Assert.Equal(UnitStatus.Acknowledged, unit!.Status);
        Assert.Equal(opened.IncidentId, unit.Assignment?.IncidentId);
        Assert.Equal("#1f6fd1", color);
        Assert.Empty(outside);
    }

    [Fact]
    public async Task The_operator_page_speaks_chinese_to_a_chinese_browser_and_switches_to_english()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync(locale: "zh-CN");
        await using var _ = context;
        var page = await context.NewPageAsync();

        await OpenOperatorPageAsync(page);
        var chinese = await page.Locator("header h1").InnerTextAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("operator-zh.png") });
        await page.Locator("#lang").ClickAsync();
        var english = await page.Locator("header h1").InnerTextAsync();

        Assert.Equal("指挥调度中心", chinese);
        Assert.Equal("Dispatch command center", english);
        Assert.Empty(outside);
    }

    private async Task OpenOperatorPageAsync(IPage page)
    {
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = (float)Patience.TotalMilliseconds });
    }

    private async Task<string> NearestAvailableUnitAsync(GeoPoint near)
    {
        var grains = fixture.Host.Grains;
        var units = await Task.WhenAll(fixture.Cluster.City.Units.Select(u => grains.GetGrain<IPatrolUnitGrain>(u.Id).GetAsync()));
        return units.OfType<UnitView>()
            .Where(u => u.Status == UnitStatus.Available && u.Position is not null)
            .MinBy(u => GreatCircle.DistanceMeters(u.Position!.Value, near))?.UnitId
            ?? throw new InvalidOperationException("no available unit");
    }

    private static async Task<(double Lat, double Lng)> MarkerAsync(IPage page, string unitId)
    {
        var json = await page.EvaluateAsync<JsonElement>("id => window.dispatchOps.unitLatLng(id)", unitId);
        return (json.GetProperty("lat").GetDouble(), json.GetProperty("lng").GetDouble());
    }

    private static List<string> CollectErrors(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };

        // The console says only that a resource failed; this names it.
        page.Response += (_, r) =>
        {
            if (r.Status >= 400)
            {
                errors.Add($"{r.Status} {r.Request.Method} {r.Url}");
            }
        };
        return errors;
    }

    private string Screenshot(string name) => Path.Combine(fixture.ScreenshotDirectory, name);
}
