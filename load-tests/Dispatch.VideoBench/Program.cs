using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dispatch.Testing;
using Microsoft.Playwright;

namespace Dispatch.VideoBench;

/// <summary>
/// Live video end to end on one machine: the built host and the reference gateway (synthetic cameras) as child
/// processes on 127.0.0.1, and tiles of the operator page in headless Chromium, signed in as an operator. Three
/// phases of --duration seconds each: nobody watching (the host's cost of a connected gateway), one tile per camera,
/// then --viewers tiles over --pages pages. Glass to glass is the tile's own figure: from the frame's capture time at
/// the gateway to the animation frame after it was drawn (one clock: everything runs here). Host CPU comes from its
/// /metrics (process_cpu_seconds_total), the gateway's from its process.
/// </summary>
public static class VideoBenchProgram
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string GatewayId = "gw-bench";

    // The demo city's centre: the gateway's cameras stand there, 100 m apart.
    private const double Latitude = 36.66;
    private const double Longitude = 117.0;

    public static async Task<int> Main(string[] args)
    {
        var (options, error) = VideoBenchOptions.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine($"video-bench: {error}");
            Console.Error.WriteLine(VideoBenchOptions.Usage);
            return 64;
        }

        if (!File.Exists(ChromiumPath))
        {
            Console.Error.WriteLine($"video-bench: Chromium not found at {ChromiumPath}: install the Debian package 'chromium'");
            return 1;
        }

        foreach (var project in new[] { "Dispatch.Server", "Dispatch.Gateway" })
        {
            if (!File.Exists(RepositoryPaths.BuiltAssembly(project)))
            {
                Console.Error.WriteLine($"video-bench: {RepositoryPaths.BuiltAssembly(project)} is not built: dotnet build load-tests/Dispatch.VideoBench -c {RepositoryPaths.Configuration}");
                return 1;
            }
        }

        try
        {
            var result = await RunAsync(options, Console.Error, CancellationToken.None);
            Console.WriteLine(result.Summary());
            if (options.ReportPath is not null)
            {
                await File.WriteAllTextAsync(options.ReportPath, result.Markdown(), Encoding.UTF8);
            }

            return 0;
        }
        catch (Exception failure) when (failure is InvalidOperationException or TimeoutException or PlaywrightException or HttpRequestException)
        {
            Console.Error.WriteLine($"video-bench: {failure.Message}");
            return 1;
        }
    }

    /// <summary>One run: starts everything, measures the three phases, stops everything.</summary>
    public static async Task<VideoBenchResult> RunAsync(VideoBenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        using var folder = new TempDirectory("dispatch-video-bench");
        var webPort = TestPorts.GetFreeTcpPort();
        var grpcPort = TestPorts.GetFreeTcpPort();
        var credential = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var settings = LoopbackHostSettings.Create(webPort, grpcPort, TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(),
            LoopbackHostSettings.NewClusterId("video-bench"), folder.File("dispatch.db"), cityPath: null);
        settings[$"Dispatch:Gateways:{GatewayId}:Credential"] = credential;
        settings["Dispatch:Video:MaxLiveCamerasPerGateway"] = Text(options.Cameras);
        settings["Dispatch:Video:MaxFps"] = Text(Math.Max(10, options.Fps));
        settings["Dispatch:Video:MaxWidthPx"] = Text(Math.Max(1280, options.WidthPx));
        settings["Dispatch:Video:MaxHeightPx"] = Text(Math.Max(720, options.HeightPx));

        log.WriteLine("video-bench: starting the host");
        await using var host = await HostChild.StartAsync(folder.Path, settings, TimeSpan.FromSeconds(180), cancellationToken);
        log.WriteLine($"video-bench: host ready at {host.Web}; starting gateway {GatewayId} with {options.Cameras} synthetic cameras");
        using var gateway = StartGateway(options, grpcPort, credential, folder.File("gateway-spool"), folder.File("gateway.log"));
        try
        {
            using var http = TestAccounts.Http(host.Web, TestAccounts.Operator);
            var cameras = await WaitForCamerasAsync(http, options.Cameras, gateway, cancellationToken);
            var metrics = new HostMetrics(host.Web, TestAccounts.ScrapeToken);

            log.WriteLine($"video-bench: cameras {string.Join(", ", cameras)} live-capable; phase 1: nobody watching, {options.DurationSeconds:F0} s after {options.SettleSeconds:F0} s settling");
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
            var idle = await MeasureAsync(metrics, gateway, [], options, cancellationToken);

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            await using var context = await SignedInContextAsync(browser, host.Web);

            // Phase 2: one page, one tile per camera. Phase 3: the other pages too, --viewers tiles in all.
            var pages = new List<IPage> { await OpenWallAsync(context, cameras) };
            log.WriteLine($"video-bench: phase 2: {cameras.Count} tiles (one per camera), {options.DurationSeconds:F0} s after {options.WarmupSeconds:F0} s warm-up");
            await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);
            var perCamera = await MeasureAsync(metrics, gateway, pages, options, cancellationToken);

            var plan = Plan(cameras, options);
            if (!plan[0].SequenceEqual(cameras))
            {
                await pages[0].EvaluateAsync("(cams) => window.dispatchOps.video.openWall('bench', cams)", plan[0].Select(Tile).ToArray());
            }

            for (var p = 1; p < plan.Count; p++)
            {
                pages.Add(await OpenWallAsync(context, plan[p]));
            }

            log.WriteLine($"video-bench: phase 3: {options.Viewers} tiles on {pages.Count} pages, {options.DurationSeconds:F0} s after {options.WarmupSeconds:F0} s warm-up");
            await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);
            var full = await MeasureAsync(metrics, gateway, pages, options, cancellationToken);
            await pages[0].ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(RepositoryPaths.Root, "TestResults", "video-bench.png") });
            foreach (var page in pages)
            {
                await page.CloseAsync();
            }

            // Phases 4 and 5: the same views as plain WebSocket clients in this process, so what the host spends and how
            // late frames leave it are measured without browsers competing for the same cores.
            var token = await TestAccounts.TokenAsync(host.Web, TestAccounts.Operator);
            log.WriteLine($"video-bench: phase 4: {cameras.Count} socket viewers (one per camera, no browser), {options.DurationSeconds:F0} s after {options.WarmupSeconds:F0} s warm-up");
            await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);
            var sockets = new List<SocketViewer>();
            try
            {
                sockets.AddRange(await SocketViewer.OpenAllAsync(host.Web, token, cameras, options, cancellationToken));
                await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);
                var socketsPerCamera = await MeasureAsync(metrics, gateway, new SocketTiles(sockets), options, cancellationToken);
                var more = Enumerable.Range(cameras.Count, options.Viewers - cameras.Count).Select(v => cameras[v % cameras.Count]).ToList();
                sockets.AddRange(await SocketViewer.OpenAllAsync(host.Web, token, more, options, cancellationToken));
                log.WriteLine($"video-bench: phase 5: {sockets.Count} socket viewers, {options.DurationSeconds:F0} s after {options.WarmupSeconds:F0} s warm-up");
                await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken);
                var socketsFull = await MeasureAsync(metrics, gateway, new SocketTiles(sockets), options, cancellationToken);
                return new VideoBenchResult(options, idle, perCamera, full, LoadAverage(), socketsPerCamera, socketsFull);
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    await socket.DisposeAsync();
                }
            }
        }
        finally
        {
            await StopAsync(gateway);
        }
    }

    /// <summary>Which cameras each page shows in phase 3: the viewers spread evenly over the pages, cameras in turn.</summary>
    internal static IReadOnlyList<IReadOnlyList<string>> Plan(IReadOnlyList<string> cameras, VideoBenchOptions options)
    {
        var pages = Enumerable.Range(0, options.Pages).Select(_ => new List<string>()).ToList();
        for (var v = 0; v < options.Viewers; v++)
        {
            pages[v * options.Pages / options.Viewers].Add(cameras[v % cameras.Count]);
        }

        return pages;
    }

    private static object Tile(string cameraId) => new { cameraId, name = cameraId };

    private static async Task<IBrowserContext> SignedInContextAsync(IBrowser browser, Uri web)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = web.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
            Locale = "en-US",
        });
        var response = await context.APIRequest.PostAsync("/api/auth/signin", new APIRequestContextOptions
        {
            DataObject = new { username = TestAccounts.Operator, password = TestAccounts.Password },
        });
        if (!response.Ok)
        {
            throw new InvalidOperationException($"sign-in of '{TestAccounts.Operator}' refused: {response.Status} {await response.TextAsync()}");
        }

        return context;
    }

    /// <summary>The operator page with a video wall of <paramref name="cameras"/> (tiles at the bench's rate and size).</summary>
    private static async Task<IPage> OpenWallAsync(IBrowserContext context, IReadOnlyList<string> cameras)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = 120_000 });
        await page.EvaluateAsync("(cams) => window.dispatchOps.video.openWall('bench', cams)", cameras.Select(Tile).ToArray());
        await page.WaitForFunctionAsync("(n) => { const s = window.dispatchVideo.stats(); return s.length >= n && s.every(t => t.frames > 0); }",
            cameras.Count, new PageWaitForFunctionOptions { Timeout = 60_000 });
        return page;
    }

    /// <summary>One measured phase of page tiles.</summary>
    private static Task<PhaseFigures> MeasureAsync(HostMetrics metrics, Process gateway, IReadOnlyList<IPage> pages, VideoBenchOptions options, CancellationToken cancellationToken) =>
        MeasureAsync(metrics, gateway, new PageTiles(pages), options, cancellationToken);

    /// <summary>One measured phase: CPU of host, gateway and machine, host frame counters, and every tile's frames and latencies.</summary>
    private static async Task<PhaseFigures> MeasureAsync(HostMetrics metrics, Process gateway, ITileSource source, VideoBenchOptions options, CancellationToken cancellationToken)
    {
        var before = await metrics.ReadAsync(cancellationToken);
        var gatewayBefore = gateway.TotalProcessorTime;
        var machineBefore = MachineCpu.Read();
        await source.MarkAsync();

        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var machineCores = MachineCpu.BusyCores(machineBefore, MachineCpu.Read(), seconds);
        var after = await metrics.ReadAsync(cancellationToken);
        gateway.Refresh();
        var gatewayCpu = (gateway.TotalProcessorTime - gatewayBefore).TotalSeconds;
        var tiles = await source.SinceMarkAsync(seconds);

        return new PhaseFigures(seconds, tiles,
            (after.CpuSeconds - before.CpuSeconds) / seconds,
            gatewayCpu / seconds,
            (after.FramesReceived - before.FramesReceived) / seconds,
            (after.FramesSent - before.FramesSent) / seconds,
            after.FramesDropped - before.FramesDropped,
            (after.BytesSent - before.BytesSent) / 1024 / seconds,
            machineCores);
    }

    private static Process StartGateway(VideoBenchOptions options, int grpcPort, string credential, string spool, string logPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[
            RepositoryPaths.BuiltAssembly("Dispatch.Gateway"),
            "--server", $"http://127.0.0.1:{Text(grpcPort)}", "--gateway-id", GatewayId, "--credential", credential,
            "--cameras", Text(options.Cameras), "--source", "synthetic", "--fps", Text(options.CameraFps),
            "--width", Text(options.WidthPx), "--height", Text(options.HeightPx),
            "--lat", Text(Latitude), "--lon", Text(Longitude), "--spool", spool, "--report", "10",
            "--max-live", Text(options.Cameras), "--clips", options.Clips ? "on" : "off"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start the gateway");
        var writer = TextWriter.Synchronized(new StreamWriter(logPath) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { writer.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { writer.WriteLine(e.Data); } };
        process.Exited += (_, _) => writer.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process gateway)
    {
        if (!gateway.HasExited)
        {
            gateway.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await gateway.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Left for the system to reap.
            }
        }
    }

    /// <summary>The gateway's cameras, once the host says each can stream live.</summary>
    private static async Task<IReadOnlyList<string>> WaitForCamerasAsync(HttpClient http, int count, Process gateway, CancellationToken cancellationToken)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            if (gateway.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited ({gateway.ExitCode}) before its cameras were live");
            }

            var found = await http.GetFromJsonAsync<JsonElement>(
                string.Create(CultureInfo.InvariantCulture, $"/api/video/cameras?lat={Latitude}&lon={Longitude}&count=50&radiusMeters=5000&liveOnly=true"), cancellationToken);
            var ours = found.EnumerateArray()
                .Where(c => c.GetProperty("gatewayId").GetString() == GatewayId)
                .Select(c => c.GetProperty("cameraId").GetString()!)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (ours.Count >= count)
            {
                return ours[..count];
            }

            if (until.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"only {ours.Count} of {count} cameras of {GatewayId} were live-capable after 60 s");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The host's own counters from /metrics, read with the scrape token.</summary>
internal sealed class HostMetrics(Uri web, string scrapeToken)
{
    public async Task<Sample> ReadAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", scrapeToken);
        var text = await http.GetStringAsync("/metrics", cancellationToken);
        return new Sample(
            Value(text, "process_cpu_seconds_total"),
            Value(text, "dispatch_video_frames_received_total"),
            Value(text, "dispatch_video_frames_sent_total"),
            Value(text, "dispatch_video_frames_dropped_total"),
            Value(text, "dispatch_video_sent_bytes_total"));
    }

    /// <summary>The sum of a metric's samples (every label set); 0 when it has none yet.</summary>
    internal static double Value(string exposition, string name)
    {
        var total = 0.0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{'
                && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                total += value;
            }
        }

        return total;
    }

    public sealed record Sample(double CpuSeconds, double FramesReceived, double FramesSent, double FramesDropped, double BytesSent);
}

