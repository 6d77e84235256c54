using Dispatch.Abstractions.Journal;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.EarlyWarning;
using Dispatch.Server.Tests.Live;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>The operator page's hotspot layer and today's warnings in Chromium against the real host.</summary>
public sealed class EarlyWarningPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly PageWaitForFunctionOptions Patiently = new() { Timeout = 30_000, PollingInterval = 500 };

    [Fact]
    public async Task Hotspot_layer_and_todays_warnings_show_and_one_click_sends_a_patrol_to_the_nearest_units_terminal()
    {
        await HistorySeed.OnceAsync(fixture.Host.Services, fixture.Cluster.City);
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 20_000 });

        await page.CheckAsync("#hotspot-toggle");
        await page.WaitForFunctionAsync("() => window.dispatchEarlyWarning.hotspotShapes() > 0", null, Patiently);

        // The seeded spot is hot in the hours starting one hour from now, so today's list (or, near midnight, the
        // page's date) may not have it; the patrol works from the layer's hotspots through the same call.
        var hotspotId = await page.EvaluateAsync<string>(
            "() => [...window.dispatchEarlyWarning.state().hotspots.hotspots].sort((a, b) => Date.parse(a.nextFrom) - Date.parse(b.nextFrom))[0].hotspotId");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#warning-list [data-patrol]').length > 0", null, Patiently);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-early-warning.png") });
        var listed = await page.EvaluateAsync<string>("() => document.querySelector('#warning-list [data-patrol]').dataset.patrol");
        var nearest = await page.EvaluateAsync<string[]>(
            "id => { const h = window.dispatchEarlyWarning.state().hotspots.hotspots.find(x => x.hotspotId === id); return [h.latitude, h.longitude].map(String); }", listed);
        var center = new Dispatch.Domain.Geo.GeoPoint(double.Parse(nearest[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(nearest[1], System.Globalization.CultureInfo.InvariantCulture));
        var unitId = fixture.Cluster.City.Units.OrderBy(u => Dispatch.Domain.Geo.GreatCircle.DistanceMeters(u.Start, center)).ThenBy(u => u.Id, StringComparer.Ordinal).First().Id;
        await using var terminal = await fixture.Host.ConnectAsync(TerminalHub.Path);
        var received = new Inbox<LiveDelta<LiveDirective>>(terminal, TerminalEvents.DirectiveReceived);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, TestContext.Current.CancellationToken);

        await page.ClickAsync($"#warning-list [data-patrol='{listed}']");

        var directive = await received.WaitForAsync(d => d.Item.UnitIds.Contains(unitId), TimeSpan.FromSeconds(20));
        Assert.Contains("Hotspot patrol", directive.Item.Note, StringComparison.Ordinal);
        await page.WaitForFunctionAsync("() => document.querySelector('#patrol-sent').textContent.length > 0", null, Patiently);
        Assert.NotEmpty(hotspotId);
        Assert.Empty(outside);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_viewer_sees_the_warnings_without_patrol_buttons_or_the_webhook_panel_and_meets_no_refusal()
    {
        await HistorySeed.OnceAsync(fixture.Host.Services, fixture.Cluster.City);
        var (context, _) = await fixture.NewOfflineContextAsync(user: Dispatch.Testing.TestAccounts.Viewer);
        await using var __ = context;
        var page = await context.NewPageAsync();
        var refused = new List<string>();
        page.Response += (_, r) =>
        {
            if (r.Status >= 400)
            {
                refused.Add($"{r.Status} {r.Request.Method} {r.Url}");
            }
        };
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 20_000 });
        await page.CheckAsync("#hotspot-toggle");
        await page.WaitForFunctionAsync("() => window.dispatchEarlyWarning.hotspotShapes() > 0", null, Patiently);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#warning-list [data-hotspot]').length > 0", null, Patiently);

        Assert.Equal(0, await page.Locator("#warning-list [data-patrol]").CountAsync());
        Assert.False(await page.IsVisibleAsync("#exports-panel"));
        Assert.Empty(refused);
    }
}
