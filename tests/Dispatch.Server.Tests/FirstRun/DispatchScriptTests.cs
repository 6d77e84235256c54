using System.Diagnostics;
using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.FirstRun;

/// <summary>./dispatch.sh as a new user meets it: apt busy elsewhere, Ctrl+C on a running service, logs of the last run.</summary>
public sealed class DispatchScriptTests
{
    private static readonly string Script = Path.Combine(RepositoryPaths.Root, "dispatch.sh");

    [Fact]
    public async Task Package_lists_locked_by_another_apt_run_are_waited_for_not_failed_on()
    {
        using var apt = new AptSandbox();
        await using var holder = await LockHolder.HoldAsync(apt.ListsLock, seconds: 3);

        var (exitCode, output, elapsed) = await apt.RunAsync("apt_get update -qq");

        Assert.True(exitCode == 0, output);
        Assert.True(elapsed >= TimeSpan.FromSeconds(2), $"returned after {elapsed.TotalSeconds:F1} s, before the lock was let go: {output}");
        Assert.Contains("another apt or dpkg run holds its lock; waiting for it", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dpkg_frontend_lock_held_by_another_run_is_waited_for_not_failed_on()
    {
        using var apt = new AptSandbox();
        await using var holder = await LockHolder.HoldAsync(apt.DpkgFrontendLock, seconds: 3);

        var (exitCode, output, elapsed) = await apt.RunAsync("apt_get check");

        Assert.True(exitCode == 0, output);
        Assert.True(elapsed >= TimeSpan.FromSeconds(2), $"returned after {elapsed.TotalSeconds:F1} s, before the lock was let go: {output}");
    }

    [Fact]
    public async Task Ctrl_C_on_run_stops_every_part_quietly_exits_0_and_keeps_the_previous_runs_logs()
    {
        using var dir = new TempDirectory("dispatch-run");
        var data = Path.Combine(dir.Path, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "gateway.log"), "the previous run's gateway log\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(data, "simulator.log"), "the previous run's simulator log\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(dir.File("city.geojson"), CityGeoJson.Write(LiveCluster.SmallCity(grids: 2)), TestContext.Current.CancellationToken);
        using var run = ScriptRun.Start(
            ["run", $"--Dispatch:City:Path={dir.File("city.geojson")}", $"--Dispatch:Silo:SiloPort={Port()}", $"--Dispatch:Silo:GatewayPort={Port()}", "--Dispatch:Roads:DemoSize=0.2"],
            new Dictionary<string, string> { ["DISPATCH_DATA"] = data, ["DISPATCH_WEB_PORT"] = Port(), ["DISPATCH_GRPC_PORT"] = Port() });
        try
        {
            // Stop it while the gateway's stream and the simulator's terminals are open, as a user would.
            await Until(() => run.Said().Contains("Simulator started", StringComparison.Ordinal), TimeSpan.FromSeconds(180), run.Said);
            await Until(() => Read(Path.Combine(data, "gateway.log")).Contains("connected to", StringComparison.Ordinal)
                && Read(Path.Combine(data, "simulator.log")).Contains("connected=", StringComparison.Ordinal), TimeSpan.FromSeconds(90),
                () => run.Said() + Read(Path.Combine(data, "gateway.log")) + Read(Path.Combine(data, "simulator.log")));

            // Ctrl+C in a terminal: SIGINT to the whole foreground process group.
            await run.SignalAsync("-INT");
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(90)), $"still stopping 90 s after Ctrl+C:\n{run.Said()}");
        }
        finally
        {
            await run.KillIfRunningAsync();
        }

        var said = run.Said();
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{said}");

        // What README says it prints is what it prints (host log lines aside; numbers, names and paths masked).
        var printed = said.Split('\n').Select(l => l.TrimEnd('\r'))
            .Where(l => !l.StartsWith("info:", StringComparison.Ordinal) && !l.StartsWith("warn:", StringComparison.Ordinal) && !l.StartsWith("      ", StringComparison.Ordinal))
            .SkipWhile(l => !l.StartsWith("Dispatch is up.", StringComparison.Ordinal))
            .TakeWhile(l => !l.StartsWith("Simulator started", StringComparison.Ordinal))
            .Concat(said.Split('\n').Where(l => l.StartsWith("Simulator started", StringComparison.Ordinal)).Take(1))
            .Select(Readme.Masked);
        Assert.Equal(Readme.BlockAfter("Once the host is ready it prints").Select(Readme.Masked), printed);
        Assert.Contains("Dispatch stopped.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("unbound variable", said, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
        var gatewayLog = Read(Path.Combine(data, "gateway.log"));
        Assert.Contains("asked to stop (Ctrl+C or TERM); stopping", gatewayLog, StringComparison.Ordinal);
        Assert.DoesNotContain("lost or refused", gatewayLog, StringComparison.Ordinal);
        Assert.Equal("the previous run's gateway log\n", Read(Path.Combine(data, "gateway.log.1")));
        Assert.Equal("the previous run's simulator log\n", Read(Path.Combine(data, "simulator.log.1")));
        Assert.Matches(@"(?m)^units=\d+ connected=0 ", Read(Path.Combine(data, "simulator.log")));
    }

    [Fact]
    public async Task Cluster_starts_postgres_redis_and_three_hosts_that_serve_one_board_and_Ctrl_C_stops_everything()
    {
        using var dir = new TempDirectory("dispatch-cluster-run");
        var data = Path.Combine(dir.Path, "data");
        var city = LiveCluster.SmallCity(grids: 2);
        await File.WriteAllTextAsync(dir.File("city.geojson"), CityGeoJson.Write(city), TestContext.Current.CancellationToken);
        // Base ports with room above them for hosts 2 and 3 (+10, +20; silos +1, +2).
        int web = SpacedPort(), grpc = SpacedPort();
        string pgPort = Port(), redisPort = Port();
        using var run = ScriptRun.Start(
            ["cluster", $"--Dispatch:City:Path={dir.File("city.geojson")}", "--Dispatch:Roads:DemoSize=0.2"],
            new Dictionary<string, string>
            {
                ["DISPATCH_DATA"] = data,
                ["DISPATCH_WEB_PORT"] = LoopbackHostSettings.Text(web),
                ["DISPATCH_GRPC_PORT"] = LoopbackHostSettings.Text(grpc),
                ["DISPATCH_SILO_PORT"] = LoopbackHostSettings.Text(SpacedPort()),
                ["DISPATCH_SILO_GATEWAY_PORT"] = LoopbackHostSettings.Text(SpacedPort()),
                ["DISPATCH_PG_PORT"] = pgPort,
                ["DISPATCH_REDIS_PORT"] = redisPort,
            });
        try
        {
            await Until(() => run.Said().Contains("Press Ctrl+C to stop.", StringComparison.Ordinal), TimeSpan.FromSeconds(240), run.Said);
            var gatewayLog = Path.Combine(data, "cluster", "gateway.log");
            await Until(() => Read(gatewayLog).Contains("connected to", StringComparison.Ordinal), TimeSpan.FromSeconds(90), () => run.Said() + Read(gatewayLog));

            // One cluster: an incident reported through host 1 is on host 3's board, and host 1's token is good on host 3.
            var accounts = DemoAccounts(Path.Combine(data, "cluster", "host-1", "demo-accounts.txt"));
            var token = await TestAccounts.FetchAsync(new Uri($"http://127.0.0.1:{web}"), "operator", accounts["operator"]);
            await using var reporter = await SignedInHubAsync(new Uri($"http://127.0.0.1:{web}"), token);
            var incidentId = await reporter.InvokeAsync<string>("ReportIncident", "robbery", 4, city.Center.Latitude, city.Center.Longitude, "cluster script test",
                TestContext.Current.CancellationToken);
            await using var watcher = await SignedInHubAsync(new Uri($"http://127.0.0.1:{web + 20}"), token);
            await Eventually.Get(
                () => watcher.InvokeAsync<Dispatch.Server.Live.OperationsSnapshot>("Subscribe", (string[]?)null, TestContext.Current.CancellationToken),
                s => s.Incidents.Any(i => i.IncidentId == incidentId), "the incident on host 3's board");

            await run.SignalAsync("-INT");
            // The script's own budget: 15 s for the simulator and gateway, 30 s for the hosts together, 10 s for Redis,
            // 40 s for PostgreSQL; the rest is slack for a busy machine.
            Assert.True(await run.WaitForExitAsync(TimeSpan.FromSeconds(150)),
                $"the cluster was still stopping 150 s after Ctrl+C:\n{run.Said()}\nhosts:\n{HostLogTails(data)}");
        }
        finally
        {
            await run.KillIfRunningAsync();
        }

        var said = run.Said();
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{said}\nhosts:\n{HostLogTails(data)}");
        Assert.Contains("Dispatch cluster is up", said, StringComparison.Ordinal);
        Assert.Contains($"Host 3: map http://localhost:{web + 20}/", said, StringComparison.Ordinal);
        Assert.Contains("Dispatch stopped.", said, StringComparison.Ordinal);
        Assert.DoesNotContain("unbound variable", said, StringComparison.Ordinal);

        // Nothing of it is left running: the database and Redis ports are free again.
        foreach (var port in new[] { pgPort, redisPort, LoopbackHostSettings.Text(web + 10) })
        {
            using var probe = new System.Net.Sockets.TcpClient();
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", int.Parse(port, CultureInfo.InvariantCulture), TestContext.Current.CancellationToken).AsTask());
        }
    }

    private static Dictionary<string, string> DemoAccounts(string path) => File.ReadAllLines(path)
        .Select(l => l.Split('\t'))
        .Where(f => f.Length >= 3 && f[0] == "account")
        .ToDictionary(f => f[1], f => f[2], StringComparer.Ordinal);

    private static async Task<HubConnection> SignedInHubAsync(Uri web, string token)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(web, Dispatch.Server.Live.OperationsHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        await hub.StartAsync(TestContext.Current.CancellationToken);
        return hub;
    }

    /// <summary>A free port whose next twenty are free too (the cluster's hosts count up from it).</summary>
    private static int SpacedPort()
    {
        while (true)
        {
            var port = TestPorts.GetFreeTcpPort();
            if (port < 60000 && Enumerable.Range(1, 20).All(IsFree))
            {
                return port;
            }

            bool IsFree(int offset)
            {
                try
                {
                    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port + offset);
                    listener.Start();
                    return true;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return false;
                }
            }
        }
    }