/// <summary>One tile over a phase: its rate and its glass-to-glass latencies (ms).</summary>
public sealed record TileFigures(string CameraId, string State, double Fps, IReadOnlyList<double> LatenciesMs);

/// <summary>One phase: tiles, host and gateway CPU (cores: 1.0 is one core busy), the host's frame counters per second.</summary>
public sealed record PhaseFigures(double Seconds, IReadOnlyList<TileFigures> Tiles, double HostCores, double GatewayCores,
    double FramesInPerSecond, double FramesOutPerSecond, double FramesDropped, double SentKbPerSecond, double MachineCores = double.NaN)
{
    /// <summary>
    /// What the rest of the machine took besides host and gateway: the pages' Chromium processes and this benchmark.
    /// On one machine the viewers compete with the host they measure.
    /// </summary>
    public double PagesCores => MachineCores - HostCores - GatewayCores;

    public double Percentile(double p)
    {
        var all = Tiles.SelectMany(t => t.LatenciesMs).Order().ToArray();
        return all.Length == 0 ? double.NaN : all[Math.Clamp((int)Math.Ceiling(p * all.Length) - 1, 0, all.Length - 1)];
    }

    public double MinFps => Tiles.Count == 0 ? double.NaN : Tiles.Min(t => t.Fps);

    public double MedianFps => Tiles.Count == 0 ? double.NaN : Tiles.Select(t => t.Fps).Order().ElementAt(Tiles.Count / 2);
}

