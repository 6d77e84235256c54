using System.Runtime.InteropServices;
using Dispatch.Gateway;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(GatewayOptions.Usage);
    return 0;
}

GatewayOptions options;
try
{
    options = GatewayOptions.Parse(args);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine($"dispatch-gateway: {error.Message}");
    Console.Error.WriteLine(GatewayOptions.Usage);
    return 64;
}

// Ctrl+C and a TERM (how ./dispatch.sh run and service managers stop it) end the run cleanly: cameras stop, acks are
// awaited for --drain seconds, the summary is printed.
using var interrupt = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    interrupt.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    var summary = await GatewayHost.RunAsync(options, Console.Out, interrupt.Token);
    Console.WriteLine(summary);
    if (summary.Cameras > 0 && summary.CamerasWorking == 0)
    {
        // Alerts cannot come from a gateway that never saw a frame: say so, for whoever started it (or a supervisor).
        Console.Error.WriteLine($"dispatch-gateway: no camera delivered a frame ({string.Join("; ", summary.Problems)})");
        return 3;
    }

    return 0;
}
catch (Exception error) when (error is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"dispatch-gateway: {error.Message}");
    return 1;
}
