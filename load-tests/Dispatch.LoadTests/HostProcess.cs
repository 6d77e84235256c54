using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Dispatch.Domain.City;

namespace Dispatch.LoadTests;

/// <summary>
/// Where the host under load listens and how the driver authenticates: its gateways' credential, the account its
/// terminals and city reader sign in with (an officer for any unit and an operator), and the /metrics scrape token.
/// </summary>
public sealed record HostEndpoints(Uri Web, Uri Grpc, string GatewayCredential, string Account, string Password, string ScrapeToken)
{
    /// <summary>A bearer token of <see cref="Account"/> (POST /api/auth/token), as any program signs in.</summary>
    public async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync(new Uri(Web, "/api/auth/token"), new { username = Account, password = Password }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"account '{Account}' was refused a token by {Web}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return answer.RootElement.GetProperty("accessToken").GetString() ?? throw new InvalidOperationException($"{Web} answered no token");
    }
}

/// <summary>The secrets a run gives its hosts: the gateways' credential, the driver's account password, the /metrics scrape token.</summary>
public sealed record HostSecrets(string GatewayCredential, string Password, string ScrapeToken)
{
    /// <summary>The bootstrap account the driver signs in with (operator, and officer of every unit).</summary>
    public const string Account = "load-driver";

    public static HostSecrets New() => new(Secret(), Secret(), Secret());

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}

/// <summary>How to start one host, and start it again on the same ports and files: the built dll, its folder, its environment, where it listens.</summary>
public sealed record HostLaunch(string Dll, string Directory, IReadOnlyDictionary<string, string> Environment, HostEndpoints Endpoints, TimeSpan ReadyWithin);

