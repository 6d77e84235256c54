using System.Diagnostics;
using Dispatch.Domain.City;
using Dispatch.Testing;

namespace Dispatch.Simulator.Tests;

/// <summary>The simulator's commands on another city's streets, run as a user runs them.</summary>
public sealed class CityOnRoadsTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> SimulatorAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepositoryPaths.BuiltAssembly("Dispatch.Simulator"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task The_city_command_writes_the_same_city_for_the_same_roads_and_seed()
    {
        using var dir = new TempDirectory();

        var first = await SimulatorAsync("city", "--roads", OsmFixtures.OsmToGeoJson, "--seed", "3", "--name", "Ljubljana", "--out", dir.File("a.geojson"));
        var again = await SimulatorAsync("city", "--roads", OsmFixtures.OsmiumSequence, "--seed", "3", "--name", "Ljubljana", "--out", dir.File("b.geojson"));

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Matches(@"^city 'Ljubljana' \(seed 3\): grids=\d+ stations=\d+ units=\d+ cameras=\d+ road_coverage=(9\d|100)% -> ", first.Stdout);
        Assert.Contains("37 features a router does not use left out", first.Stderr, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllTextAsync(dir.File("a.geojson"), TestContext.Current.CancellationToken), await File.ReadAllTextAsync(dir.File("b.geojson"), TestContext.Current.CancellationToken));
        var city = CityGeoJson.Read(File.OpenRead(dir.File("a.geojson")));
        Assert.Equal(city.Grids.Count * 5, city.Units.Count);
    }

    [Fact]
    public async Task Day_on_another_countrys_roads_without_a_city_runs_on_a_city_generated_from_them()
    {
        var (exitCode, stdout, stderr) = await SimulatorAsync("day", "--roads", OsmFixtures.OsmToGeoJson, "--seed", "3", "--incidents", "100");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("city=generated from", stderr, StringComparison.Ordinal);
        Assert.Matches(@"road_coverage=(9\d|100)%", stderr);
        Assert.Equal(4, stdout.Split('\n').Count(l => l.StartsWith("policy=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Day_with_a_city_its_roads_do_not_reach_stops_saying_so()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("jinan.geojson"), CityGeoJson.Write(DemoCity.Generate(7)), TestContext.Current.CancellationToken);

        var (exitCode, stdout, stderr) = await SimulatorAsync("day", "--roads", OsmFixtures.OsmToGeoJson, "--city", dir.File("jinan.geojson"), "--incidents", "10");

        Assert.Equal(65, exitCode);
        Assert.Contains("the roads reach only 0% of the city", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("policy=", stdout, StringComparison.Ordinal);
    }
}
