using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>One host and one Chromium for the whole class (starting either is the slow part).</summary>
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>An officer account that may sign onto the city's first unit only.</summary>
    public const string OfficerOfFirstUnit = "b-officer";

    public LiveCluster Cluster { get; } = new(grids: 4);

    public LiveTestHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: TestResults/screenshots under the repository root.</summary>
    public string ScreenshotDirectory { get; } = Path.Combine(RepositoryPaths.Root, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium not found at {ChromiumPath}: install the Debian package 'chromium' (./dispatch.sh test does)");
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        var settings = TestAccounts.Settings((OfficerOfFirstUnit, Cluster.City.Units[0].Id));
        Configure(settings);
        Host = LiveTestHost.StartPrimary(Cluster, settings);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Settings a derived fixture adds to or overrides before the host starts.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Cluster.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A fresh browser context whose every request beyond 127.0.0.1/localhost is aborted and recorded, so a
    /// test can assert the page never tried the internet; signed in as <paramref name="user"/> (its session cookie
    /// set by the sign-in API, as the sign-in page does), or not signed in when null.
    /// </summary>
    public async Task<(IBrowserContext Context, List<string> Outside)> NewOfflineContextAsync(string? locale = "en-US", string? user = TestAccounts.OperatorOfficer)
    {
        var outside = new List<string>();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            BaseURL = Host.BaseAddress.ToString(),
        });
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "data" or "blob" || url.Host is "127.0.0.1" or "localhost")
            {
                await route.ContinueAsync();
                return;
            }

            lock (outside)
            {
                outside.Add(route.Request.Url);
            }

            await route.AbortAsync();
        });
        if (user is not null)
        {
            await SignInAsync(context, user);
        }

        return (context, outside);
    }

    /// <summary>Signs <paramref name="context"/> in as <paramref name="user"/>: the sign-in API sets its session cookie, as the sign-in page does.</summary>
    public static async Task SignInAsync(IBrowserContext context, string user = TestAccounts.OperatorOfficer)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = await context.APIRequest.PostAsync("/api/auth/signin", new APIRequestContextOptions
        {
            DataObject = new { username = user, password = TestAccounts.Password },
        });
        if (!response.Ok)
        {
            throw new InvalidOperationException($"sign-in of '{user}' refused: {response.Status} {await response.TextAsync()}");
        }
    }
}