    private static string Port() => TestPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>dispatch.sh</c> started as a user would in a terminal: in a process group of its own (setsid), so a signal to
    /// the group reaches every part like Ctrl+C does; its output captured; killed with its group if a test leaves it.
    /// </summary>
    private sealed class ScriptRun : IDisposable
    {
        private readonly Process _process;
        private readonly StringWriter _output = new();
        private readonly TextWriter _synced;

        private ScriptRun(Process process)
        {
            _process = process;
            _synced = TextWriter.Synchronized(_output);
            process.OutputDataReceived += (_, e) => _synced.WriteLine(e.Data);
            process.ErrorDataReceived += (_, e) => _synced.WriteLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int ExitCode => _process.ExitCode;

        /// <summary>The script's arguments after <c>bash dispatch.sh</c>; the builds are already there (DISPATCH_SKIP_BUILD).</summary>
        public static ScriptRun Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
        {
            var start = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])["bash", Script, .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            start.Environment["DISPATCH_SKIP_BUILD"] = "1";
            return new ScriptRun(Process.Start(start)!);
        }

        /// <summary>What it printed so far, both streams.</summary>
        public string Said()
        {
            lock (_synced)
            {
                return _output.ToString();
            }
        }

        /// <summary>Sends <paramref name="signal"/> (e.g. "-INT") to the script's whole process group.</summary>
        public async Task SignalAsync(string signal)
        {
            using var kill = Process.Start("kill", [signal, "--", $"-{_process.Id.ToString(CultureInfo.InvariantCulture)}"])!;
            await kill.WaitForExitAsync(CancellationToken.None);
        }

