using System.Diagnostics;
using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;

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
        var start = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["bash", Script, "run", $"--Dispatch:City:Path={dir.File("city.geojson")}",
                     $"--Dispatch:Silo:SiloPort={Port()}", $"--Dispatch:Silo:GatewayPort={Port()}", "--Dispatch:Roads:DemoSize=0.2"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DISPATCH_DATA"] = data;
        start.Environment["DISPATCH_WEB_PORT"] = Port();
        start.Environment["DISPATCH_GRPC_PORT"] = Port();
        start.Environment["DISPATCH_SKIP_BUILD"] = "1";
        using var run = Process.Start(start)!;
        var output = new StringWriter();
        var synced = TextWriter.Synchronized(output);
        run.OutputDataReceived += (_, e) => synced.WriteLine(e.Data);
        run.ErrorDataReceived += (_, e) => synced.WriteLine(e.Data);
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        string Said()
        {
            lock (synced)
            {
                return output.ToString();
            }
        }

        try
        {
            // Stop it while the gateway's stream and the simulator's terminals are open, as a user would.
            await Until(() => Said().Contains("Simulator started", StringComparison.Ordinal), TimeSpan.FromSeconds(180), Said);
            await Until(() => Read(Path.Combine(data, "gateway.log")).Contains("connected to", StringComparison.Ordinal)
                && Read(Path.Combine(data, "simulator.log")).Contains("connected=", StringComparison.Ordinal), TimeSpan.FromSeconds(90),
                () => Said() + Read(Path.Combine(data, "gateway.log")) + Read(Path.Combine(data, "simulator.log")));

            // Ctrl+C in a terminal: SIGINT to the whole foreground process group.
            using var interrupt = Process.Start("kill", ["-INT", "--", $"-{run.Id.ToString(CultureInfo.InvariantCulture)}"])!;
            await interrupt.WaitForExitAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            await run.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!run.HasExited)
            {
                using var kill = Process.Start("kill", ["-KILL", "--", $"-{run.Id.ToString(CultureInfo.InvariantCulture)}"])!;
                await kill.WaitForExitAsync(CancellationToken.None);
            }
        }

        var said = Said();
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

    private static string Port() => TestPorts.GetFreeTcpPort().ToString(CultureInfo.InvariantCulture);

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