/// <summary>The run's figures, and the host CPU per camera and per viewer derived from the phases.</summary>
public sealed record VideoBenchResult(
    VideoBenchOptions Options, PhaseFigures Idle, PhaseFigures OnePerCamera, PhaseFigures Full, string LoadAverage,
    PhaseFigures? SocketsOnePerCamera = null, PhaseFigures? SocketsFull = null)
{
    /// <summary>
    /// What one more viewer of an already live camera costs the host (cores): from the socket phases when there are
    /// (no browser competes with the host there), else from the page phases.
    /// </summary>
    public double HostCoresPerViewer => Options.Viewers <= Options.Cameras
        ? double.NaN
        : SocketsOnePerCamera is { } one && SocketsFull is { } all
            ? (all.HostCores - one.HostCores) / (Options.Viewers - Options.Cameras)
            : (Full.HostCores - OnePerCamera.HostCores) / (Options.Viewers - Options.Cameras);

    /// <summary>What one live camera costs the host without its viewers' share (cores); with one viewer each when per-viewer is unknown.</summary>
    public double HostCoresPerCamera =>
        ((SocketsOnePerCamera ?? OnePerCamera).HostCores - Idle.HostCores - (double.IsNaN(HostCoresPerViewer) ? 0 : HostCoresPerViewer * Options.Cameras)) / Options.Cameras;

    /// <summary>The machine was busy for at least 90 % of its cores in the full phase: the pages competed with the host.</summary>
    public bool SaturatedWhenFull => Full.MachineCores >= 0.9 * Environment.ProcessorCount;

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"cameras={Options.Cameras} viewers={Options.Viewers} pages={Options.Pages} fps={Options.Fps} size={Options.WidthPx}x{Options.HeightPx} seconds={Full.Seconds:F0} "
        + $"g2g_p50_ms={Full.Percentile(0.5):F0} g2g_p95_ms={Full.Percentile(0.95):F0} g2g_p99_ms={Full.Percentile(0.99):F0} g2g_max_ms={Full.Percentile(1):F0} "
        + $"one_per_camera_g2g_p95_ms={OnePerCamera.Percentile(0.95):F0} viewer_fps_min={Full.MinFps:F2} viewer_fps_median={Full.MedianFps:F2} one_per_camera_fps_min={OnePerCamera.MinFps:F2} "
        + $"host_dropped_frames={Full.FramesDropped:F0} host_cpu_idle_pct={Idle.HostCores * 100:F1} host_cpu_one_per_camera_pct={OnePerCamera.HostCores * 100:F1} "
        + $"host_cpu_full_pct={Full.HostCores * 100:F1} host_cpu_per_camera_pct={HostCoresPerCamera * 100:F2} host_cpu_per_viewer_pct={HostCoresPerViewer * 100:F2} "
        + $"gateway_cpu_full_pct={Full.GatewayCores * 100:F1} pages_cpu_full_pct={Full.PagesCores * 100:F1} machine_cpu_full_pct={Full.MachineCores * 100:F1} "
        + $"{SocketsSummary()}sent_kb_per_s={Full.SentKbPerSecond:F0} load_avg={LoadAverage.Replace(' ', '/')}");

    private string SocketsSummary() => SocketsFull is { } sockets
        ? string.Create(CultureInfo.InvariantCulture,
            $"socket_g2s_p50_ms={sockets.Percentile(0.5):F0} socket_g2s_p95_ms={sockets.Percentile(0.95):F0} socket_g2s_p99_ms={sockets.Percentile(0.99):F0} socket_fps_min={sockets.MinFps:F2} host_cpu_sockets_full_pct={sockets.HostCores * 100:F1} ")
        : "";

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine("# Live video benchmark").AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{Options.Cameras} synthetic cameras on one gateway ({Options.CameraFps} fps captured), tiles at {Options.Fps} fps {Options.WidthPx}x{Options.HeightPx}, {Options.DurationSeconds:0.#} s per phase, load average at the end {LoadAverage}.")).AppendLine();
        text.AppendLine("| phase | tiles | g2g p50 ms | g2g p95 ms | g2g p99 ms | tile fps min / median | host frames in/s, out/s | dropped | host CPU % | gateway CPU % | pages + bench CPU % | machine CPU % | sent KB/s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var phases = new List<(string, PhaseFigures)> { ("nobody watching", Idle), ("one tile per camera", OnePerCamera), ("all viewers", Full) };
        if (SocketsOnePerCamera is { } socketsOne && SocketsFull is { } socketsAll)
        {
            phases.Add(("socket viewers, one per camera ¹", socketsOne));
            phases.Add(("socket viewers, all ¹", socketsAll));
        }

        foreach (var (name, phase) in phases)
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {phase.Tiles.Count} | {Figure(phase.Percentile(0.5), "F0")} | {Figure(phase.Percentile(0.95), "F0")} | {Figure(phase.Percentile(0.99), "F0")} | {Figure(phase.MinFps, "F2")} / {Figure(phase.MedianFps, "F2")} | {phase.FramesInPerSecond:F1}, {phase.FramesOutPerSecond:F1} | {phase.FramesDropped:F0} | {phase.HostCores * 100:F1} | {phase.GatewayCores * 100:F1} | {Figure(phase.PagesCores * 100, "F1")} | {Figure(phase.MachineCores * 100, "F1")} | {phase.SentKbPerSecond:F0} |"));
        }

        if (SocketsFull is not null)
        {
            text.AppendLine().AppendLine(
                "¹ Plain WebSocket clients in the benchmark's process with the pages closed: latency is capture at the gateway to receipt by the socket (no decode, no drawing).");
        }

        text.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Host CPU per live camera: {HostCoresPerCamera * 100:F2} % of a core; per viewer: {HostCoresPerViewer * 100:F2} % of a core (machine: {Environment.ProcessorCount} cores, 100 % is one)."));
        if (SaturatedWhenFull)
        {
            text.AppendLine().AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"The machine was saturated in the full phase ({Full.MachineCores * 100:F0} % of {Environment.ProcessorCount * 100} %, the pages and this benchmark {Full.PagesCores * 100:F0} %): the viewers' browsers competed with the host for the same cores, so the full phase's latency and tile rate measure this machine running {Options.Pages} browser{(Options.Pages == 1 ? "" : "s")}{(SocketsFull is null ? ", and the per-viewer cost is not separable here" : "; the socket phases measure the host without them, and the per-viewer and per-camera costs come from those")}."));
        }

        return text.ToString();
    }

    private static string Figure(double value, string format) =>
        double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>The whole machine's busy CPU from /proc/stat (every process: host, gateway, the pages' browsers, this benchmark).</summary>
