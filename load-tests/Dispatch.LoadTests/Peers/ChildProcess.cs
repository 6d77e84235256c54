using System.Diagnostics;

namespace Dispatch.LoadTests.Peers;

/// <summary>Runs the tools the baselines need (Debian's redis-server, PostgreSQL with PostGIS).</summary>
internal static class ChildProcess
{
    public static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>Runs a command to completion; a non-zero exit is an error carrying its output.</summary>
    public static async Task RunAsync(string file, IEnumerable<string> arguments, CancellationToken cancellationToken, string? asUser = null)
    {
        using var process = Start(file, arguments, asUser);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
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
            throw new InvalidOperationException($"{file} is not installed ({exception.Message}); ./dispatch.sh test installs the load-test packages", exception);
        }
    }

    /// <summary>A program from PATH, else from the first directory that has it.</summary>
    public static string Find(string name, params string[] directories)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in path.Concat(directories))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} not found on PATH or in {string.Join(", ", directories)}; ./dispatch.sh test installs the load-test packages");
    }
}