        /// <summary>True when it exited within <paramref name="within"/>.</summary>
        public async Task<bool> WaitForExitAsync(TimeSpan within)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(within);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
                return true;
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        public async Task KillIfRunningAsync()
        {
            if (!_process.HasExited)
            {
                await SignalAsync("-KILL");
            }
        }

        public void Dispose() => _process.Dispose();
    }

    /// <summary>The last lines of each cluster host's log and of the gateway's and simulator's, for a failure message.</summary>
    private static string HostLogTails(string data)
    {
        var text = new System.Text.StringBuilder();
        foreach (var log in (string[])["host-1/host.log", "host-2/host.log", "host-3/host.log", "gateway.log", "simulator.log"])
        {
            var lines = Read(Path.Combine(data, "cluster", log)).Split('\n');
            text.AppendLine(CultureInfo.InvariantCulture, $"--- {log} (last 40 lines)");
            text.AppendJoin('\n', lines.TakeLast(40)).AppendLine();
        }

        return text.ToString();
    }

    private static string Read(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task Until(Func<bool> condition, TimeSpan timeout, Func<string> context)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not in {timeout.TotalSeconds:F0} s:\n{context()}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// apt's real client on a state of its own (APT_CONFIG: package lists, cache and dpkg status in a temp folder, no
    /// sources), so its locks can be held by the test without touching the machine's.
    /// </summary>
    private sealed class AptSandbox : IDisposable
    {
        private readonly TempDirectory _root = new("dispatch-apt");

        public AptSandbox()
        {
            foreach (var folder in (string[])["state/lists/partial", "cache/archives/partial", "dpkg", "etc/apt.conf.d", "etc/sources.list.d", "log"])
            {
                Directory.CreateDirectory(_root.File(folder));
            }

            File.WriteAllText(_root.File("dpkg/status"), "");
            File.WriteAllText(_root.File("etc/sources.list"), "");
            File.WriteAllText(_root.File("apt.conf"), $"""
                Dir::State "{_root.File("state")}";
                Dir::State::status "{_root.File("dpkg/status")}";
                Dir::Cache "{_root.File("cache")}";
                Dir::Etc::SourceList "{_root.File("etc/sources.list")}";
                Dir::Etc::SourceParts "{_root.File("etc/sources.list.d")}";
                Dir::Etc::Parts "{_root.File("etc/apt.conf.d")}";
                Dir::Log "{_root.File("log")}";

                """);
        }

        public string ListsLock => _root.File("state/lists/lock");

        public string DpkgFrontendLock => _root.File("dpkg/lock-frontend");

        /// <summary>Runs a line of bash with dispatch.sh's functions defined.</summary>
        public async Task<(int ExitCode, string Output, TimeSpan Elapsed)> RunAsync(string command)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"source '{Script}' && {command}");
            start.Environment["APT_CONFIG"] = _root.File("apt.conf");
            start.Environment["DISPATCH_SUDO"] = "";
            start.Environment["DISPATCH_APT_LOCK_WAIT_SECONDS"] = "60";
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr, clock.Elapsed);
        }

        public void Dispose() => _root.Dispose();
    }

    /// <summary>Another program holding an apt or dpkg lock (an fcntl lock, as apt and dpkg take them) for a few seconds.</summary>
    private sealed class LockHolder : IAsyncDisposable
    {
        private readonly Process _process;

        private LockHolder(Process process) => _process = process;

        public static async Task<LockHolder> HoldAsync(string path, int seconds)
        {
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep({seconds})");
            start.ArgumentList.Add(path);
            var process = Process.Start(start)!;
            Assert.Equal("locked", await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
            return new LockHolder(process);
        }

        public async ValueTask DisposeAsync()
        {
            await _process.WaitForExitAsync(CancellationToken.None);
            _process.Dispose();
        }
    }
}
