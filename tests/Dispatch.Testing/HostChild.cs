using System.Diagnostics;

namespace Dispatch.Testing;

/// <summary>
/// The built host (Dispatch.Server.dll of the tests' configuration) as a child process with the given settings as
/// command-line arguments, for tests that need what an in-process host cannot give: a kill -9, a restart on the same
/// files. Ready when /health/ready answers 200. Disposing kills it if it still runs.
/// </summary>
public sealed class HostChild : IAsyncDisposable
{
    private const int KeptOutputLines = 60;

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private HostChild(Process process, Uri web)
    {
        _process = process;
        Web = web;
    }

    /// <summary>The web endpoint (Kestrel:Endpoints:Web:Url).</summary>
    public Uri Web { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the host in <paramref name="workingDirectory"/> and waits until it is ready.</summary>
    public static async Task<HostChild> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string?> settings, TimeSpan readyWithin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var web = settings.TryGetValue("Kestrel:Endpoints:Web:Url", out var url) && url is not null
            ? new Uri(url)
            : throw new ArgumentException("settings need Kestrel:Endpoints:Web:Url", nameof(settings));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepositoryPaths.BuiltAssembly("Dispatch.Server"));
        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                start.ArgumentList.Add($"--{key}={value}");
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var host = new HostChild(process, web);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitReadyAsync(readyWithin, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a power cut or the OOM killer ends a process: no shutdown code runs.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>The host's last lines of output, for failure messages.</summary>
    public string Output()
    {
        lock (_output)
        {
            return string.Join(Environment.NewLine, _output);
        }
    }

    private async Task WaitReadyAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the host exited ({_process.ExitCode}) before it was ready:{Environment.NewLine}{Output()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Web, "/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (Stopwatch.GetElapsedTime(started) > within)
            {
                throw new TimeoutException($"{Web}health/ready did not answer 200 within {within.TotalSeconds:F0} s:{Environment.NewLine}{Output()}");
            }

            await Task.Delay(200, cancellationToken);
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
            // Already gone, or left for the system to reap.
        }

        _process.Dispose();
    }
}
