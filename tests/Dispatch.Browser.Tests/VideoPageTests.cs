extern alias DispatchGateway;

using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using DispatchGateway::Dispatch.Gateway;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// One real host, one real reference gateway (two synthetic cameras beside the first station, over gRPC) and Chromium,
/// for the live-view and clip pages.
/// </summary>
public sealed class VideoBrowserFixture : IAsyncLifetime
{
    private readonly TempDirectory _spool = new("video-browser-gateway");
    private CancellationTokenSource _stopGateway = new();
    private IPlaywright? _playwright;
    private Task<GatewaySummary>? _gateway;
    private GatewayOptions? _gatewayOptions;

    public LiveCluster Cluster { get; } = new(grids: 4);

    public LiveTestHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the gateway's cameras stand: 60 m north of the first station.</summary>
    public GeoPoint Scene { get; private set; }

    public StringWriter GatewayLog { get; } = new();

    public string ScreenshotDirectory { get; } = Path.Combine(RepositoryPaths.Root, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        // Every unit has an officer of its own (officer-<unit id>), so a terminal test can be the wrong officer.
        var settings = TestAccounts.Settings([.. Cluster.City.Units.Select(u => (OfficerOf(u.Id), u.Id))]);
        settings["Dispatch:Gateways:gw-1:Credential"] = LiveTestHost.GatewayCredential;

        // Nobody is dispatched on their own here: the gateway's alerts (every 24 s) open Low incidents, which the plan
        // sends no unit to, so the only assignments are the ones a test makes and a free unit stays free.
        settings["Dispatch:Alerts:Kinds:Intrusion:Priority"] = "Low";
        settings["Dispatch:Alerts:Kinds:LineCrossing:Priority"] = "Low";
        foreach (var tier in new[] { 0, 1, 2 })
        {
            settings[$"Dispatch:ResponsePlan:Tiers:{tier}:RespondersByPriority:Low"] = "0";
        }

        settings["Dispatch:Video:ClipPreSeconds"] = "2";
        settings["Dispatch:Video:ClipPostSeconds"] = "2";
        settings["Dispatch:Video:StopAfterSeconds"] = "1";
        Host = LiveTestHost.StartPrimary(Cluster, settings);
        Scene = GreatCircle.Offset(Cluster.City.Stations[0].Location, northMeters: 60, eastMeters: 0);
        _gatewayOptions = GatewayOptions.Parse(
        [
            "--server", $"http://127.0.0.1:{Host.GrpcPort.ToString(CultureInfo.InvariantCulture)}", "--gateway-id", "gw-1",
            "--credential", LiveTestHost.GatewayCredential, "--cameras", "2", "--source", "synthetic", "--fps", "10",
            "--lat", Scene.Latitude.ToString(CultureInfo.InvariantCulture), "--lon", Scene.Longitude.ToString(CultureInfo.InvariantCulture),
            "--spool", _spool.Path, "--report", "5",
        ]);
        StartGateway();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Stops the gateway as Ctrl+C would (its streams end), for a test of a gateway gone mid-view.</summary>
    public async Task StopGatewayAsync()
    {
        await _stopGateway.CancelAsync();
        if (_gateway is not null)
        {
            await _gateway;
        }
    }

    /// <summary>Starts the gateway again on the same cameras and spool.</summary>
    public void StartGateway()
    {
        _stopGateway = new CancellationTokenSource();
        var stop = _stopGateway.Token;
        _gateway = Task.Run(() => GatewayHost.RunAsync(_gatewayOptions!, TextWriter.Synchronized(GatewayLog), stop));
    }

    /// <summary>The account of the officer who may act for <paramref name="unitId"/> (and no other unit).</summary>
    public static string OfficerOf(string unitId) => "officer-" + unitId;

    /// <summary>A browser context whose pages are signed in as <paramref name="user"/> (its session cookie).</summary>
    public async Task<IBrowserContext> NewContextAsync(string user = TestAccounts.Operator)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            BaseURL = Host.BaseAddress.ToString(),
        });
        var response = await context.APIRequest.PostAsync("/api/auth/signin", new APIRequestContextOptions
        {
            DataObject = new { username = user, password = TestAccounts.Password },
        });
        if (!response.Ok)
        {
            throw new InvalidOperationException($"sign-in of '{user}' refused: {response.Status} {await response.TextAsync()}");
        }

        return context;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await _stopGateway.CancelAsync();
        if (_gateway is not null)
        {
            await _gateway;
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Cluster.Dispose();
        _spool.Dispose();
    }
}

