using System.Globalization;

namespace Dispatch.Testing;

/// <summary>
/// The settings that put a test or bench host on 127.0.0.1 with ports, a cluster, a SQLite file and a city of its
/// own, so hosts never meet each other or the demo's defaults, and the test accounts (<see cref="TestAccounts"/>).
/// Callers add their own keys to the result.
/// </summary>
public static class LoopbackHostSettings
{
    public static Dictionary<string, string?> Create(
        int webPort, int grpcPort, int siloPort, int siloGatewayPort, string clusterId, string sqlitePath, string? cityPath) => TestAccounts.AddTo(new()
    {
        ["Kestrel:Endpoints:Web:Url"] = $"http://127.0.0.1:{Text(webPort)}",
        ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{Text(grpcPort)}",
        ["Dispatch:Silo:SiloPort"] = Text(siloPort),
        ["Dispatch:Silo:GatewayPort"] = Text(siloGatewayPort),
        ["Dispatch:Silo:ClusterId"] = clusterId,
        ["Dispatch:Storage:SqlitePath"] = sqlitePath,
        ["Dispatch:City:Path"] = cityPath,
        ["Logging:LogLevel:Default"] = "Warning",
    });

    /// <summary>A cluster id no other host of the run shares.</summary>
    public static string NewClusterId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
