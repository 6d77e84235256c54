using System.Diagnostics;
using Dispatch.Testing;

namespace Dispatch.Server.Tests;

/// <summary>The real host process refuses bad configuration with one message naming the key, and exit code 2.</summary>
public sealed class StartupErrorTests
{
    [Theory]
    [InlineData("--Dispatch:ResponsePlan:Tiers:1:TargetSeconds=0", "Dispatch:ResponsePlan:Tiers:1:TargetSeconds")]
    [InlineData("--Dispatch:ResponsePlan:AckDeadlineSeconds=-5", "Dispatch:ResponsePlan:AckDeadlineSeconds")]
    [InlineData("--Dispatch:ResponsePlan:Tiers:0:RespondersByPriority:Urgent=1", "Dispatch:ResponsePlan:Tiers:0:RespondersByPriority:Urgent")]
    [InlineData("--Dispatch:Eta:StraightLine:CarSpeedKmh=0", "Dispatch:Eta:StraightLine:CarSpeedKmh")]
    [InlineData("--Dispatch:Silo:SiloPort=70000", "Dispatch:Silo:SiloPort")]
    [InlineData("--Dispatch:Eta:Road:Speeds:CarKmh:Primary=0", "Dispatch:Eta:Road:Speeds:CarKmh:Primary")]
    [InlineData("--Dispatch:Coverage:MaxMoveUps=0", "Dispatch:Coverage:MaxMoveUps")]
    [InlineData("--Dispatch:Grains:WaitingTierRecheckInterval=00:00:00", "Dispatch:Grains:WaitingTierRecheckInterval")]
    [InlineData("--Dispatch:Storage:GroupCommit=maybe", "Dispatch:Storage:GroupCommit")]
    [InlineData("--Dispatch:Security:LockoutFailures=0", "Dispatch:Security:LockoutFailures")]
    [InlineData("--Dispatch:Security:Oidc:Authority=not-a-url", "Dispatch:Security:Oidc:Authority")]
    [InlineData("--Dispatch:Security:SeedAccounts:first-admin:Password=short", "Dispatch:Security:SeedAccounts:first-admin")]
    [InlineData("--Dispatch:GatewayLimits:ConnectsPerMinute=0", "Dispatch:GatewayLimits:ConnectsPerMinute")]
    [InlineData("--Dispatch:Tls:CertificatePath=/nonexistent/server.pfx", "Dispatch:Tls:CertificatePath")]
    [InlineData("--Dispatch:Basemap:TileUrl=ftp://tiles.example/{z}/{x}/{y}.png", "Dispatch:Basemap:TileUrl")]
    [InlineData("--Dispatch:Basemap:TileMaxZoom=40", "Dispatch:Basemap:TileMaxZoom")]
    public async Task Invalid_configuration_stops_the_host_naming_the_bad_key(string argument, string expectedKey)
    {
        var (exitCode, stderr) = await RunServerAsync(argument);

        Assert.Equal(2, exitCode);
        Assert.Contains("Dispatch cannot start", stderr, StringComparison.Ordinal);
        Assert.Contains(expectedKey, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Dispatch:Demo:SeedAccounts=true", "Dispatch:Demo:SeedAccounts is on")]
    [InlineData("--Dispatch:Gateways:GW-01:Credential=demo-gateway-credential", "Dispatch:Gateways:GW-01:Credential is the demo credential")]
    [InlineData("--Dispatch:Metrics:ScrapeToken=replace-with-the-dispatch-scrape-token", "Dispatch:Metrics:ScrapeToken is the placeholder")]
    public async Task The_production_environment_refuses_to_start_with_a_demo_credential_naming_it(string argument, string expected)
    {
        var (exitCode, stderr) = await RunServerAsync(argument, environment: "Production");

        Assert.Equal(2, exitCode);
        Assert.Contains("the Production environment refuses demo credentials", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_city_file_stops_the_host_naming_the_feature()
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad-city.geojson");
        await File.WriteAllTextAsync(path, """
            { "type": "FeatureCollection", "properties": { "name": "Bad", "center": [117.0, 36.66] },
              "features": [ { "type": "Feature", "properties": { "kind": "volcano" },
                              "geometry": { "type": "Point", "coordinates": [117.0, 36.66] } } ] }
            """, TestContext.Current.CancellationToken);

        var (exitCode, stderr) = await RunServerAsync($"--Dispatch:City:Path={path}");

        Assert.Equal(2, exitCode);
        Assert.Contains("feature 0", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_city_file_stops_the_host_naming_the_path()
    {
        var (exitCode, stderr) = await RunServerAsync("--Dispatch:City:Path=/nonexistent/city.geojson");

        Assert.Equal(2, exitCode);
        Assert.Contains("/nonexistent/city.geojson", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_road_file_stops_the_host_naming_the_feature_and_its_fault()
    {
        using var dir = new TempDirectory();
        var path = dir.File("bad-roads.geojson");
        await File.WriteAllTextAsync(path, """
            { "type": "FeatureCollection", "features": [
              { "type": "Feature", "properties": { "highway": "primary" },
                "geometry": { "type": "LineString", "coordinates": [[117.0, 36.66], [117.01, 36.66]] } },
              { "type": "Feature", "properties": { "highway": "primary" },
                "geometry": { "type": "LineString", "coordinates": [[117.0, 36.67], [117.01, 96.67]] } } ] }
            """, TestContext.Current.CancellationToken);

        var (exitCode, stderr) = await RunServerAsync($"--Dispatch:Roads:File={path}");

        Assert.Equal(2, exitCode);
        Assert.Contains("Dispatch cannot start", stderr, StringComparison.Ordinal);
        Assert.Contains("feature 1", stderr, StringComparison.Ordinal);
        Assert.Contains("CoordinateOutOfRange", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Road_export_of_another_country_stops_the_host_saying_how_little_of_the_city_it_reaches()
    {
        var (exitCode, stderr) = await RunServerAsync($"--Dispatch:Roads:File={OsmFixtures.OsmToGeoJson}");

        Assert.Equal(2, exitCode);
        Assert.Contains("Dispatch cannot start", stderr, StringComparison.Ordinal);
        Assert.Contains("reaches only 0% of the city", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_road_file_stops_the_host_naming_the_key_and_path()
    {
        var (exitCode, stderr) = await RunServerAsync("--Dispatch:Roads:File=/nonexistent/roads.geojson");

        Assert.Equal(2, exitCode);
        Assert.Contains("Dispatch:Roads:File", stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/roads.geojson", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stderr)> RunServerAsync(string argument, string? environment = null)
    {
        using var dir = new TempDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir.Path,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add(RepositoryPaths.BuiltAssembly("Dispatch.Server"));
        if (environment is not null)
        {
            start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        }

        start.ArgumentList.Add($"--Dispatch:Silo:SiloPort={TestPorts.GetFreeTcpPort()}");
        start.ArgumentList.Add($"--Dispatch:Silo:GatewayPort={TestPorts.GetFreeTcpPort()}");
        start.ArgumentList.Add($"--Kestrel:Endpoints:Web:Url=http://127.0.0.1:{TestPorts.GetFreeTcpPort()}");
        start.ArgumentList.Add($"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{TestPorts.GetFreeTcpPort()}");
        start.ArgumentList.Add($"--Dispatch:Storage:SqlitePath={dir.File("dispatch.db")}");
        start.ArgumentList.Add(argument); // last, so it wins over the defaults above
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"host did not stop on bad configuration {argument}; stdout: {await stdout}");
        }

        return (process.ExitCode, await stderr + await stdout);
    }
}