public static class MachineCpu
{
    /// <summary>Busy and total jiffies summed over all cores; zeros where /proc/stat is missing.</summary>
    public static (long Busy, long Total) Read()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return (0, 0);
        }

        var line = File.ReadLines(path).First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        return Parse(line);
    }

    /// <summary>"cpu user nice system idle iowait irq softirq steal ...": idle and iowait are not busy.</summary>
    public static (long Busy, long Total) Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        return (total - idle, total);
    }

    /// <summary>Busy cores over the interval: the busy share of all jiffies times the number of cores.</summary>
    public static double BusyCores((long Busy, long Total) before, (long Busy, long Total) after, double seconds)
    {
        var total = after.Total - before.Total;
        return total <= 0 || seconds <= 0 ? double.NaN : (double)(after.Busy - before.Busy) / total * Environment.ProcessorCount;
    }
}

/// <summary>Where a phase's tiles are: marked at its start, read at its end.</summary>
internal interface ITileSource
{
    Task MarkAsync();

    Task<List<TileFigures>> SinceMarkAsync(double seconds);
}

/// <summary>The tiles of Chromium pages (video.js keeps each tile's frames and glass-to-glass latencies).</summary>
internal sealed class PageTiles(IReadOnlyList<IPage> pages) : ITileSource
{
    private readonly List<JsonElement> _marks = [];

