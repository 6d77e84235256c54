using Dispatch.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dispatch.PageBench;

/// <summary>The real host on a real Kestrel listener on 127.0.0.1, with the bench's city and a throwaway database.</summary>
public sealed class BenchHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public BenchHost(string cityPath, string databasePath, int port, int grpcPort, int siloPort, int gatewayPort)
    {
        Port = port;

        // Outside a test project there is no test manifest naming the host's folder; the factory reads this instead.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_DISPATCH_SERVER", Path.Combine(RepositoryPaths.Root, "src", "Dispatch.Server"));
        _settings = LoopbackHostSettings.Create(port, grpcPort, siloPort, gatewayPort, LoopbackHostSettings.NewClusterId("page-bench"), databasePath, cityPath);
        UseKestrel();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
