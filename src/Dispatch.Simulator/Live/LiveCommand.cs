using System.Runtime.InteropServices;

namespace Dispatch.Simulator.Live;

/// <summary><c>live</c> from the command line: exit 0 after a run, 1 when the host never answered, 64 for bad options.</summary>
public static class LiveCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var (options, error) = LiveSimulationOptions.Parse(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"live: {error}");
            await Console.Error.WriteLineAsync(LiveSimulationOptions.Usage);
            return CommandLine.UsageExitCode;
        }

        // Ctrl+C and the run command's kill end the run cleanly: connections close, the summary is printed.
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await new LiveSimulation(options, output).RunAsync(stop.Token) ? 0 : 1;
    }
}
