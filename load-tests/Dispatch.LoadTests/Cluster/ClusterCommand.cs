using System.Runtime.InteropServices;

namespace Dispatch.LoadTests.Cluster;

/// <summary><c>Dispatch.LoadTests cluster ...</c>: one fault run, its summary line and report; exit 0 when nothing was lost, 1 otherwise, 64 for a bad option.</summary>
public static class ClusterCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        ClusterOptions options;
        try
        {
            options = ClusterOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"Dispatch.LoadTests cluster: {ex.Message}");
            await Console.Error.WriteLineAsync(ClusterOptions.Usage);
            return 64;
        }

        // A hard ceiling: the run stops by itself well after its own length, whatever happens. Ctrl+C and SIGTERM stop it
        // early; either way every process and folder it started is stopped and deleted on the way out.
        var o = options;
        var ceiling = (o.Load.DurationSeconds * 3) + o.RestartAfterSeconds + o.PostgresDownSeconds + (o.Silos * (o.StopWithinSeconds + o.RollingPauseSeconds)) + 900;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(ceiling));
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        FaultResult result;
        try
        {
            result = await FaultRun.RunAsync(options, Console.Out, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Dispatch.LoadTests cluster: stopped before the end; every process and folder it started is gone");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or Npgsql.NpgsqlException)
        {
            await Console.Error.WriteLineAsync($"Dispatch.LoadTests cluster: the run failed: {ex.Message}");
            return 2;
        }

        if (options.Load.ReportPath is not null)
        {
            var command = "dotnet load-tests/Dispatch.LoadTests/bin/Release/net10.0/Dispatch.LoadTests.dll cluster " + string.Join(' ', args);
            await File.WriteAllTextAsync(options.Load.ReportPath, FaultReport.Render(result, command), CancellationToken.None);
        }

        Console.WriteLine(result.SummaryLine());
        return result.Passed ? 0 : 1;
    }
}
