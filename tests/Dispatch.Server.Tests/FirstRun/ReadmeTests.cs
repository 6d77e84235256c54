using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.FirstRun;

public sealed class ReadmeTests
{
    [Fact]
    public async Task The_endpoint_table_lists_every_http_endpoint_and_hub_the_host_maps()
    {
        await using var host = new DispatchServerFactory();
        using var _ = host.CreateClient();
        var table = Readme.Section("HTTP endpoints");

        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            // gRPC (its own port, its own section) answers unknown methods through catch-all routes of its own.
            .Where(e => e.Metadata.GetMetadata<GrpcMethodMetadata>() is null && !e.RoutePattern.RawText!.Contains(":grpcunimplemented", StringComparison.Ordinal))
            .Select(e => (Pattern: "/" + e.RoutePattern.RawText!.Trim('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .ToList();

        Assert.NotEmpty(endpoints);
        var missing = endpoints
            .Select(e => e.Pattern.EndsWith("/negotiate", StringComparison.Ordinal) ? (Pattern: e.Pattern[..^"/negotiate".Length], Methods: (IReadOnlyList<string>)[]) : e)
            .SelectMany(e => e.Methods.Count == 0 ? [$"`{e.Pattern}"] : e.Methods.Select(m => $"`{m} {e.Pattern}"))
            .Distinct()
            .Where(row => !table.Contains(row, StringComparison.Ordinal) && !table.Contains(row.Replace("`", "`GET ", StringComparison.Ordinal), StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, $"README's endpoint table lacks: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_gateway_credential_paragraph_reads_as_sentences()
    {
        var grpc = Readme.Section("Camera gateways (gRPC)");

        // One credential per gateway, never a shared one, and the sentence says where the demo's are.
        Assert.DoesNotContain("demo-gateway-credential", grpc, StringComparison.Ordinal);
        Assert.Contains("into `data/demo-accounts.txt`,\nwhich the gateway command under \"Camera gateway\" below takes its credential from.", grpc, StringComparison.Ordinal);
    }

    [Fact]
    public void The_readme_says_how_to_reset_state_and_what_the_test_command_installs()
    {
        var start = Readme.Section("Two commands");

        Assert.Contains("rm -rf data/", start, StringComparison.Ordinal);
        foreach (var package in (string[])["chromium", "prometheus", "redis-server", "postgresql-15-postgis-3", "python3-grpcio", "python3-grpc-tools"])
        {
            Assert.Contains($"`{package}`", start, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_sample_live_report_shows_connected_terminals()
    {
        var simulations = Readme.Section("Simulations");

        Assert.Matches(@"#   live: units=100 connected=100 ", simulations);
    }
}
