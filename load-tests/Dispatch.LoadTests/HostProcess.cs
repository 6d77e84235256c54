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

/// <summary>
/// The real host (the built Dispatch.Server.dll) as a child process on free 127.0.0.1 ports, with its own temporary
/// data directory (SQLite grain state, alert archive), the run's city file, the run's gateways with a fresh
/// credential, and alert correlation and cooldown off so every alert opens its own incident. It is ready when
/// /health/ready answers, which is after the city is seeded into the grains. Disposing kills it and deletes the directory.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 40;

    private readonly Process _process;
    private readonly string _directory;
    private readonly Queue<string> _output = new();

    private HostProcess(Process process, string directory, HostEndpoints endpoints)
    {
        _process = process;
        _directory = directory;
        Endpoints = endpoints;
    }

    public HostEndpoints Endpoints { get; }

    public int ProcessId => _process.Id;

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
        var dll = FindHostDll(options.HostDll);
        var directory = options.DataDirectory is null
            ? Directory.CreateTempSubdirectory("dispatch-load-host-").FullName
            : Directory.CreateDirectory(Path.Combine(options.DataDirectory, "dispatch-load-host-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var cityPath = Path.Combine(directory, "city.geojson");
        await File.WriteAllTextAsync(cityPath, CityGeoJson.Write(world.City), Encoding.UTF8, cancellationToken);

        var webPort = InProcessEngine.FreePort();
        var grpcPort = InProcessEngine.FreePort();
        var credential = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

        // The driver signs in like any client: a bootstrap account for this run (operator, and officer of every unit).
        const string Account = "load-driver";
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var scrapeToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        var env = start.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Kestrel__Endpoints__Web__Url"] = $"http://127.0.0.1:{webPort}";
        env["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}";
        env["Dispatch__Silo__SiloPort"] = Text(InProcessEngine.FreePort());
        env["Dispatch__Silo__GatewayPort"] = Text(InProcessEngine.FreePort());
        env["Dispatch__Silo__ClusterId"] = "load-" + Guid.NewGuid().ToString("N")[..8];
        env["Dispatch__Storage__SqlitePath"] = Path.Combine(directory, "data", "dispatch.db");
        env["Dispatch__City__Path"] = cityPath;

        // Every alert opens its own incident, so each one asks for an assignment: the correlation and cooldown
        // lookups still run, they just never match.
        env["Dispatch__Alerts__CooldownSeconds"] = "0";
        env["Dispatch__Alerts__CorrelationDistanceMeters"] = "0";
        env["Dispatch__Alerts__CorrelationWindowSeconds"] = "0";
        env["Dispatch__Alerts__MaxUnacknowledgedAlerts"] = "1000";
        foreach (var gateway in world.Gateways)
        {
            env[$"Dispatch__Gateways__{gateway}__Credential"] = credential;
        }

        env[$"Dispatch__Security__SeedAccounts__{Account}__Password"] = password;
        env[$"Dispatch__Security__SeedAccounts__{Account}__Roles"] = "operator,officer";
        env[$"Dispatch__Security__SeedAccounts__{Account}__Units"] = "*";
        env["Dispatch__Metrics__ScrapeToken"] = scrapeToken;

        env["Logging__LogLevel__Default"] = "Warning";
        env["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        env["Logging__LogLevel__Orleans"] = "Error";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"cannot start 'dotnet {dll}': {exception.Message}", exception);
        }

        var host = new HostProcess(process, directory, new HostEndpoints(
            new Uri($"http://127.0.0.1:{webPort}"), new Uri($"http://127.0.0.1:{grpcPort}"), credential, Account, password, scrapeToken));
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Seeding registers every unit and camera in SQLite-backed grains before the ports open: allow for it.
            var readyWithin = TimeSpan.FromSeconds(Math.Min(1800, 90 + ((world.City.Units.Count + world.City.Cameras.Count) / 100.0)));
            await WaitReadyAsync(host.Endpoints.Web, readyWithin, () => process.HasExited, host.Output, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
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

    private string Output()
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
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the temporary directory is cleaned by the system later.
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
