using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Alerts.ThirdParty;

/// <summary>
/// Runs third_party_gateway.py: Debian's python3-grpcio speaking dispatch.v1 from stubs that grpc_tools generates from
/// protos/ at run time, so the contract is tested as a camera vendor meets it, not through our own generated client.
/// The packages (python3-grpcio, python3-grpc-tools) are installed by ./dispatch.sh test.
/// </summary>
internal static class ThirdPartyGateway
{
    /// <summary>Debian's interpreter: another python3 first on PATH may not see the Debian modules.</summary>
    private const string Python = "/usr/bin/python3";

    private static readonly string Script = Path.Combine(
        RepositoryPaths.Root, "tests", "Dispatch.Server.Tests", "Alerts", "ThirdParty", "third_party_gateway.py");

    /// <summary>Runs one scenario against the host's gRPC port and returns the JSON it printed.</summary>
    public static async Task<JsonElement> RunAsync(int grpcPort, string scenario, string gatewayId, string credential, string cameraId)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[Script, Path.Combine(RepositoryPaths.Root, "protos"),
                     $"127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}", scenario, gatewayId, credential, cameraId])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start");
        var ct = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"third-party gateway scenario '{scenario}' did not finish in 90 s: {await stderr}");
        }

        var output = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"third-party gateway scenario '{scenario}' exited {process.ExitCode}: {errors}");
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }
}
