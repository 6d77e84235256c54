using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Incidents;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// The map pages as a user meets them, in Chromium against the real host: streets on the operator map at city and street
/// zoom, units and cameras told apart, the terminal's route to its incident, signing off a unit, an unknown unit, a day's incident
/// list filtered by district and hours, and the language switch translating data as well as labels.
/// </summary>
public sealed class MapPagesTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(25);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static float PatienceMs => (float)Patience.TotalMilliseconds;

    [Fact]
    public async Task Streets_are_drawn_at_city_zoom_and_named_at_street_zoom()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var page = await OpenOperatorAsync(context);
        var center = fixture.Cluster.City.Stations[0].Location;

        await page.EvaluateAsync("([lat, lon]) => window.dispatchOps.zoomTo(lat, lon, 13)", new[] { center.Latitude, center.Longitude });
        await page.WaitForFunctionAsync("() => (window.dispatchOps.basemap().byZoom[13]?.lines ?? 0) > 0", null, new() { Timeout = PatienceMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("map-city-zoom.png") });
        await page.EvaluateAsync("([lat, lon]) => window.dispatchOps.zoomTo(lat, lon, 17)", new[] { center.Latitude, center.Longitude });
        await page.WaitForFunctionAsync("() => (window.dispatchOps.basemap().byZoom[17]?.labels ?? 0) > 0", null, new() { Timeout = PatienceMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("map-street-zoom.png") });

        var stats = await page.EvaluateAsync<JsonElement>("() => window.dispatchOps.basemap()");
        var city = stats.GetProperty("byZoom").GetProperty("13");
        var street = stats.GetProperty("byZoom").GetProperty("17");
        Assert.True(city.GetProperty("lines").GetInt32() > 100, $"city zoom drew {city}");
        Assert.True(street.GetProperty("labels").GetInt32() > 0, $"street zoom drew {street}");
        Assert.Equal(0, stats.GetProperty("failed").GetInt32());
        Assert.True(await CanvasHasInkAsync(page, ".leaflet-tile-container canvas"), "the road tiles are blank");
        Assert.Empty(outside);
    }

    [Fact]
    public async Task Units_and_cameras_have_distinct_symbols_and_cameras_cluster_when_zoomed_out()
    {
        var (context, _) = await fixture.NewOfflineContextAsync();
        await using var __ = context;
        var page = await OpenOperatorAsync(context);
        var city = fixture.Cluster.City;
        var car = city.Units.First(u => u.Kind == UnitKind.Car);
        var walker = city.Units.First(u => u.Kind == UnitKind.Foot);
        var camera = city.Cameras[0];

        await page.EvaluateAsync("([lat, lon]) => window.dispatchOps.zoomTo(lat, lon, 13)", new[] { camera.Location.Latitude, camera.Location.Longitude });
        var clustered = await page.EvaluateAsync<JsonElement>("id => window.dispatchOps.cameraSymbol(id)", camera.Id);
        await page.EvaluateAsync("([lat, lon]) => window.dispatchOps.zoomTo(lat, lon, 17)", new[] { camera.Location.Latitude, camera.Location.Longitude });
        var single = await page.EvaluateAsync<JsonElement>("id => window.dispatchOps.cameraSymbol(id)", camera.Id);
        var carSymbol = await page.EvaluateAsync<JsonElement>("id => window.dispatchOps.unitSymbol(id)", car.Id);
        var walkerSymbol = await page.EvaluateAsync<JsonElement>("id => window.dispatchOps.unitSymbol(id)", walker.Id);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("map-symbols.png") });

        Assert.Equal("cluster", clustered.GetProperty("symbol").GetString());
        Assert.True(clustered.GetProperty("count").GetInt32() > 1, $"cluster {clustered}");
        Assert.Equal("camera", single.GetProperty("symbol").GetString());
        Assert.Equal("never", single.GetProperty("state").GetString());
        Assert.Equal("unit", carSymbol.GetProperty("symbol").GetString());
        Assert.Equal("square", carSymbol.GetProperty("shape").GetString());
        Assert.Equal("circle", walkerSymbol.GetProperty("shape").GetString());
        Assert.True(carSymbol.GetProperty("label").GetBoolean(), "call signs are shown at street zoom");
        Assert.NotEqual(single.GetProperty("fill").GetString(), carSymbol.GetProperty("fill").GetString());

        // The cameras are a layer of their own: switched off in the layers control, they leave the map.
        await page.Locator(".leaflet-control-layers").HoverAsync();
        await page.Locator(".leaflet-control-layers-overlays label", new PageLocatorOptions { HasText = "Cameras" }).Locator("input").UncheckAsync();
        Assert.False(await page.EvaluateAsync<bool>("() => window.dispatchOps.cameraLayerShown()"));
        Assert.NotNull(await page.EvaluateAsync<JsonElement?>("id => window.dispatchOps.unitSymbol(id)", car.Id));
    }

    [Fact]
    public async Task Units_are_stamped_from_one_sprite_per_look_and_show_their_status_colour()
    {
        var (context, _) = await fixture.NewOfflineContextAsync();
        await using var __ = context;
        var page = await OpenOperatorAsync(context);
        var ids = fixture.Cluster.City.Units.Select(u => u.Id).ToArray();
        await page.EvaluateAsync("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");

        // A unit with no other unit within 16 px, so the pixel at its centre is its own; read from the units' canvas.
        var drawn = await page.EvaluateAsync<JsonElement>("""
            (ids) => {
              const canvas = document.querySelector('.leaflet-units-pane canvas');
              const box = canvas.getBoundingClientRect();
              const view = window.dispatchOps.map.getContainer().getBoundingClientRect();
              const points = ids.map((id) => [id, window.dispatchOps.unitPagePoint(id)]).filter(([, p]) => p);
              const looks = new Set(ids.map((id) => window.dispatchOps.unit(id)).filter((u) => u?.latitude != null).map((u) => `${u.kind}|${u.status}`));
              for (const [id, p] of points) {
                if (p.x < view.left + 20 || p.x > view.right - 20 || p.y < view.top + 20 || p.y > view.bottom - 20) continue;
                if (points.some(([other, q]) => other !== id && Math.hypot(q.x - p.x, q.y - p.y) < 16)) continue;
                const x = Math.floor(((p.x - box.left) * canvas.width) / box.width);
                const y = Math.floor(((p.y - box.top) * canvas.height) / box.height);
                const pixel = [...canvas.getContext('2d').getImageData(x, y, 1, 1).data];
                const fill = window.dispatchOps.unitColor(id);
                const want = [1, 3, 5].map((i) => parseInt(fill.slice(i, i + 2), 16)).concat(255);
                return { id, pixel, want, looks: looks.size, sprites: window.dispatchSymbols.sprites() };
              }
              return null;
            }
            """, ids);

        Assert.Equal(JsonValueKind.Object, drawn.ValueKind);
        Assert.Equal(drawn.GetProperty("want").EnumerateArray().Select(v => v.GetInt32()), drawn.GetProperty("pixel").EnumerateArray().Select(v => v.GetInt32()));
        var sprites = drawn.GetProperty("sprites");
        var looks = drawn.GetProperty("looks").GetInt32();
        // Every look (kind and status of a unit, and the station's house) was rendered once, however often it was stamped.
        Assert.InRange(sprites.GetProperty("rendered").GetInt32(), 1, looks + 1);
        Assert.Equal(sprites.GetProperty("rendered").GetInt32(), sprites.GetProperty("cached").GetInt32());
        Assert.True(sprites.GetProperty("drawn").GetInt32() > sprites.GetProperty("rendered").GetInt32(), sprites.ToString());
    }

    [Fact]
    public async Task The_terminal_shows_the_route_to_its_incident_over_the_streets_with_an_eta()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var (incidentId, unitId) = await AssignedIncidentAsync(fixture.Cluster.City.Stations[3].Location);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/terminal.html?unit={Uri.EscapeDataString(unitId)}");
        await page.WaitForSelectorAsync($"#assignment[data-incident='{incidentId}']", new() { Timeout = PatienceMs });
        await page.WaitForSelectorAsync("body[data-route=roads]", new() { Timeout = PatienceMs });
        await page.WaitForFunctionAsync("() => (window.dispatchTerminal.basemap && document.querySelectorAll('#mini-map .leaflet-tile-loaded').length > 0)", null, new() { Timeout = PatienceMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-route.png") });

        var route = await page.EvaluateAsync<JsonElement>("() => window.dispatchTerminal.route()");
        var eta = await page.Locator("#route-eta").InnerTextAsync();
        Assert.Equal(incidentId, route.GetProperty("incidentId").GetString());
        Assert.True(route.GetProperty("points").GetArrayLength() > 2);
        Assert.Matches(@"^\d+:\d\d$", eta);
        Assert.Equal(1, await page.Locator("#mini-map path.leaflet-interactive[stroke='#1f6fd1']").CountAsync());

        // The unit drives most of the way: the terminal asks again and the ETA shrinks.
        var points = route.GetProperty("points").EnumerateArray().Select(p => new GeoPoint(p[0].GetDouble(), p[1].GetDouble())).ToList();
        await fixture.Host.Grains.GetGrain<IPatrolUnitGrain>(unitId).ReportPositionAsync(points[^2]);
        await page.WaitForFunctionAsync("eta => document.querySelector('#route-eta').textContent !== eta", eta, new() { Timeout = PatienceMs });
        var closer = await page.EvaluateAsync<JsonElement>("() => window.dispatchTerminal.route()");
        Assert.True(closer.GetProperty("etaSeconds").GetDouble() < route.GetProperty("etaSeconds").GetDouble(),
            $"ETA went from {route.GetProperty("etaSeconds")} to {closer.GetProperty("etaSeconds")} s");
        Assert.Empty(outside);
    }

    [Fact]
    public async Task On_a_phone_sized_screen_the_terminal_fits_the_width_with_a_large_map_and_thumb_sized_buttons()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Host.BaseAddress.ToString(), Locale = "en-US", ViewportSize = new ViewportSize { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true,
        });
        await using var _ = context;
        await BrowserFixture.SignInAsync(context);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/terminal.html?unit={Uri.EscapeDataString(fixture.Cluster.City.Units[8].Id)}");
        await page.WaitForSelectorAsync("body[data-connection=connected]", new() { Timeout = PatienceMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-phone.png") });

        var layout = await page.EvaluateAsync<JsonElement>("""
            () => ({
              scrollWidth: document.scrollingElement.scrollWidth,
              map: document.querySelector('#mini-map').getBoundingClientRect().height,
              buttons: [...document.querySelectorAll('[data-action]:not([hidden])')].map((b) => b.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height, right: r.right })),
            })
            """);
        Assert.True(layout.GetProperty("scrollWidth").GetInt32() <= 390, $"page is {layout.GetProperty("scrollWidth")} px wide");
        Assert.True(layout.GetProperty("map").GetDouble() >= 300, $"map is {layout.GetProperty("map")} px high");
        Assert.All(layout.GetProperty("buttons").EnumerateArray(), b =>
        {
            Assert.True(b.GetProperty("w").GetDouble() >= 140 && b.GetProperty("h").GetDouble() >= 44, $"button {b}");
            Assert.True(b.GetProperty("right").GetDouble() <= 390, $"button {b} runs off the screen");
        });
    }

    [Fact]
    public async Task Signing_off_the_unit_ends_its_connection_and_the_terminal_forgets_the_unit()
    {
        var (context, _) = await fixture.NewOfflineContextAsync();
        await using var __ = context;
        var unitId = fixture.Cluster.City.Units[7].Id;
        var page = await context.NewPageAsync();
        await page.GotoAsync("/terminal.html");
        await page.Locator("#unit-id").FillAsync(unitId);
        await page.Locator("#sign-in button[type=submit]").ClickAsync();
        await page.WaitForSelectorAsync("body[data-connection=connected]", new() { Timeout = PatienceMs });
        await page.EvaluateAsync("() => { window.__signedOut = null; document.addEventListener('dispatch:sign-out', (e) => { window.__signedOut = e.detail.unitId; }); }");

        await page.Locator("#sign-off").ClickAsync();
        await page.WaitForSelectorAsync("#sign-in:not([hidden])", new() { Timeout = PatienceMs });

        Assert.Equal(unitId, await page.EvaluateAsync<string>("() => window.__signedOut"));
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('dispatch.terminal.unit')"));
        Assert.True(await page.Locator("#session").IsHiddenAsync());
        Assert.Equal("Disconnected", await page.EvaluateAsync<string>("() => window.dispatchTerminal.connection.state"));
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-ready=true]", new() { Timeout = PatienceMs });
        Assert.True(await page.Locator("#sign-in").IsVisibleAsync());
        Assert.True(await page.Locator("#session").IsHiddenAsync());
    }

    [Fact]
    public async Task An_unknown_unit_gets_a_clear_error_no_retries_and_is_not_remembered()
    {
        var (context, _) = await fixture.NewOfflineContextAsync();
        await using var __ = context;
        var page = await context.NewPageAsync();
        var signIns = 0;
        page.WebSocket += (_, socket) => socket.FrameSent += (_, frame) => { if (frame.Text?.Contains("\"SignIn\"", StringComparison.Ordinal) == true) Interlocked.Increment(ref signIns); };

        await page.GotoAsync("/terminal.html");
        await page.Locator("#unit-id").FillAsync("U-9999");
        await page.Locator("#sign-in button[type=submit]").ClickAsync();
        var error = page.Locator("#sign-in-error");
        await error.WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("terminal-unknown-unit.png") });
        await Task.Delay(5000, Cancel);

        Assert.Contains("unknown unit 'U-9999'", await error.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, signIns);
        Assert.True(await page.Locator("#session").IsHiddenAsync());
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('dispatch.terminal.unit')"));
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-ready=true]", new() { Timeout = PatienceMs });
        Assert.True(await page.Locator("#sign-in").IsVisibleAsync());
        Assert.True(await page.Locator("#sign-in-error").IsHiddenAsync());
    }

    [Fact]
    public async Task A_days_incident_list_filtered_by_district_and_hours_shows_exactly_those_incidents()
    {
        var city = fixture.Cluster.City;
        var day = new IncidentDaySeed(city, new DateOnly(2026, 11, 20), "LIST");
        await day.WriteAsync(fixture.Host.Services);
        var grid = city.Grids[2];
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-US", TimezoneId = "Asia/Shanghai", BaseURL = fixture.Host.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        await using var _ = context;
        await BrowserFixture.SignInAsync(context);
        var page = await OpenOperatorAsync(context);

        await page.Locator("#incident-list-open").ClickAsync();
        await page.Locator("#list-date").FillAsync("2026-11-20");
        await page.Locator("#list-from").FillAsync("06:00");
        await page.Locator("#list-until").FillAsync("18:00");
        await page.Locator("#list-district").SelectOptionAsync(grid.Id);
        await page.Locator("#list-search").ClickAsync();
        var expected = day.Expected(grid.Id, new TimeOnly(6, 0), new TimeOnly(18, 0));
        await page.WaitForSelectorAsync($"#incident-list[data-count='{expected.Count}'] [data-listed='{expected[0].IncidentId}']", new() { Timeout = PatienceMs });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("incident-list.png") });

        var listed = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#list-results [data-listed]')].map((tr) => tr.dataset.listed)");
        Assert.Equal(expected.Select(i => i.IncidentId), listed);
        Assert.Equal(6, expected.Count);
        Assert.Contains(grid.NameEn!, await page.Locator("#list-results tbody tr").First.InnerTextAsync(), StringComparison.Ordinal);

        // The whole day of that district, a page of 50 at a time: all of it, nothing of other districts.
        await page.Locator("#list-from").FillAsync("00:00");
        await page.Locator("#list-until").FillAsync("");
        await page.Locator("#list-search").ClickAsync();
        var wholeDay = day.Expected(grid.Id, TimeOnly.MinValue, TimeOnly.MaxValue);
        await page.WaitForSelectorAsync($"#incident-list[data-count='{wholeDay.Count}']", new() { Timeout = PatienceMs });
        Assert.Equal(wholeDay.Select(i => i.IncidentId), await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#list-results [data-listed]')].map((tr) => tr.dataset.listed)"));
    }

    [Fact]
    public async Task Switching_language_translates_incident_types_tier_names_statuses_and_place_names()
    {
        var city = fixture.Cluster.City;
        var station = city.Stations[1];
        var opened = await fixture.Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "theft", IncidentPriority.Normal, station.Location.Latitude + 0.0005, station.Location.Longitude, "bicycle taken from a rack", IncidentSource.Call, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var (context, _) = await fixture.NewOfflineContextAsync(locale: "en-US");
        await using var __ = context;
        var page = await OpenOperatorAsync(context);
        var item = page.Locator($"#queue [data-incident='{opened.IncidentId}']");
        await item.WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        await item.ClickAsync();
        var grid = city.Grids.First(g => g.Id == city.FindGrid(station.Location)!.Id);

        var english = new
        {
            Queue = await item.InnerTextAsync(),
            Detail = await page.Locator("#detail").InnerTextAsync(),
            Labels = await page.Locator(".grid-label").AllInnerTextsAsync(),
            Status = await page.Locator("#unit-status").InnerTextAsync(),
        };
        await page.Locator("#lang").ClickAsync();
        await page.WaitForFunctionAsync("() => document.documentElement.lang === 'zh-CN'");
        var chinese = new
        {
            Queue = await item.InnerTextAsync(),
            Detail = await page.Locator("#detail").InnerTextAsync(),
            Labels = await page.Locator(".grid-label").AllInnerTextsAsync(),
            Status = await page.Locator("#unit-status").InnerTextAsync(),
        };
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("operator-zh-data.png") });

        Assert.Contains("Theft", english.Queue, StringComparison.Ordinal);
        Assert.Contains("盗窃", chinese.Queue, StringComparison.Ordinal);
        Assert.Contains("Station", english.Detail, StringComparison.Ordinal);
        Assert.Contains("警务站", chinese.Detail, StringComparison.Ordinal);
        Assert.Contains("110 call", english.Detail, StringComparison.Ordinal);
        Assert.Contains("110报警", chinese.Detail, StringComparison.Ordinal);
        Assert.Contains(grid.NameEn!, english.Labels);
        Assert.Contains(grid.Name, chinese.Labels);
        Assert.Contains("Available", english.Status, StringComparison.Ordinal);
        Assert.Contains("空闲", chinese.Status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compliance_is_shown_per_district_and_tier_once_a_tier_is_decided_and_a_day_without_any_says_no_data()
    {
        var city = fixture.Cluster.City;
        var station = city.Stations[2];
        var opened = await fixture.Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "assault", IncidentPriority.High, station.Location.Latitude, station.Location.Longitude - 0.0004, "compliance", IncidentSource.Call, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var (context, _) = await fixture.NewOfflineContextAsync();
        await using var __ = context;
        var page = await OpenOperatorAsync(context);
        var item = page.Locator($"#queue [data-incident='{opened.IncidentId}']");
        await item.WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        await item.ClickAsync();

        // The station's desk reports its responders on scene from the incident's detail.
        await page.Locator("#station-on-scene").ClickAsync(new LocatorClickOptions { Timeout = PatienceMs });
        var row = page.Locator($"#compliance tr[data-district='{station.GridId}']");
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        var view = (await fixture.Host.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!).GetAsync())!;
        var todayText = await row.InnerTextAsync();
        await page.Locator("#compliance-date").FillAsync("2020-01-01");
        await page.Locator("#compliance [data-compliance=none]").WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });

        Assert.Equal(TierOutcome.Met, view.Tiers.Single(t => t.Kind == TierKind.StationResponders).Outcome);
        Assert.Contains(city.Grids.Single(g => g.Id == station.GridId).NameEn!, todayText, StringComparison.Ordinal);
        Assert.Matches(@"\d+%", todayText);
    }

    /// <summary>Whether any canvas matching the selector has a pixel that is not transparent.</summary>
    private static Task<bool> CanvasHasInkAsync(IPage page, string selector) => page.EvaluateAsync<bool>(
        """
        (selector) => [...document.querySelectorAll(selector)].some((c) => {
          const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
          return false;
        })
        """, selector);

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
            .Where(u => u.Status == UnitStatus.Available && u.Position is not null && GreatCircle.DistanceMeters(u.Position!.Value, at) > 300)
            .MinBy(u => GreatCircle.DistanceMeters(u.Position!.Value, at))?.UnitId ?? throw new InvalidOperationException("no available unit");
        await using var desk = await fixture.Host.ConnectAsync(OperationsHub.Path);
        await desk.InvokeAsync("Assign", opened.IncidentId, unitId, (string?)null, Cancel);
        return (opened.IncidentId!, unitId);
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