    public async Task MarkAsync()
    {
        _marks.Clear();
        foreach (var page in pages)
        {
            _marks.Add(await page.EvaluateAsync<JsonElement>("() => window.dispatchVideo.stats().map(t => ({ frames: t.frames, latencies: t.latencies.length }))"));
        }
    }

    public async Task<List<TileFigures>> SinceMarkAsync(double seconds)
    {
        var tiles = new List<TileFigures>();
        for (var p = 0; p < pages.Count; p++)
        {
            var stats = await pages[p].EvaluateAsync<JsonElement>("() => window.dispatchVideo.stats()");
            var mark = _marks[p];
            var k = 0;
            foreach (var tile in stats.EnumerateArray())
            {
                var (framesBefore, latenciesBefore) = k < mark.GetArrayLength()
                    ? (mark[k].GetProperty("frames").GetInt64(), mark[k].GetProperty("latencies").GetInt32())
                    : (0L, 0);
                var latencies = tile.GetProperty("latencies").EnumerateArray().Skip(latenciesBefore).Select(l => l.GetDouble()).ToArray();
                tiles.Add(new TileFigures(tile.GetProperty("cameraId").GetString()!, tile.GetProperty("state").GetString()!,
                    (tile.GetProperty("frames").GetInt64() - framesBefore) / seconds, latencies));
                k++;
            }
        }

        return tiles;
    }
}

