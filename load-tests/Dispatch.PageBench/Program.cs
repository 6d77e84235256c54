using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dispatch.PageBench;

/// <summary>
/// The operator page with many moving units: the real host in this process (a demo city re-staffed with
/// --units units), every unit reporting a position --position-hz times a second through its grain, the page
/// open in headless Chromium. The page measures its own frame intervals, long tasks and what its websocket
/// received; one summary line at the end.
/// </summary>
public static class PageBenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        const string chromium = "/usr/bin/chromium";
        var options = BenchOptions.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: Dispatch.PageBench [--units N] [--duration SECONDS] [--position-hz P] [--warmup SECONDS]");
            return 64;
        }

        if (!File.Exists(chromium))
        {
            Console.Error.WriteLine($"Chromium not found at {chromium}: install the Debian package 'chromium'");
            return 1;
        }

        using var folder = new TempDirectory("dispatch-page-bench");
        var city = Restaffed(DemoCity.Generate(seed: 7), options.Units);
        File.WriteAllText(folder.File("city.geojson"), CityGeoJson.Write(city));
        Console.Error.WriteLine($"page-bench: starting the host with {city.Units.Count} units");
        await using var host = new BenchHost(folder.File("city.geojson"), folder.File("dispatch.db"),
            TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort());
        host.StartServer();
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            Locale = "en-US",
        });
        await context.AddInitScriptAsync(PageProbe.Script);

        // The page needs a signed-in operator: the session cookie, as the sign-in page gets it.
        var signIn = await context.APIRequest.PostAsync("/api/auth/signin", new APIRequestContextOptions
        {
            DataObject = new { username = TestAccounts.Operator, password = TestAccounts.Password },
        });
        if (!signIn.Ok)
        {
            throw new InvalidOperationException($"page-bench: sign-in refused: {signIn.Status} {await signIn.TextAsync()}");
        }

        var page = await context.NewPageAsync();
        var loading = Stopwatch.StartNew();
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 180_000 });
        var pageLoadSeconds = loading.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"page-bench: page live after {pageLoadSeconds:F1} s; moving units");

        // Each unit drives a random walk at 8 m/s; a tick reports every unit once.
        var random = new Random(11);
        var positions = city.Units.ToDictionary(u => u.Id, u => u.Start, StringComparer.Ordinal);
        var headings = city.Units.ToDictionary(u => u.Id, _ => random.NextDouble() * 2 * Math.PI, StringComparer.Ordinal);
        var tickSeconds = 1 / options.PositionHz;
        long reported = 0;
        async Task TickAsync()
        {
            foreach (var chunk in city.Units.Chunk(1000))
            {
                await Task.WhenAll(chunk.Select(u =>
                {
                    var heading = headings[u.Id] += (random.NextDouble() - 0.5) * 0.6;
                    var step = 8 * tickSeconds;
                    var next = GreatCircle.Offset(positions[u.Id], step * Math.Cos(heading), step * Math.Sin(heading));
                    positions[u.Id] = next;
                    return grains.GetGrain<IPatrolUnitGrain>(u.Id).ReportPositionAsync(next);
                }));
                reported += chunk.Length;
            }
        }

        async Task DriveAsync(TimeSpan length)
        {
            var clock = Stopwatch.StartNew();
            var ticks = 0;
            while (clock.Elapsed < length)
            {
                await TickAsync();
                ticks++;
                var due = TimeSpan.FromSeconds(ticks * tickSeconds) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }
            }
        }

        await DriveAsync(TimeSpan.FromSeconds(options.WarmupSeconds));
        reported = 0;
        await page.EvaluateAsync("() => window.__bench.start()");
        var measured = Stopwatch.StartNew();
        await DriveAsync(TimeSpan.FromSeconds(options.DurationSeconds));
        var result = await page.EvaluateAsync<JsonElement>("() => window.__bench.stop()");
        var hostSeconds = measured.Elapsed.TotalSeconds;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryPaths.Root, "TestResults", "page-bench.png") });

        var seconds = result.GetProperty("seconds").GetDouble();
        var intervals = result.GetProperty("intervals").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
        var longTasks = result.GetProperty("longTasks").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double Percentile(double p) => intervals.Length == 0 ? double.NaN : intervals[Math.Min(intervals.Length - 1, (int)Math.Ceiling(p * intervals.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"units={city.Units.Count} position_hz={options.PositionHz} seconds={seconds:F1} fps={intervals.Length / seconds:F1} "
            + $"frame_p50_ms={Percentile(0.50):F1} frame_p99_ms={Percentile(0.99):F1} frame_max_ms={(intervals.Length == 0 ? 0 : intervals[^1]):F1} "
            + $"long_tasks={longTasks.Length} long_task_ms={longTasks.Sum():F0} long_task_max_ms={(longTasks.Length == 0 ? 0 : longTasks.Max()):F0} "
            + $"ws_messages_per_s={result.GetProperty("records").GetDouble() / seconds:F1} units_moved_batches_per_s={result.GetProperty("moved").GetDouble() / seconds:F1} "
            + $"ws_kb_per_s={result.GetProperty("wsBytes").GetDouble() / 1024 / seconds:F0} positions_reported_per_s={reported / hostSeconds:F0} page_load_s={pageLoadSeconds:F1}"));
        await context.CloseAsync();
        return 0;
    }

    /// <summary>The demo city's grids, stations and cameras with <paramref name="count"/> units spread around the stations.</summary>
    private static CityModel Restaffed(CityModel demo, int count)
    {
        var random = new Random(5);
        var kinds = new[] { UnitKind.Car, UnitKind.Car, UnitKind.Motorcycle, UnitKind.Bicycle, UnitKind.Foot };
        var units = Enumerable.Range(1, count).Select(i =>
        {
            var station = demo.Stations[i % demo.Stations.Count];
            var start = GreatCircle.Offset(station.Location, (random.NextDouble() - 0.5) * 1200, (random.NextDouble() - 0.5) * 1200);
            return new PatrolUnitSpec($"U-{i:00000}", $"B-{i:00000}", kinds[i % kinds.Length], station.Id, start);
        }).ToList();
        return new CityModel(demo.Name, demo.Center, demo.Grids, demo.Stations, units, demo.Cameras);
    }
}

/// <summary>Command-line options of the page benchmark.</summary>
internal sealed record BenchOptions(int Units, double DurationSeconds, double PositionHz, double WarmupSeconds)
{
    public static BenchOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal) { ["units"] = 5000, ["duration"] = 30, ["position-hz"] = 1, ["warmup"] = 5 };
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
            if (!values.ContainsKey(name) || i + 1 >= args.Length
                || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0))
            {
                Console.Error.WriteLine($"page-bench: bad option \"{args[i]}\"; options take a number > 0");
                return null;
            }

            values[name] = value;
        }

        return new BenchOptions((int)values["units"], values["duration"], values["position-hz"], values["warmup"]);
    }
}
