using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>The resident's report page on a phone-sized screen in Chromium against the real host: report with a photo, follow, rate.</summary>
public sealed class GridReportPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_resident_reports_with_a_photo_on_a_phone_the_department_resolves_and_the_resident_rates_with_the_code()
    {
        var inside = fixture.Cluster.City.Grids[0].Boundary.InteriorPoint;
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
            Geolocation = new Geolocation { Latitude = (float)inside.Y, Longitude = (float)inside.X },
            Permissions = ["geolocation"],
        });
        var outside = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "data" or "blob" || url.Host is "127.0.0.1" or "localhost")
            {
                await route.ContinueAsync();
                return;
            }

            outside.Add(route.Request.Url);
            await route.AbortAsync();
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        var photo = Path.Combine(Path.GetTempPath(), $"grid-report-{Guid.NewGuid():N}.jpg");
        using (var frame = new OpenCvSharp.Mat(480, 640, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(60, 120, 200)))
        {
            await File.WriteAllBytesAsync(photo, Dispatch.Vision.Snapshots.Snapshot.Encode(frame), Cancel);
        }

        try
        {
            await page.GotoAsync("/report");
            await page.WaitForSelectorAsync("body[data-ready=true]");
            await page.SelectOptionAsync("#category", "street-light");
            await page.FillAsync("#text", "路灯不亮 the street light at the gate is out");
            await page.ClickAsync("#locate");
            await page.WaitForFunctionAsync("() => document.getElementById('latitude').value !== ''");
            await page.SetInputFilesAsync("#photos", photo);
            await page.FillAsync("#contact", "138 0000 0000");
            await page.ClickAsync("#send");
            await page.WaitForSelectorAsync("body[data-sent]");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "grid-report-sent.png") });
            var eventId = await page.TextContentAsync("#sent-id");
            var code = await page.TextContentAsync("#sent-code");

            // The command centre accepts and assigns, the power department starts and resolves.
            using var op = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
            using var department = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Department);
            var stored = await op.GetFromJsonAsync<JsonElement>($"/api/grid-events/{eventId}", Cancel);
            foreach (var (client, step) in new[] { (op, "accept"), (op, "assign"), (department, "start"), (department, "resolve") })
            {
                using var response = await client.PostAsJsonAsync($"/api/grid-events/{eventId}/steps/{step}", new { note = "" }, Cancel);
                Assert.True(response.IsSuccessStatusCode, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
            }

            await page.ClickAsync("#follow-link");
            await page.WaitForSelectorAsync("body[data-state=resolved]");
            await page.FillAsync("#rate-comment", "修好了 fixed the same day");
            await page.ClickAsync("#rate [data-rating='4']");
            await page.WaitForSelectorAsync("body[data-state=rated]");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "grid-report-rated.png") });
            var rated = await op.GetFromJsonAsync<JsonElement>($"/api/grid-events/{eventId}", Cancel);

            Assert.Matches("^[2-9A-Z]{10}$", code);
            Assert.Equal(1, stored.GetProperty("photoCount").GetInt32());
            Assert.Equal("power", stored.GetProperty("department").GetString());
            Assert.Equal(fixture.Cluster.City.Grids[0].Id, stored.GetProperty("gridId").GetString());
            Assert.Equal("4", await page.TextContentAsync("#rated-value"));
            Assert.Equal(4, rated.GetProperty("rating").GetInt32());
            Assert.Equal("修好了 fixed the same day", rated.GetProperty("ratingComment").GetString());
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");
            Assert.Empty(outside);
            Assert.Empty(errors);
        }
        finally
        {
            File.Delete(photo);
        }
    }

    [Fact]
    public async Task On_a_phone_a_tap_on_the_map_picks_the_place_shows_its_grid_and_a_place_outside_every_grid_is_refused_before_sending()
    {
        var grid = fixture.Cluster.City.Grids[0];
        var inside = grid.Boundary.InteriorPoint;
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
        });
        var outside = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "data" or "blob" || url.Host is "127.0.0.1" or "localhost")
            {
                await route.ContinueAsync();
                return;
            }

            outside.Add(route.Request.Url);
            await route.AbortAsync();
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        var posts = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Request += (_, r) =>
        {
            if (r.Method == "POST")
            {
                posts.Add(r.Url);
            }
        };

        await page.GotoAsync("/report");
        await page.WaitForSelectorAsync("body[data-ready=true]");
        await page.SelectOptionAsync("#category", "rubbish");
        await page.FillAsync("#text", "垃圾堆在路口 rubbish dumped at the crossing");
        await page.FillAsync("#contact", "139 0000 0000");

        // A tap in the map's margin, outside every grid: refused on the page, nothing sent.
        var away = await page.EvaluateAsync<JsonElement>("() => window.reportMap.outsidePoint()");
        await page.Touchscreen.TapAsync((float)away.GetProperty("x").GetDouble(), (float)away.GetProperty("y").GetDouble());
        await page.WaitForSelectorAsync("#picked-grid.refusal");
        var outsideText = await page.TextContentAsync("#picked-grid");
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("#report-error:not([hidden])");
        var refusal = await page.TextContentAsync("#report-error");
        Assert.Empty(posts);

        // A tap inside the first grid: the grid is named, the coordinates filled, the report goes there.
        var at = await page.EvaluateAsync<JsonElement>("([lat, lon]) => window.reportMap.pagePoint(lat, lon)", new[] { inside.Y, inside.X });
        await page.Touchscreen.TapAsync((float)at.GetProperty("x").GetDouble(), (float)at.GetProperty("y").GetDouble());
        await page.WaitForSelectorAsync($"body[data-picked-grid='{grid.Id}']");
        var pickedText = await page.TextContentAsync("#picked-grid");
        var latitude = double.Parse(await page.InputValueAsync("#latitude"), System.Globalization.CultureInfo.InvariantCulture);
        var longitude = double.Parse(await page.InputValueAsync("#longitude"), System.Globalization.CultureInfo.InvariantCulture);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "grid-report-map.png"), FullPage = true });
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("body[data-sent]");
        var eventId = await page.TextContentAsync("#sent-id");
        using var op = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        var stored = await op.GetFromJsonAsync<JsonElement>($"/api/grid-events/{eventId}", Cancel);

        Assert.Contains("outside every grid", outsideText, StringComparison.Ordinal);
        Assert.Contains("outside every grid", refusal, StringComparison.Ordinal);
        Assert.Contains(grid.Name, pickedText, StringComparison.Ordinal);
        Assert.Equal(grid.Id, stored.GetProperty("gridId").GetString());
        Assert.Equal(latitude, stored.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(longitude, stored.GetProperty("longitude").GetDouble(), 6);
        Assert.True(Dispatch.Domain.Geo.GreatCircle.DistanceMeters(new(latitude, longitude), new(inside.Y, inside.X)) < 100, $"picked {latitude},{longitude}");
        Assert.Single(posts);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways on a phone");
        Assert.Empty(outside);
        Assert.Empty(errors);
    }
}
