extern alias DispatchServer;

using System.Globalization;
using System.Net.Http;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using NetTopologySuite.Geometries;

namespace Dispatch.Gateway.Tests;

/// <summary>
/// The real Dispatch host (co-hosted silo, SQLite, alert intake and archive) on real Kestrel sockets: its gRPC
/// endpoint (HTTP/2) on a port the test chose beforehand, so a gateway can be pointed at it before it exists.
/// The city is one small grid; the gateway's cameras come in through its Hello.
/// </summary>
public sealed class DispatchHost : WebApplicationFactory<DispatchServer::Program>
{
    public const string GatewayId = "gw-t";
    public const string Credential = "secret";

    /// <summary>Centre of the host's one grid.</summary>
    public static readonly GeoPoint Center = new(36.66, 117.00);

    private readonly Dictionary<string, string?> _settings;

    private DispatchHost(TempDirectory directory, int grpcPort, IReadOnlyDictionary<string, string?>? settings)
    {
        var cityPath = directory.File("city.geojson");
        File.WriteAllText(cityPath, CityGeoJson.Write(SmallCity()));
        WebPort = TestPorts.GetFreeTcpPort();
        _settings = LoopbackHostSettings.Create(
            WebPort, grpcPort, TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), LoopbackHostSettings.NewClusterId("gateway-test"), directory.File("dispatch.db"), cityPath);
        _settings[$"Dispatch:Gateways:{GatewayId}:Credential"] = Credential;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel();
    }

    public int WebPort { get; }

    /// <summary>Starts the host with its gRPC endpoint on <paramref name="grpcPort"/>, with extra <paramref name="settings"/>.</summary>
    public static DispatchHost Start(TempDirectory directory, int grpcPort, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = new DispatchHost(directory, grpcPort, settings);
        host.StartServer();
        return host;
    }

    /// <summary>An HTTP client of the host signed in as its operator (a bearer token, like any program).</summary>
    public HttpClient Http() => TestAccounts.Http(new Uri($"http://127.0.0.1:{Text(WebPort)}"));

    /// <summary>The value of an unlabelled or exactly labelled sample in the host's /metrics, 0 when absent.</summary>
    public async Task<double> MetricAsync(string series)
    {
        // As Prometheus scrapes: with the scrape token.
        using var http = TestAccounts.Http(new Uri($"http://127.0.0.1:{Text(WebPort)}"), user: null);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestAccounts.ScrapeToken);
        var text = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private static CityModel SmallCity()
    {
        const double Half = 0.02;
        var boundary = CityGeoJson.GeometryFactory.CreatePolygon(
        [
            new Coordinate(Center.Longitude - Half, Center.Latitude - Half),
            new Coordinate(Center.Longitude + Half, Center.Latitude - Half),
            new Coordinate(Center.Longitude + Half, Center.Latitude + Half),
            new Coordinate(Center.Longitude - Half, Center.Latitude + Half),
            new Coordinate(Center.Longitude - Half, Center.Latitude - Half),
        ]);
        return new CityModel(
            "Gateway test city",
            Center,
            [new GridSpec("G-1", "test grid", "S-1", boundary)],
            [new StationSpec("S-1", "test station", Center, "G-1", 2)],
            [new PatrolUnitSpec("U-1", "car 1", UnitKind.Car, "S-1", Center)],
            []);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
