using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Metrics;

/// <summary>The image (not built here: no Docker) agrees with the host it packs: its ports and what the native parts need.</summary>
public sealed partial class DockerfileTests
{
    private static string Dockerfile => File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "Dockerfile"));

    [Fact]
    public void The_image_exposes_every_port_the_host_listens_on_and_the_silo_ports()
    {
        var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "Dispatch.Server", "appsettings.json")))!;
        var endpoints = settings["Kestrel"]!["Endpoints"]!.AsObject().Select(e => new Uri(e.Value!["Url"]!.GetValue<string>()).Port).ToList();
        var silo = new Hosting.SiloOptions();
        var exposed = Expose().Matches(Dockerfile).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToHashSet();

        Assert.Equal(2, endpoints.Count);
        Assert.All(endpoints.Append(silo.SiloPort).Append(silo.GatewayPort), port => Assert.Contains(port, exposed));
    }

    [Fact]
    public void The_runtime_stage_installs_what_dispatch_sh_installs_for_running_the_host()
    {
        var runtime = Dockerfile[Dockerfile.LastIndexOf("FROM ", StringComparison.Ordinal)..];
        var script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "dispatch.sh"));
        var runPackages = AptPackages().Match(script).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        Assert.Contains("libgtk-3-0", runPackages);
        Assert.Contains("apt-get install -y --no-install-recommends libgtk-3-0", runtime, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?m)^EXPOSE\s+(.+)$")]
    private static partial Regex Expose();

    [GeneratedRegex(@"(?m)^APT_PACKAGES=\(([^)]*)\)")]
    private static partial Regex AptPackages();
}
