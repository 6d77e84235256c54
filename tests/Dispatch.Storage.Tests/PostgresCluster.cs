using System.Diagnostics;
using System.Globalization;
using Dispatch.Testing;
using Npgsql;

namespace Dispatch.Storage.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster for the class (Debian's postgresql package, which ./dispatch.sh test installs):
/// initdb in a temporary directory (as the 'postgres' user when the tests run as root, since initdb refuses root),
/// started on a free loopback port without durability, stopped and deleted at the end. Each test takes a database of its own.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private string _directory = "";
    private string _pgCtl = "";
    private string? _user;
    private int _port;
    private int _databases;

    public async ValueTask InitializeAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).Select(d => Path.Combine(d, "bin")).FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): install the Debian package 'postgresql' (./dispatch.sh test does)");
        }

        _pgCtl = Path.Combine(bin, "pg_ctl");
        _user = Environment.UserName == "root" ? "postgres" : null;
        _directory = Directory.CreateTempSubdirectory("dispatch-storage-pg-").FullName;
        if (_user is not null)
        {
            await RunAsync("chown", [_user, _directory], null);
        }

        _port = TestPorts.GetFreeTcpPort();
        var data = Path.Combine(_directory, "data");
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], _user);
        await RunAsync(_pgCtl,
        [
            "-D", data, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start",
            "-o", $"-p {_port.ToString(CultureInfo.InvariantCulture)} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        ], _user);
    }

    /// <summary>A new empty database; its connection string.</summary>
    public async Task<string> NewDatabaseAsync()
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref _databases)}");
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsync(_pgCtl, ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"], _user);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database};Pooling=true");

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, string? asUser)
    {
        var start = new ProcessStartInfo(asUser is null ? file : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asUser is not null)
        {
            foreach (var part in new[] { "-u", asUser, "--", file })
            {
                start.ArgumentList.Add(part);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }
}