/// <summary>What the "done when" asks of the pages, in Chromium against the real host and the real gateway.</summary>
public sealed class VideoPageTests(VideoBrowserFixture fixture) : IClassFixture<VideoBrowserFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static float PatienceMs => (float)Patience.TotalMilliseconds;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_operator_opens_the_nearest_camera_grid_of_an_incident_and_the_gateways_frames_are_drawn()
    {
        await using var context = await fixture.NewContextAsync();
        var (incidentId, _) = await IncidentAtSceneAsync();
        var page = await OpenAsync(context, "/");
        var errors = Errors(page);

        await page.Locator($"#queue [data-incident='{incidentId}']").ClickAsync(new LocatorClickOptions { Timeout = PatienceMs });
        await page.Locator("#media .live-nearest").ClickAsync(new LocatorClickOptions { Timeout = PatienceMs });
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#video-wall .tile').length === 2 && [...document.querySelectorAll('#video-wall .tile')].every(t => Number(t.dataset.frames) >= 5)",
            null, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        var cameras = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#video-wall .tile')].map(t => t.dataset.camera)");
        // The picture is the synthetic street, not an empty canvas: its pixels vary.
        var drawn = await page.EvaluateAsync<bool>("""
            () => [...document.querySelectorAll('#video-wall canvas')].every(c => {
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let min = 255, max = 0;
              for (let i = 0; i < d.length; i += 4 * 97) { min = Math.min(min, d[i]); max = Math.max(max, d[i]); }
              return max - min > 40;
            })
            """);
        var stats = await page.EvaluateAsync<JsonElement>("() => window.dispatchVideo.stats()");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-video-wall.png") });
        using var http = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        var liveWhileOpen = await http.GetFromJsonAsync<JsonElement>("/api/video/live", Cancel);
        await page.Locator("#video-wall .wall-close").ClickAsync();
        var stopped = await WaitAsync(async () => (await http.GetFromJsonAsync<JsonElement>("/api/video/live", Cancel)).GetArrayLength() == 0);

        Assert.Equal(["gw-1-cam-01", "gw-1-cam-02"], cameras.Order(StringComparer.Ordinal));
        Assert.True(drawn, "a tile's canvas shows no picture");
        Assert.All(stats.EnumerateArray(), s =>
        {
            Assert.Equal("live", s.GetProperty("state").GetString());
            Assert.Equal(640, s.GetProperty("size")[0].GetInt32());
            Assert.All(s.GetProperty("latencies").EnumerateArray(), l => Assert.InRange(l.GetDouble(), 0, 3000));
        });
        Assert.Equal(2, liveWhileOpen.GetArrayLength());
        Assert.True(stopped, "the cameras still stream after the wall was closed");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_tile_says_when_its_gateway_goes_away_mid_view_and_shows_the_picture_again_when_it_returns()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, "/");
        var errors = Errors(page);
        await page.EvaluateAsync("() => window.dispatchOps.video.openWall('gateway test', [{ cameraId: 'gw-1-cam-02', name: 'cam 2' }])");
        var tile = page.Locator("#video-wall .tile[data-camera='gw-1-cam-02']");
        await page.WaitForFunctionAsync("() => Number(document.querySelector(\"#video-wall .tile\")?.dataset.frames) >= 3", null, new PageWaitForFunctionOptions { Timeout = PatienceMs });

        await fixture.StopGatewayAsync();
        string? offlineState = null;
        string? offlineText = null;
        int framesWhileAway;
        try
        {
            await page.WaitForSelectorAsync("#video-wall .tile[data-state='gateway-offline']", new() { Timeout = PatienceMs });
            offlineState = await tile.GetAttributeAsync("data-state");
            offlineText = await tile.Locator(".tile-state").TextContentAsync();
            framesWhileAway = int.Parse((await tile.GetAttributeAsync("data-frames"))!, CultureInfo.InvariantCulture);
        }
        finally
        {
            fixture.StartGateway();
        }

        await page.WaitForFunctionAsync("(n) => { const t = document.querySelector(\"#video-wall .tile\"); return t.dataset.state === 'live' && Number(t.dataset.frames) >= n + 3; }",
            framesWhileAway, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        var backState = await tile.GetAttributeAsync("data-state");
        await page.Locator("#video-wall .wall-close").ClickAsync();

        Assert.Equal("gateway-offline", offlineState);
        Assert.Equal("camera gateway offline", offlineText);
        Assert.Equal("live", backState);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task An_alerts_clip_plays_in_the_alert_panel_past_its_first_second_and_the_playback_is_audited()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, "/");
        var errors = Errors(page);

        // The synthetic walk raises an intrusion every 24 s of scene time; an alert of the list with a stored clip is taken.
        var alertId = await AlertWithClipAsync(page);
        await page.Locator($"#alerts [data-alert='{alertId}']").ClickAsync();
        await page.WaitForSelectorAsync("#media .clip[data-clip=ready]", new() { Timeout = PatienceMs });
        await page.Locator("#media .play-clip").ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('#media video')?.currentTime > 1", null, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        var played = await page.EvaluateAsync<double>("() => document.querySelector('#media video').currentTime");
        var duration = await page.EvaluateAsync<double>("() => document.querySelector('#media video').duration");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-alert-clip.png") });

        // Another selection ends the playback: the player reports how long it played.
        await page.EvaluateAsync("() => window.dispatchOps.select(null)");
        using var http = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Supervisor);
        JsonElement entry = default;
        var audited = await WaitAsync(async () =>
        {
            var audit = await http.GetFromJsonAsync<JsonElement>("/api/video/audit?kind=clip", Cancel);
            // The playback's entry with its length (the audit may also list the playback's start).
            entry = audit.EnumerateArray().FirstOrDefault(e => e.GetProperty("alertId").GetString() == alertId && e.GetProperty("seconds").ValueKind == JsonValueKind.Number);
            return entry.ValueKind == JsonValueKind.Object;
        });

        Assert.True(played > 1, $"played {played} s");
        Assert.InRange(duration, 3, 30);
        Assert.True(audited, "the clip's playback was not audited with its length");
        Assert.Equal(TestAccounts.Operator, entry.GetProperty("actor").GetString());
        Assert.True(entry.GetProperty("seconds").GetDouble() >= 1, entry.ToString());
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_viewer_is_offered_no_video_and_told_why_while_an_operator_gets_the_buttons_and_the_live_picture()
    {
        var incidentId = await OpenIncidentAtSceneAsync();
        await using var viewerContext = await fixture.NewContextAsync(TestAccounts.Viewer);
        var viewer = await OpenAsync(viewerContext, "/");
        var viewerErrors = Errors(viewer);
        // The list's first alert changes as alerts come in: one is named, then clicked.
        await viewer.Locator("#alerts [data-alert]").First.WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        var alertId = (await viewer.Locator("#alerts [data-alert]").First.GetAttributeAsync("data-alert"))!;
        await viewer.Locator($"#alerts [data-alert='{alertId}']").ClickAsync();
        await viewer.WaitForSelectorAsync("#media [data-video=denied]", new() { Timeout = PatienceMs });
        var deniedForAlert = await viewer.Locator("#media").InnerTextAsync();
        var viewerAlertButtons = await viewer.Locator("#media button").CountAsync();
        await viewer.EvaluateAsync("id => window.dispatchOps.select({ kind: 'incident', id })", incidentId);
        await viewer.WaitForSelectorAsync("#media [data-video=denied]", new() { Timeout = PatienceMs });
        var viewerIncidentButtons = await viewer.Locator("#media button").CountAsync();

        await using var operatorContext = await fixture.NewContextAsync();
        var page = await OpenAsync(operatorContext, "/");
        var errors = Errors(page);
        await page.EvaluateAsync("id => window.dispatchOps.select({ kind: 'incident', id })", incidentId);
        await page.Locator("#media .live-nearest").WaitForAsync(new LocatorWaitForOptions { Timeout = PatienceMs });
        await page.EvaluateAsync("id => window.dispatchOps.select({ kind: 'alert', id })", alertId);
        await page.Locator("#media .live-camera").ClickAsync(new LocatorClickOptions { Timeout = PatienceMs });
        await page.WaitForFunctionAsync("() => Number(document.querySelector('#video-wall .tile')?.dataset.frames) >= 2", null, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        var operatorDenied = await page.Locator("#media [data-video=denied]").CountAsync();
        var clipOffered = await page.Locator("#media .clip").CountAsync();
        await page.Locator("#video-wall .wall-close").ClickAsync();

        Assert.Equal(0, viewerAlertButtons);
        Assert.Equal(0, viewerIncidentButtons);
        Assert.Contains("No live video or clips for you here", deniedForAlert, StringComparison.Ordinal);
        Assert.Contains("Dispatch:Video:ViewersMayWatch is off", deniedForAlert, StringComparison.Ordinal);
        Assert.Equal(0, operatorDenied);
        Assert.Equal(1, clipOffered);
        Assert.Empty(viewerErrors);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Play_clicked_twice_starts_one_playback_and_every_playback_of_the_alert_ends_its_audit_row()
    {
        using var http = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Supervisor);
        var before = (await http.GetFromJsonAsync<JsonElement>("/api/video/audit?kind=clip&limit=5000", Cancel)).EnumerateArray()
            .Select(e => e.GetProperty("id").GetInt64()).DefaultIfEmpty(0).Max();
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, "/");
        var errors = Errors(page);
        var alertId = await AlertWithClipAsync(page);
        await page.Locator($"#alerts [data-alert='{alertId}']").ClickAsync();
        await page.WaitForSelectorAsync("#media .clip[data-clip=ready]", new() { Timeout = PatienceMs });

        // Two clicks before the first playback has even started (a double click): one playback.
        await page.EvaluateAsync("() => { const b = document.querySelector('#media .play-clip'); b.click(); b.click(); }");
        await page.WaitForFunctionAsync("() => document.querySelector('#media video')?.currentTime > 1", null, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        // The panel closes (another selection): that playback ends. Chosen again and played, then the page goes away.
        await page.EvaluateAsync("() => window.dispatchOps.select(null)");
        await page.EvaluateAsync("id => window.dispatchOps.select({ kind: 'alert', id })", alertId);
        await page.Locator("#media .clip[data-clip=ready] .play-clip").ClickAsync(new LocatorClickOptions { Timeout = PatienceMs });
        await page.WaitForFunctionAsync("() => document.querySelector('#media video')?.currentTime > 0.5", null, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        await page.ReloadAsync();

        List<JsonElement> rows = [];
        var allEnded = await WaitAsync(async () =>
        {
            var audit = await http.GetFromJsonAsync<JsonElement>("/api/video/audit?kind=clip&limit=5000", Cancel);
            rows = [.. audit.EnumerateArray().Where(e => e.GetProperty("id").GetInt64() > before && e.GetProperty("alertId").GetString() == alertId)];
            return rows.Count >= 2 && rows.All(e => e.GetProperty("endedAt").ValueKind == JsonValueKind.String);
        });
        var described = string.Join("\n", rows);

        Assert.True(allEnded, $"a playback's audit row stayed open:\n{described}");
        Assert.Equal(2, rows.Count);
        Assert.All(rows, e => Assert.Equal(TestAccounts.Operator, e.GetProperty("actor").GetString()));
        var first = rows.MinBy(e => e.GetProperty("id").GetInt64());
        Assert.True(first.GetProperty("seconds").GetDouble() >= 1, described);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task The_assigned_officers_terminal_shows_the_scene_camera_small_and_another_officer_is_refused()
    {
        var (_, assigned) = await IncidentAtSceneAsync();
        var other = await FreeUnitAsync(assigned);
        await using var context = await fixture.NewContextAsync(VideoBrowserFixture.OfficerOf(assigned));
        var terminal = await OpenAsync(context, $"/terminal.html?unit={Uri.EscapeDataString(assigned)}", ready: "body[data-connection=connected]");
        var errors = Errors(terminal);

        await terminal.Locator("#scene-cameras .show-cameras").ClickAsync(new LocatorClickOptions { Timeout = PatienceMs });
        await terminal.WaitForFunctionAsync("() => [...document.querySelectorAll('#scene-cameras .tile')].some(t => Number(t.dataset.frames) >= 2)",
            null, new PageWaitForFunctionOptions { Timeout = PatienceMs });
        var stats = await terminal.EvaluateAsync<JsonElement>("() => window.dispatchVideo.stats()");
        await terminal.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "terminal-scene-cameras.png") });

        // Another officer, on the terminal of a unit without an assignment: no card; asked directly, as a tampered
        // terminal would, the host refuses both that unit's view and the assigned unit's.
        await using var otherContext = await fixture.NewContextAsync(VideoBrowserFixture.OfficerOf(other));
        var stranger = await OpenAsync(otherContext, $"/terminal.html?unit={Uri.EscapeDataString(other)}", ready: "body[data-connection=connected]");
        var strangerCard = await stranger.Locator("#scene-cameras").IsHiddenAsync();
        const string Ask = """
            ([camera, unit]) => new Promise((resolve) => {
              const socket = new WebSocket(`ws://${location.host}/api/video/live/${camera}?unit=${unit}`);
              let message = null;
              socket.onmessage = (e) => { if (typeof e.data === 'string') message = JSON.parse(e.data); };
              socket.onclose = (e) => resolve({ code: e.code, message });
              // A view that is not refused stays open: say so instead of waiting for ever.
              setTimeout(() => { socket.close(); resolve({ code: 0, message }); }, 20000);
            })
            """;
        var ownUnit = await stranger.EvaluateAsync<JsonElement>(Ask, new object[] { "gw-1-cam-01", other });
        var assignedUnit = await stranger.EvaluateAsync<JsonElement>(Ask, new object[] { "gw-1-cam-01", assigned });

        Assert.NotEmpty(stats.EnumerateArray());
        Assert.All(stats.EnumerateArray(), s => Assert.Equal(320, s.GetProperty("size")[0].GetInt32()));
        Assert.True(strangerCard, "a unit without an assignment shows scene cameras");
        Assert.Equal(4403, ownUnit.GetProperty("code").GetInt32());
        Assert.StartsWith($"unit '{other}' has no assignment now", ownUnit.GetProperty("message").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(4403, assignedUnit.GetProperty("code").GetInt32());
        Assert.Equal($"'{VideoBrowserFixture.OfficerOf(other)}' may not watch for unit '{assigned}': only an officer who may act for that unit may",
            assignedUnit.GetProperty("message").GetProperty("message").GetString());
        Assert.Empty(errors);
    }

    /// <summary>An incident at the cameras' scene (Low: nobody is dispatched), assigned by an operator to a free unit.</summary>
    private async Task<(string IncidentId, string UnitId)> IncidentAtSceneAsync()
    {
        var incidentId = await OpenIncidentAtSceneAsync();
        var holding = await FreeUnitAsync(null);
        await using var desk = await fixture.Host.ConnectAsync(OperationsHub.Path);
        await desk.InvokeAsync("Assign", incidentId, holding, (string?)null, Cancel);
        return (incidentId, holding);
    }

    /// <summary>An incident at the cameras' scene (Low: nobody is dispatched to it).</summary>
    private async Task<string> OpenIncidentAtSceneAsync()
    {
        var at = GreatCircle.Offset(fixture.Scene, northMeters: 0, eastMeters: 40);
        var opened = await fixture.Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "disturbance", IncidentPriority.Low, at.Latitude, at.Longitude, "video browser test", IncidentSource.Operator, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        return opened.IncidentId!;
    }

    /// <summary>
    /// An alert of the page's list whose clip has come. Alerts keep coming (the list's first changes between two looks),
    /// and a clip comes seconds after its alert, or never for an alert raised while the gateway was away.
    /// </summary>
    private async Task<string> AlertWithClipAsync(IPage page)
    {
        using var http = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Operator);
        string? found = null;
        var ok = await WaitAsync(async () =>
        {
            var ids = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#alerts [data-alert]')].map((e) => e.dataset.alert)");
            foreach (var id in ids)
            {
                using var response = await http.GetAsync($"/api/video/alerts/{Uri.EscapeDataString(id)}/clip", Cancel);
                if (response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("available").GetBoolean())
                {
                    found = id;
                    return true;
                }
            }

            await Task.Delay(500, Cancel);
            return false;
        }, TimeSpan.FromSeconds(120));
        Assert.True(ok, "no alert of the page's list has its clip");
        return found!;
    }

    private async Task<string> FreeUnitAsync(string? not)
    {
        foreach (var unit in fixture.Cluster.City.Units.Where(u => u.Id != not))
        {
            if (await fixture.Host.Grains.GetGrain<IPatrolUnitGrain>(unit.Id).GetAsync() is { Assignment: null })
            {
                return unit.Id;
            }
        }

        throw new InvalidOperationException("no free unit");
    }

    private static async Task<IPage> OpenAsync(IBrowserContext context, string path, string ready = "body[data-ready=true][data-connection=connected]")
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        await page.WaitForSelectorAsync(ready, new() { Timeout = PatienceMs });
        return page;
    }

    private static List<string> Errors(IPage page)
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
        return errors;
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? Patience);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100, Cancel);
        }

        return await condition();
    }
}
