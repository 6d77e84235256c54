using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>The department's queue page and the safety index report in Chromium against the real host.</summary>
public sealed class GridQueueAndIndexPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly PageWaitForSelectorOptions Patiently = new() { Timeout = 20_000 };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_department_starts_and_resolves_its_event_from_the_queue_page()
    {
        var id = await AssignedEventAsync();
        var (context, outside) = await fixture.NewOfflineContextAsync(user: TestAccounts.Department);
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        await page.GotoAsync("/grid.html");
        await page.WaitForSelectorAsync($"tr[data-event='{id}'][data-state=assigned]", Patiently);
        Assert.Equal(0, await page.Locator($"tr[data-event='{id}'] button[data-step=accept]").CountAsync());
        await page.ClickAsync($"tr[data-event='{id}'] button[data-step=start]");
        await page.WaitForSelectorAsync($"tr[data-event='{id}'][data-state=in-progress]", Patiently);
        await page.ClickAsync($"tr[data-event='{id}'] button[data-step=resolve]");
        await page.WaitForSelectorAsync($"tr[data-event='{id}'][data-state=resolved]", Patiently);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "grid-queue-department.png") });

        using var op = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        var stored = await op.GetFromJsonAsync<JsonElement>($"/api/grid-events/{id}", Cancel);
        Assert.Equal("resolved", stored.GetProperty("state").GetString());
        Assert.Equal(["reported", "accepted", "assigned", "started", "resolved"], stored.GetProperty("journal").EnumerateArray().Select(j => j.GetProperty("kind").GetString()));
        Assert.Equal("department:t-department", stored.GetProperty("journal")[4].GetProperty("actor").GetString());
        Assert.Empty(outside);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task An_event_assigned_to_the_department_is_pushed_into_its_open_queue_page_and_others_departments_events_are_not()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync(user: TestAccounts.Department);
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/grid.html");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", Patiently);
        var loads = await page.EvaluateAsync<int>("() => Number(document.body.dataset.loads)");

        // Another department's event first, then the power department's: only the second is pushed to this page.
        var inside = fixture.Cluster.City.Grids[0].Boundary.InteriorPoint;
        using var op = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        using var other = await op.PostAsJsonAsync("/api/grid-events", new { category = "rubbish", latitude = inside.Y, longitude = inside.X, text = "bags by the wall" }, Cancel);
        var otherId = JsonDocument.Parse(await other.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("eventId").GetString()!;
        var id = await AssignedEventAsync();
        await page.WaitForSelectorAsync($"tr[data-event='{id}'][data-state=assigned]", new() { Timeout = 10_000 });

        Assert.Equal(id, await page.EvaluateAsync<string>("() => document.body.dataset.pushed"));
        Assert.True(await page.EvaluateAsync<int>("() => Number(document.body.dataset.loads)") > loads);
        Assert.Equal(0, await page.Locator($"tr[data-event='{otherId}']").CountAsync());
        Assert.Empty(outside);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_index_report_ranks_the_districts_draws_the_trends_and_shows_the_districts_figure_change_after_a_rating()
    {
        var district = fixture.Cluster.City.Grids[0].DistrictId;
        var (context, outside) = await fixture.NewOfflineContextAsync(user: TestAccounts.Operator);
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync("/safety-index.html");
        await page.WaitForSelectorAsync("body[data-loads='1']", Patiently);
        var before = await page.TextContentAsync($"#ranking tr[data-district='{district}'] td.index");

        // A grid worker's report in that district is resolved and rated 1 of 5.
        var id = await AssignedEventAsync();
        using var department = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Department);
        foreach (var step in new[] { "start", "resolve" })
        {
            (await department.PostAsJsonAsync($"/api/grid-events/{id}/steps/{step}", new { }, Cancel)).EnsureSuccessStatusCode();
        }

        using var worker = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.GridWorker);
        (await worker.PostAsJsonAsync($"/api/grid-events/{id}/rate", new { rating = 1 }, Cancel)).EnsureSuccessStatusCode();
        await page.ClickAsync("#load");
        await page.WaitForSelectorAsync("body[data-loads='2']", Patiently);
        var after = await page.TextContentAsync($"#ranking tr[data-district='{district}'] td.index");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export"));
        var bytes = await File.ReadAllBytesAsync((await download.PathAsync())!, Cancel);
        var csv = System.Text.Encoding.UTF8.GetString(bytes);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "safety-index-report.png"), FullPage = true });
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });

        Assert.NotEqual(before, after);
        Assert.Equal(fixture.Cluster.City.Districts.Count, await page.Locator("#ranking tr").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('daily').width > 0 && document.getElementById('weekly').width > 0"));
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.StartsWith("\"district\",\"name\",\"period\"", csv.TrimStart('\ufeff'), StringComparison.Ordinal);
        Assert.Contains($"\"{district}\"", csv, StringComparison.Ordinal);
        Assert.False(await page.IsVisibleAsync("#export"), "the export button prints");
        Assert.Empty(outside);
        Assert.Empty(errors);
    }

    /// <summary>A grid worker's street light report in the first grid, accepted and assigned to the power department.</summary>
    private async Task<string> AssignedEventAsync()
    {
        var inside = fixture.Cluster.City.Grids[0].Boundary.InteriorPoint;
        using var worker = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.GridWorker);
        using var op = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        using var reported = await worker.PostAsJsonAsync("/api/grid-events",
            new { category = "street-light", latitude = inside.Y, longitude = inside.X, text = "light out at the corner" }, Cancel);
        var body = await reported.Content.ReadAsStringAsync(Cancel);
        Assert.True(reported.IsSuccessStatusCode, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString()!;
        foreach (var step in new[] { "accept", "assign" })
        {
            (await op.PostAsJsonAsync($"/api/grid-events/{id}/steps/{step}", new { }, Cancel)).EnsureSuccessStatusCode();
        }

        return id;
    }
}