/// <summary>
/// The real host (the built Dispatch.Server.dll) as a child process on free 127.0.0.1 ports, with its own temporary
/// data directory (SQLite grain state, alert archive), the run's city file, the run's gateways with a fresh
/// credential, and alert correlation and cooldown off so every alert opens its own incident. It is ready when
/// /health/ready answers, which is after the city is seeded into the grains. Disposing kills it and deletes the
/// directory (when this host owns it; a cluster member's folder belongs to its cluster).
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 40;

    private readonly Process _process;
    private readonly string _directory;
    private readonly bool _ownsDirectory;
    private readonly Queue<string> _output = new();

    private HostProcess(Process process, HostLaunch launch, bool ownsDirectory)
    {
        _process = process;
        _directory = launch.Directory;
        _ownsDirectory = ownsDirectory;
        Launch = launch;
    }

    /// <summary>How this host was started (to start it again).</summary>
    public HostLaunch Launch { get; }

    public HostEndpoints Endpoints => Launch.Endpoints;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The host's SQLite file (grain state and incident record).</summary>
    public string DatabasePath => Path.Combine(_directory, "data", "dispatch.db");

    /// <summary>The host's alert archive, beside the database.</summary>
    public string ArchivePath => Path.Combine(_directory, "data", "alerts.db");

    /// <summary>The built host beside the sources: src/Dispatch.Server/bin/{this build's configuration}/net10.0, else the other configuration.</summary>
    public static string FindHostDll(string? given)
    {
        if (given is not null)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new ArgumentException($"option --host-dll: no file at '{given}'");
        }

        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = baseDirectory.Name;
        var configuration = baseDirectory.Parent?.Name ?? "Release";
        for (var dir = baseDirectory; dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Dispatch.sln")))
            {
                continue;
            }

            foreach (var config in new[] { configuration, configuration == "Release" ? "Debug" : "Release" })
            {
                var candidate = Path.Combine(dir.FullName, "src", "Dispatch.Server", "bin", config, framework, "Dispatch.Server.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException(
                $"Dispatch.Server.dll is not built under {Path.Combine(dir.FullName, "src", "Dispatch.Server", "bin")}; run 'dotnet build src/Dispatch.Server -c Release' or pass --host-dll");
        }

        throw new InvalidOperationException($"no Dispatch.sln above {AppContext.BaseDirectory}; pass --host-dll PATH");
    }

    public static async Task<HostProcess> StartAsync(World world, LoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(options);
        var directory = NewDirectory(options, "dispatch-load-host-");
        try
        {
            var cityPath = Path.Combine(directory, "city.geojson");
            await File.WriteAllTextAsync(cityPath, CityGeoJson.Write(world.City), Encoding.UTF8, cancellationToken);
            var launch = Prepare(world, options, directory, cityPath, "load-" + Guid.NewGuid().ToString("N")[..8], HostSecrets.New(), extra: null);
            return await LaunchAsync(launch, ownsDirectory: true, cancellationToken);
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
    }

    /// <summary>A fresh folder for a run's files under --data-dir or the system's temporary directory.</summary>
    public static string NewDirectory(LoadOptions options, string prefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DataDirectory is null
            ? Directory.CreateTempSubdirectory(prefix).FullName
            : Directory.CreateDirectory(Path.Combine(options.DataDirectory, prefix + Guid.NewGuid().ToString("N")[..8])).FullName;
    }

    /// <summary>
    /// How a host of this run starts: free 127.0.0.1 ports, its files under <paramref name="directory"/>, the city,
    /// every gateway's credential and the driver's account from <paramref name="secrets"/>, correlation and cooldown
    /// off; <paramref name="extra"/> settings (environment names, e.g. <c>Dispatch__Silo__Membership</c>) on top.
    /// </summary>
    public static HostLaunch Prepare(
        World world, LoadOptions options, string directory, string cityPath, string clusterId, HostSecrets secrets, IReadOnlyDictionary<string, string>? extra)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(secrets);
        var dll = FindHostDll(options.HostDll);
        var webPort = InProcessEngine.FreePort();
        var grpcPort = InProcessEngine.FreePort();
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__Web__Url"] = $"http://127.0.0.1:{Text(webPort)}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{Text(grpcPort)}",
            ["Dispatch__Silo__SiloPort"] = Text(InProcessEngine.FreePort()),
            ["Dispatch__Silo__GatewayPort"] = Text(InProcessEngine.FreePort()),
            ["Dispatch__Silo__ClusterId"] = clusterId,
            ["Dispatch__Storage__SqlitePath"] = Path.Combine(directory, "data", "dispatch.db"),
            ["Dispatch__City__Path"] = cityPath,

            // Every alert opens its own incident, so each one asks for an assignment: the correlation and cooldown
            // lookups still run, they just never match.
            ["Dispatch__Alerts__CooldownSeconds"] = "0",
            ["Dispatch__Alerts__CorrelationDistanceMeters"] = "0",
            ["Dispatch__Alerts__CorrelationWindowSeconds"] = "0",
            ["Dispatch__Alerts__MaxUnacknowledgedAlerts"] = "1000",

            // The driver signs in like any client: a bootstrap account for this run (operator, and officer of every unit).
            [$"Dispatch__Security__SeedAccounts__{HostSecrets.Account}__Password"] = secrets.Password,
            [$"Dispatch__Security__SeedAccounts__{HostSecrets.Account}__Roles"] = "operator,officer",
            [$"Dispatch__Security__SeedAccounts__{HostSecrets.Account}__Units"] = "*",
            ["Dispatch__Metrics__ScrapeToken"] = secrets.ScrapeToken,

            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Error",
        };
        foreach (var gateway in world.Gateways)
        {
            env[$"Dispatch__Gateways__{gateway}__Credential"] = secrets.GatewayCredential;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        // Seeding registers every unit and camera in the grains before the ports open: allow for it.
        var readyWithin = TimeSpan.FromSeconds(Math.Min(1800, 90 + ((world.City.Units.Count + world.City.Cameras.Count) / 100.0)));
        var endpoints = new HostEndpoints(new Uri($"http://127.0.0.1:{Text(webPort)}"), new Uri($"http://127.0.0.1:{Text(grpcPort)}"),
            secrets.GatewayCredential, HostSecrets.Account, secrets.Password, secrets.ScrapeToken);
        return new HostLaunch(dll, directory, env, endpoints, readyWithin);
    }

    /// <summary>Starts a host as <paramref name="launch"/> says and waits until it is ready; a host that exits or is not ready in time is killed.</summary>
    public static async Task<HostProcess> LaunchAsync(HostLaunch launch, bool ownsDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = launch.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(launch.Dll);
        foreach (var (key, value) in launch.Environment)
        {
            start.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"cannot start 'dotnet {launch.Dll}': {exception.Message}", exception);
        }

        var host = new HostProcess(process, launch, ownsDirectory);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitReadyAsync(launch.Endpoints.Web, launch.ReadyWithin, () => process.HasExited, host.Output, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a power cut or the OOM killer ends a process: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>
    /// SIGTERM, as an operator or an orchestrator stops a host: it shuts down in order. Waits up to
    /// <paramref name="within"/> for it to exit; returns false (and kills it) if it did not.
    /// </summary>
    public async Task<bool> TerminateAsync(TimeSpan within)
    {
        if (_process.HasExited)
        {
            return true;
        }

        using (var kill = Process.Start("kill", ["-TERM", Text(_process.Id)]) ?? throw new InvalidOperationException("kill did not start"))
        {
            await kill.WaitForExitAsync(CancellationToken.None);
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return false;
        }
    }

    /// <summary>Polls /health/ready until it answers 200; fails with the host's last output if it exits or takes too long.</summary>
    public static async Task WaitReadyAsync(Uri web, TimeSpan within, Func<bool> exited, Func<string> output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(web);
        ArgumentNullException.ThrowIfNull(exited);
        ArgumentNullException.ThrowIfNull(output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (exited())
            {
                throw new InvalidOperationException($"the host exited before it was ready:{Environment.NewLine}{output()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(web, "/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet (the city is being seeded).
            }

            if (Stopwatch.GetElapsedTime(started) > within)
            {
                throw new TimeoutException($"{web}health/ready did not answer 200 within {within.TotalSeconds:F0} s:{Environment.NewLine}{output()}");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > KeptOutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>The host's last lines of output, for error messages.</summary>
    public string Output()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or will be reaped by the system.
        }
        finally
        {
            _process.Dispose();
            if (_ownsDirectory)
            {
                TryDelete(_directory);
            }
        }
    }

    /// <summary>Deletes a run's folder; one still held open is left for the system's temporary-file cleaning.</summary>
    public static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file still held open (or owned by the database's user); the system cleans its temporary directory later.
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
