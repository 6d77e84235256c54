using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dispatch.Screenshots;

/// <summary>
/// Refreshes the pictures under docs/screenshots: starts the real host on the demo city (its roads as the basemap),
/// opens a few incidents so units are dispatched, then drives the real pages in Chromium: the operator map at city zoom
/// (English and Chinese), at street zoom on an incident with its reach, and a phone-sized terminal with its route.
/// Usage: dotnet run --project tools/Dispatch.Screenshots -c Release [-- --out DIR]
/// </summary>
public static class ScreenshotsProgram
{
    private const string Chromium = "/usr/bin/chromium";

    public static async Task<int> Main(string[] args)
    {
        var output = args.Length == 2 && args[0] == "--out" ? Path.GetFullPath(args[1]) : Path.Combine(RepositoryPaths.Root, "docs", "screenshots");
        if (args.Length != 0 && args.Length != 2)
        {
            Console.Error.WriteLine("usage: Dispatch.Screenshots [--out DIR]");
            return 64;
        }

        if (!File.Exists(Chromium))
        {
            Console.Error.WriteLine($"Chromium not found at {Chromium}: install the Debian package 'chromium'");
            return 1;
        }

        Directory.CreateDirectory(output);
        using var folder = new TempDirectory("dispatch-screenshots");
        var city = DemoCity.Generate(seed: 7);
        File.WriteAllText(folder.File("city.geojson"), CityGeoJson.Write(city));
        await using var host = new ScreenshotHost(folder.File("city.geojson"), folder.File("dispatch.db"));
        host.StartServer();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        Console.Error.WriteLine($"screenshots: host at {host.BaseAddress}");

        // A morning's work in progress: incidents around the centre, one unit off duty.
        var center = city.Stations.MinBy(s => GreatCircle.DistanceMeters(s.Location, city.Center))!;
        (string Type, IncidentPriority Priority, double North, double East)[] calls =
        [
            ("assault", IncidentPriority.High, 180, 120), ("theft", IncidentPriority.Normal, -900, 1400),
            ("traffic-accident", IncidentPriority.High, 1300, -1700), ("disturbance", IncidentPriority.Low, -1800, -600),
            ("fire", IncidentPriority.Critical, 2400, 2600),
        ];
        var incidents = new List<string>();
        foreach (var (type, priority, north, east) in calls)
        {
            var at = GreatCircle.Offset(center.Location, north, east);
            var opened = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(type, priority, at.Latitude, at.Longitude,
                $"{type} reported by a caller", IncidentSource.Call, Actors.Operator("screenshots")));
            incidents.Add(opened.IncidentId ?? throw new InvalidOperationException(opened.Error));
        }

        await grains.GetGrain<IPatrolUnitGrain>(city.Units[^1].Id).PerformAsync(TerminalAction.OutOfService, Actors.Unit(city.Units[^1].Id));
        var first = await WaitDispatchedAsync(grains, incidents[0]);
        var unitId = first.ActiveAssignments.First(a => first.Tiers.Any(t => t.Name == a.TierName && t.Kind == TierKind.NearestUnits)).UnitId;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        foreach (var (locale, suffix) in new[] { ("en-US", ""), ("zh-CN", "-zh") })
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = host.BaseAddress.ToString(), Locale = locale, TimezoneId = "Asia/Shanghai", ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            });
            await SignInAsync(context);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 120_000 });
            await SettleAsync(page);
            await page.ScreenshotAsync(Jpeg(output, $"operator-city{suffix}.jpg"));
            Console.Error.WriteLine($"screenshots: operator-city{suffix}.jpg");
            if (suffix.Length == 0)
            {
                var view = (await grains.GetGrain<IIncidentGrain>(incidents[0]).GetAsync())!;
                await page.Locator($"#queue [data-incident='{incidents[0]}']").ClickAsync();
                await page.EvaluateAsync("([lat, lon]) => window.dispatchOps.zoomTo(lat, lon, 17)", new[] { view.Location.Latitude, view.Location.Longitude });
                await SettleAsync(page);
                await page.ScreenshotAsync(Jpeg(output, "operator-street.jpg"));
                Console.Error.WriteLine("screenshots: operator-street.jpg");
            }

            await context.CloseAsync();
        }

        var phone = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseAddress.ToString(), Locale = "en-US", ViewportSize = new ViewportSize { Width = 390, Height = 844 }, DeviceScaleFactor = 2, IsMobile = true, HasTouch = true,
        });
        await SignInAsync(phone);
        var terminal = await phone.NewPageAsync();
        await terminal.GotoAsync($"/terminal.html?unit={Uri.EscapeDataString(unitId)}");
        await terminal.WaitForSelectorAsync("body[data-route]:not([data-route=''])", new() { Timeout = 60_000 });
        await SettleAsync(terminal);
        await terminal.ScreenshotAsync(Jpeg(output, "terminal-route.jpg"));
        Console.Error.WriteLine("screenshots: terminal-route.jpg");
        await phone.CloseAsync();
        Console.WriteLine($"screenshots written to {output}");
        return 0;
    }

    // JPEG keeps the repository small: a map of thousands of symbols is a megabyte as PNG.
    private static PageScreenshotOptions Jpeg(string folder, string name) => new() { Path = Path.Combine(folder, name), Type = ScreenshotType.Jpeg, Quality = 82 };

    /// <summary>Signs the browser in as the host's operator who is also an officer of any unit (one session for both pages).</summary>
    private static async Task SignInAsync(IBrowserContext context)
    {
        var response = await context.APIRequest.PostAsync("/api/auth/signin", new APIRequestContextOptions
        {
            DataObject = new { username = TestAccounts.OperatorOfficer, password = TestAccounts.Password },
        });
        if (!response.Ok)
        {
            throw new InvalidOperationException($"sign-in refused: {response.Status} {await response.TextAsync()}");
        }
    }

    /// <summary>Lets tiles arrive and the map come to rest.</summary>
    private static async Task SettleAsync(IPage page)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Task.Delay(1500);
    }

    private static async Task<IncidentView> WaitDispatchedAsync(IGrainFactory grains, string incidentId)
    {
        for (var i = 0; i < 200; i++)
        {
            var view = await grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
            if (view is { DispatchSettled: true } && view.ActiveAssignments.Any())
            {
                return view;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"incident {incidentId} was not dispatched");
    }
}

/// <summary>The real host on a real Kestrel listener on 127.0.0.1, with the demo city and a throwaway database.</summary>
public sealed class ScreenshotHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ScreenshotHost(string cityPath, string databasePath)
    {
        Port = TestPorts.GetFreeTcpPort();

        // Outside a test project there is no test manifest naming the host's folder; the factory reads this instead.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DISPATCH_SERVER", Path.Combine(RepositoryPaths.Root, "src", "Dispatch.Server"));
        _settings = LoopbackHostSettings.Create(Port, TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(),
            LoopbackHostSettings.NewClusterId("screenshots"), databasePath, cityPath);
        UseKestrel();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