/// <summary>Socket viewers of this process.</summary>
internal sealed class SocketTiles(IReadOnlyList<SocketViewer> viewers) : ITileSource
{
    private readonly List<(long Frames, int Latencies)> _marks = [];

    public Task MarkAsync()
    {
        _marks.Clear();
        _marks.AddRange(viewers.Select(v => v.Mark()));
        return Task.CompletedTask;
    }

    public Task<List<TileFigures>> SinceMarkAsync(double seconds) =>
        Task.FromResult(viewers.Select((v, i) => v.Since(_marks[i], seconds)).ToList());
}

/// <summary>
/// A viewer without a browser: the tile's WebSocket (`/api/video/live/{camera}`, signed in with a bearer token), reading
/// every frame and recording how long after its capture at the gateway it arrived (the frame header's capture time).
/// </summary>
internal sealed class SocketViewer : IAsyncDisposable
{
    private const int HeaderBytes = 32;
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<double> _latencies = [];
    private long _frames;
    private string _state = "starting";
    private Task _reading = Task.CompletedTask;

    private SocketViewer(string cameraId) => CameraId = cameraId;

    public string CameraId { get; }

    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Opens one viewer per camera listed (a camera listed twice gets two) and waits for each one's first frame.</summary>
    public static async Task<IReadOnlyList<SocketViewer>> OpenAllAsync(Uri web, string token, IReadOnlyList<string> cameras, VideoBenchOptions options, CancellationToken cancellationToken)
    {
        var opened = new List<SocketViewer>();
        foreach (var camera in cameras)
        {
            var viewer = new SocketViewer(camera);
            opened.Add(viewer);
            var query = string.Create(CultureInfo.InvariantCulture, $"fps={options.Fps}&width={options.WidthPx}&height={options.HeightPx}");
            var uri = new Uri($"ws://{web.Authority}/api/video/live/{Uri.EscapeDataString(camera)}?{query}");
            viewer._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
            await viewer._socket.ConnectAsync(uri, cancellationToken);
            viewer._reading = viewer.ReadAsync();
        }

        var until = Stopwatch.StartNew();
        while (opened.Any(v => v.Frames == 0))
        {
            if (until.Elapsed > TimeSpan.FromSeconds(60))
            {
                var waiting = opened.Where(v => v.Frames == 0).Select(v => $"{v.CameraId} ({v._state})");
                throw new TimeoutException($"no frame after 60 s on socket viewers of {string.Join(", ", waiting)}");
            }

            await Task.Delay(100, cancellationToken);
        }

        return opened;
    }

    public (long Frames, int Latencies) Mark()
    {
        lock (_lock)
        {
            return (_frames, _latencies.Count);
        }
    }

    public TileFigures Since((long Frames, int Latencies) mark, double seconds)
    {
        lock (_lock)
        {
            return new TileFigures(CameraId, _state, (_frames - mark.Frames) / seconds, _latencies.Skip(mark.Latencies).ToArray());
        }
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _state = "closed";
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    using var message = JsonDocument.Parse(buffer.AsMemory(0, length));
                    _state = message.RootElement.TryGetProperty("state", out var state) ? state.GetString() ?? _state
                        : message.RootElement.TryGetProperty("type", out var type) ? type.GetString() ?? _state : _state;
                    continue;
                }

                if (length >= HeaderBytes)
                {
                    var capturedAtMs = BinaryPrimitives.ReadDoubleLittleEndian(buffer.AsSpan(4, 8));
                    var latency = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - capturedAtMs;
                    lock (_lock)
                    {
                        _frames++;
                        _latencies.Add(latency);
                    }
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            _state = "closed";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _socket.Abort();
        _socket.Dispose();
        _stop.Dispose();
    }
}
