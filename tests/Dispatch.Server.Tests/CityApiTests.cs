using System.Net;
using System.Text.Json;

namespace Dispatch.Server.Tests;

public sealed class CityApiTests
{
    [Fact]
    public async Task Get_city_returns_the_demo_city_as_geojson_with_60_grids()
    {
        await using var factory = new DispatchServerFactory();
        using var client = await factory.SignedInClientAsync();

        using var response = await client.GetAsync("/api/city", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("FeatureCollection", doc.RootElement.GetProperty("type").GetString());
        var kinds = doc.RootElement.GetProperty("features").EnumerateArray()
            .Select(f => f.GetProperty("properties").GetProperty("kind").GetString())
            .GroupBy(k => k)
            .ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(60, kinds["grid"]);
        Assert.Equal(60, kinds["station"]);
        Assert.InRange(kinds["unit"], 200, 500);
        Assert.InRange(kinds["camera"], 2000, 5000);
    }

    [Fact]
    public async Task Get_city_serves_a_city_file_named_in_configuration()
    {
        using var dir = new Dispatch.Testing.TempDirectory();
        var demo = Dispatch.Domain.City.DemoCity.Generate(seed: 11);
        var path = dir.File("city.geojson");
        await File.WriteAllTextAsync(path, Dispatch.Domain.City.CityGeoJson.Write(demo), TestContext.Current.CancellationToken);
        await using var factory = new DispatchServerFactory(new Dictionary<string, string?> { ["Dispatch:City:Path"] = path });
        using var client = await factory.SignedInClientAsync();

        var body = await client.GetStringAsync("/api/city", TestContext.Current.CancellationToken);

        var served = Dispatch.Domain.City.CityGeoJson.Read(body);
        Assert.Equal(demo.Units.Select(u => u.Id), served.Units.Select(u => u.Id));
        Assert.NotEqual(Dispatch.Domain.City.DemoCity.Generate(seed: 7).Units.Select(u => u.Start), served.Units.Select(u => u.Start));
    }
}
