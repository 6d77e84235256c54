using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>One host and one Chromium for the whole class (starting either is the slow part).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

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
        Host = LiveTestHost.StartPrimary(Cluster);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
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
    }

    /// <summary>
    /// A fresh browser context whose every request beyond 127.0.0.1/localhost is aborted and recorded, so a
    /// test can assert the page never tried the internet.
    /// </summary>
    public async Task<(IBrowserContext Context, List<string> Outside)> NewOfflineContextAsync(string? locale = "en-US")
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
        return (context, outside);
    }
}
