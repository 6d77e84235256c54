using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A host whose safety index reacts to a single incident (a tiny incident rate ceiling) and is never cached, so one
/// fire moves its district into another band of the choropleth.
/// </summary>
public sealed class GridMapFixture : BrowserFixture
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings["Dispatch:SafetyIndex:IncidentRateCeiling"] = "0.001";
        settings["Dispatch:SafetyIndex:CacheSeconds"] = "0";
    }
}

/// <summary>Grid events as their own layer and the safety index as a choropleth on the operator map, in Chromium against the real host.</summary>
public sealed class GridMapPageTests(GridMapFixture fixture) : IClassFixture<GridMapFixture>
{
    private static readonly PageWaitForFunctionOptions Patiently = new() { Timeout = 20_000, PollingInterval = 200 };

    /// <summary>The legend's bands (docs/safety-index.md): an index at or above the figure takes the colour; no figure is grey.</summary>
    private static readonly (double Min, string Color)[] Bands = [(90, "#1a9850"), (80, "#91cf60"), (70, "#d9ef8b"), (60, "#fee08b"), (50, "#fc8d59"), (0, "#d73027")];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reported_grid_event_appears_on_the_layer_follows_its_steps_live_and_its_popup_shows_state_category_department_and_time_left()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync(user: TestAccounts.Operator);
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected][data-grid-events=connected]", new() { Timeout = 20_000 });

        var inside = fixture.Cluster.City.Grids[1].Boundary.InteriorPoint;
        using var worker = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.GridWorker);
        using var reported = await worker.PostAsJsonAsync("/api/grid-events",
            new { category = "street-light", latitude = inside.Y, longitude = inside.X, text = "light out by the school gate" }, Cancel);
        var body = await reported.Content.ReadAsStringAsync(Cancel);
        Assert.True(reported.IsSuccessStatusCode, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString()!;

        await page.WaitForFunctionAsync("id => window.dispatchGridMap.event(id)?.state === 'reported'", id, Patiently);
        var reportedFill = await page.EvaluateAsync<string>("id => window.dispatchGridMap.eventStyle(id).fill", id);
        using var op = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        (await op.PostAsJsonAsync($"/api/grid-events/{id}/steps/accept", new { }, Cancel)).EnsureSuccessStatusCode();
        await page.WaitForFunctionAsync("id => window.dispatchGridMap.event(id)?.state === 'accepted'", id, Patiently);
        var acceptedFill = await page.EvaluateAsync<string>("id => window.dispatchGridMap.eventStyle(id).fill", id);

        await page.EvaluateAsync("([lat, lon]) => window.dispatchOps.zoomTo(lat, lon, 16)", new[] { inside.Y, inside.X });
        await page.ClickAsync($".ge-marker span[data-event='{id}']");
        var popup = page.Locator($".grid-event-popup[data-event='{id}']");
        await popup.WaitForAsync(new() { Timeout = 10_000 });
        var sla = await popup.Locator(".ge-sla").TextContentAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-grid-event.png") });

        Assert.NotEqual(reportedFill, acceptedFill);
        Assert.Equal("accepted", await popup.Locator(".ge-state").TextContentAsync());
        Assert.Equal("路灯损坏", await popup.Locator(".ge-category").TextContentAsync());
        Assert.Equal("供电", await popup.Locator(".ge-department").TextContentAsync());
        Assert.Matches(@"^4[78]:\d\d:\d\d$", sla); // a 48-hour limit, a few seconds gone
        Assert.Equal($"/grid.html?event={id}", await popup.Locator("a.ge-link").GetAttributeAsync("href"));
        Assert.Empty(outside);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_choropleth_draws_each_district_and_grid_in_the_colour_its_index_implies_and_a_fire_moves_its_district_to_another_band()
    {
        // One fire in the first grid: with the tiny ceiling its district's incident score falls to 0.
        var grid = fixture.Cluster.City.Grids[0];
        var at = grid.Boundary.InteriorPoint;
        var fire = await fixture.Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "fire", IncidentPriority.Low, at.Y, at.X, "choropleth test", IncidentSource.Operator, "operator:test"));
        Assert.True(fire.Ok, fire.Error);

        var (context, outside) = await fixture.NewOfflineContextAsync(user: TestAccounts.Viewer);
        await using var _ = context;
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
        Assert.True(await page.IsHiddenAsync("#index-legend"));
        await page.CheckAsync("#index-district-toggle");
        await page.WaitForFunctionAsync("() => Number(document.body.dataset.indexDrawn ?? 0) > 0", null, Patiently);
        await page.CheckAsync("#index-grid-toggle");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-safety-index.png") });

        using var viewer = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Viewer);
        var index = await viewer.GetFromJsonAsync<JsonElement>("/api/index", Cancel);
        var districts = index.GetProperty("districts").EnumerateArray().Select(d => d.GetProperty("district")).ToList();
        var fireDistrict = districts.Single(d => d.GetProperty("districtId").GetString() == grid.DistrictId);

        var fireFigure = Figure(fireDistrict.GetProperty("overall"));
        Assert.InRange(fireFigure!.Value, 0, 89.99);
        foreach (var district in districts)
        {
            var districtId = district.GetProperty("districtId").GetString()!;
            var expected = Color(Figure(district.GetProperty("overall")));
            var fills = await page.EvaluateAsync<string[]>("id => window.dispatchGridMap.districtFills(id)", districtId);
            Assert.NotEmpty(fills);
            Assert.All(fills, f => Assert.Equal(expected, f));
            foreach (var g in district.GetProperty("grids").EnumerateArray())
            {
                var gridId = g.GetProperty("gridId").GetString()!;
                Assert.Equal(Color(Figure(g.GetProperty("overall"))), await page.EvaluateAsync<string>("id => window.dispatchGridMap.gridFill(id)", gridId));
            }
        }

        var fireFill = (await page.EvaluateAsync<string[]>("id => window.dispatchGridMap.districtFills(id)", grid.DistrictId))[0];
        Assert.Equal(Color(fireFigure), fireFill);
        Assert.NotEqual(Color(100), fireFill);
        Assert.True(await page.IsVisibleAsync("#index-legend"));
        Assert.Equal(districts.Count, await page.Locator("#index-legend ol.districts li").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => window.dispatchGridMap.shown().events"), "a viewer sees the grid event layer");
        Assert.Empty(refused);
        Assert.Empty(outside);
    }

    [Fact]
    public async Task An_admin_sees_the_index_but_the_page_never_asks_for_grid_events_it_may_not_read()
    {
        var (context, _) = await fixture.NewOfflineContextAsync(user: TestAccounts.Admin);
        await using var __ = context;
        var page = await context.NewPageAsync();
        var refused = new List<string>();
        var asked = new List<string>();
        page.Response += (_, r) =>
        {
            if (r.Status >= 400 && (r.Url.Contains("/api/index", StringComparison.Ordinal) || r.Url.Contains("grid-events", StringComparison.Ordinal)))
            {
                refused.Add($"{r.Status} {r.Request.Method} {r.Url}");
            }
        };
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("grid-events", StringComparison.Ordinal))
            {
                asked.Add(r.Url);
            }
        };
        page.WebSocket += (_, ws) =>
        {
            if (ws.Url.Contains("grid-events", StringComparison.Ordinal))
            {
                asked.Add(ws.Url);
            }
        };
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 20_000 });
        await page.CheckAsync("#index-district-toggle");
        await page.WaitForFunctionAsync("() => Number(document.body.dataset.indexDrawn ?? 0) > 0", null, Patiently);

        Assert.Equal(0, await page.Locator("#grid-events-toggle").CountAsync());
        Assert.Empty(asked);
        Assert.Empty(refused);
    }

    private static double? Figure(JsonElement period) =>
        period.GetProperty("score").GetProperty("index") is { ValueKind: JsonValueKind.Number } figure ? figure.GetDouble() : null;

    private static string Color(double? index) => index is not { } x ? "#bdbdbd" : Bands.First(b => x >= b.Min).Color;
}
