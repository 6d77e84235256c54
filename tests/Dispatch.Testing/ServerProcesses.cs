using System.Diagnostics;

namespace Dispatch.Testing;

/// <summary>Runs Debian's database programs for tests, as the 'postgres' user when the tests run as root (initdb refuses root).</summary>
internal static class ServerProcesses
{
    public static string? UnprivilegedUser => Environment.UserName == "root" ? "postgres" : null;

    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments, CancellationToken cancellationToken, string? asUser = null)
    {
        using var process = Start(file, arguments, asUser);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }

    public static Process Start(string file, IEnumerable<string> arguments, string? asUser = null)
    {
        var start = new ProcessStartInfo(asUser is null ? file : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is not null)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(asUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(file);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{file} is not installed ({exception.Message}); ./dispatch.sh test installs it", exception);
        }
    }

    /// <summary>The newest PostgreSQL's programs folder of Debian's layout.</summary>
    public static string PostgresBin()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException($"PostgreSQL is not installed (no initdb under {root}); ./dispatch.sh test installs postgresql");
    }
}

/// <summary>
/// A throwaway PostgreSQL server from Debian's packages: initdb in a temporary folder owned by an unprivileged user,
/// listening on 127.0.0.1 on a free port, durable as a real one (fsync on) unless asked otherwise. Stopped and
/// deleted on dispose. Stop and start again to test what survives a database restart.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;
    private readonly string? _user;
    private readonly bool _durable;

    private PostgresServer(string directory, string bin, string? user, int port, bool durable)
    {
        _directory = directory;
        _bin = bin;
        _user = user;
        Port = port;
        _durable = durable;
    }

    public int Port { get; }

    private string Data => Path.Combine(_directory, "data");

    /// <summary>Creates and starts a server; <paramref name="durable"/> false turns fsync off for speed where a crash of the machine is not the test.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken, bool durable = false)
    {
        var bin = ServerProcesses.PostgresBin();
        var user = ServerProcesses.UnprivilegedUser;
        var directory = Directory.CreateTempSubdirectory("dispatch-pg-").FullName;
        if (user is not null)
        {
            await ServerProcesses.RunAsync("chown", [user, directory], cancellationToken);
        }

        var server = new PostgresServer(directory, bin, user, TestPorts.GetFreeTcpPort(), durable);
        try
        {
            await ServerProcesses.RunAsync(Path.Combine(bin, "initdb"), ["-D", server.Data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], cancellationToken, user);
            await server.StartAgainAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An Npgsql connection string to <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={LoopbackHostSettings.Text(Port)};Username=postgres;Database={database};Maximum Pool Size=32";

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await ServerProcesses.RunAsync(Path.Combine(_bin, "createdb"), ["-h", "127.0.0.1", "-p", LoopbackHostSettings.Text(Port), "-U", "postgres", name], cancellationToken);
        return ConnectionString(name);
    }

    /// <summary>Stops the server at once (as a crash would: no checkpoint); connections in use fail.</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        ServerProcesses.RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"], cancellationToken, _user);

    /// <summary>Starts the stopped server again on the same port and files.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken)
    {
        var settings = $"-p {LoopbackHostSettings.Text(Port)} -k {_directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
            + (_durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        return ServerProcesses.RunAsync(Path.Combine(_bin, "pg_ctl"),
            ["-D", Data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start", "-o", settings], cancellationToken, _user);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Not running (never started, or stopped by the test).
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the system's temp cleaning.
        }
    }
}

/// <summary>A throwaway redis-server from Debian's packages on 127.0.0.1 and a free port, nothing saved to disk; killed on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{LoopbackHostSettings.Text(Port)}";

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken)
    {
        var port = TestPorts.GetFreeTcpPort();
        var process = ServerProcesses.Start("redis-server",
            ["--port", LoopbackHostSettings.Text(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]);
        process.StandardOutput.ReadToEndAsync(CancellationToken.None).Ignore();
        process.StandardError.ReadToEndAsync(CancellationToken.None).Ignore();
        var server = new RedisServer(process, port);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited ({process.ExitCode}) on port {port}");
            }

            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                return server;
            }
            catch (System.Net.Sockets.SocketException) when (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }
}

internal static class TaskExtensions
{
    /// <summary>Observes a task nobody awaits (a child's output drained to nowhere).</summary>
    public static void Ignore(this Task task) => task.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
}
