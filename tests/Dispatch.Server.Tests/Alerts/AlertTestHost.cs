using System.Globalization;
using Dispatch.Contracts.V1;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Grains.Hosting;
using Dispatch.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.Geometries;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>
/// The real host on real Kestrel sockets (HTTP/1.1 REST and HTTP/2 gRPC on free loopback ports), with a small city
/// so it starts in seconds. Two hosts on the same <see cref="TempDirectory"/> share one database (restart tests).
/// </summary>
public sealed class AlertTestHost : WebApplicationFactory<Program>
{
    public const string Gateway = "gw-test";
    public const string OtherGateway = "gw-other";
    public const string CappedGateway = "gw-capped";
    public const string Credential = "test-credential";
    public const int CappedWindow = 2;

    /// <summary>Centre of the test city; every camera is registered around it.</summary>
    public static readonly GeoPoint Center = new(36.66, 117.00);

    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _clock;
    private GrpcChannel? _channel;

    public AlertTestHost(TempDirectory directory, TimeProvider? clock = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        _clock = clock;
        var cityPath = directory.File("city.geojson");
        if (!File.Exists(cityPath))
        {
            File.WriteAllText(cityPath, CityGeoJson.Write(TestCity()));
        }

        WebPort = TestPorts.GetFreeTcpPort();
        GrpcPort = TestPorts.GetFreeTcpPort();
        _settings = LoopbackHostSettings.Create(
            WebPort, GrpcPort, TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), LoopbackHostSettings.NewClusterId("test"), directory.File("dispatch.db"), cityPath);
        _settings[$"Dispatch:Gateways:{Gateway}:Credential"] = Credential;
        _settings[$"Dispatch:Gateways:{OtherGateway}:Credential"] = Credential;
        _settings[$"Dispatch:Gateways:{CappedGateway}:Credential"] = Credential;
        _settings[$"Dispatch:Gateways:{CappedGateway}:MaxUnacknowledgedAlerts"] = Port(CappedWindow);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel();
    }

    public int WebPort { get; }

    public int GrpcPort { get; }

    /// <summary>Starts the host (seeding the city) and returns a client of the gRPC endpoint.</summary>
    public CameraGateway.CameraGatewayClient Start()
    {
        StartServer();
        _channel ??= GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
        return new CameraGateway.CameraGatewayClient(_channel);
    }

    public GrpcChannel Channel => _channel ?? throw new InvalidOperationException("call Start first");

    /// <summary>An HTTP client signed in as <paramref name="user"/> (the operator by default; null: anonymous).</summary>
    public HttpClient Http(string? user = TestAccounts.Operator) => TestAccounts.Http(new Uri($"http://127.0.0.1:{WebPort}"), user);

    public static Metadata Credentials(string gateway = Gateway, string credential = Credential) => new()
    {
        { "authorization", $"Bearer {credential}" },
        { "x-dispatch-gateway-id", gateway },
    };

    /// <summary>Cameras of the test city: 20 of <see cref="Gateway"/> (T-01..T-20), 2 of <see cref="OtherGateway"/>, 4 of <see cref="CappedGateway"/>.</summary>
    public static CityModel TestCity()
    {
        const double Half = 0.05;
        var boundary = CityGeoJson.GeometryFactory.CreatePolygon(
        [
            new Coordinate(Center.Longitude - Half, Center.Latitude - Half),
            new Coordinate(Center.Longitude + Half, Center.Latitude - Half),
            new Coordinate(Center.Longitude + Half, Center.Latitude + Half),
            new Coordinate(Center.Longitude - Half, Center.Latitude + Half),
            new Coordinate(Center.Longitude - Half, Center.Latitude - Half),
        ]);
        var cameras = new List<CameraSpec>();
        for (var i = 1; i <= 20; i++)
        {
            cameras.Add(new CameraSpec(CameraId(i), $"test camera {i}", Offset(i * 0.0005, 0), 0, 90, "S-1", Gateway));
        }

        cameras.Add(new CameraSpec("O-01", "other gateway camera 1", Offset(-0.001, 0), 0, 90, "S-1", OtherGateway));
        cameras.Add(new CameraSpec("O-02", "other gateway camera 2", Offset(-0.002, 0), 0, 90, "S-1", OtherGateway));
        for (var i = 1; i <= 4; i++)
        {
            cameras.Add(new CameraSpec($"K-{i:00}", $"capped camera {i}", Offset(0, -i * 0.0005), 0, 90, "S-1", CappedGateway));
        }

        return new CityModel(
            "Test city",
            Center,
            [new GridSpec("G-1", "test grid", "S-1", boundary)],
            [new StationSpec("S-1", "test station", Center, "G-1", 2)],
            [new PatrolUnitSpec("U-1", "car 1", UnitKind.Car, "S-1", Center), new PatrolUnitSpec("U-2", "car 2", UnitKind.Car, "S-1", Offset(0.003, 0.003))],
            cameras);
    }

    public static string CameraId(int i) => $"T-{i:00}";

    /// <summary>A point north/east of the centre, in degrees.</summary>
    public static GeoPoint Offset(double northDegrees, double eastDegrees) => new(Center.Latitude + northDegrees, Center.Longitude + eastDegrees);

    /// <summary>A valid alert of <paramref name="kind"/> from <paramref name="cameraId"/>, observed now.</summary>
    public static Alert NewAlert(string cameraId, AlertKind kind = AlertKind.Fight, GeoPoint? at = null, DateTimeOffset? observedAt = null) => new()
    {
        AlertId = Guid.NewGuid().ToString("N"),
        CameraId = cameraId,
        Kind = kind,
        Confidence = 0.9f,
        ObservedAt = Timestamp.FromDateTimeOffset(observedAt ?? DateTimeOffset.UtcNow),
        Location = at is { } p ? new GeoLocation { Latitude = p.Latitude, Longitude = p.Longitude } : null,
    };

    /// <summary>A Hello of <paramref name="gateway"/> announcing no cameras.</summary>
    public static GatewayMessage Hello(string gateway = Gateway, string credential = Credential, params CameraInfo[] cameras)
    {
        var hello = new Hello { GatewayId = gateway, Credential = credential, Software = "dispatch-tests/1.0" };
        hello.Cameras.AddRange(cameras);
        return new GatewayMessage { Hello = hello };
    }

    public static ByteString Jpeg(int widthPx = 640, int heightPx = 360)
    {
        using var frame = new OpenCvSharp.Mat(heightPx, widthPx, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(40, 90, 30));
        OpenCvSharp.Cv2.Circle(frame, new OpenCvSharp.Point(widthPx / 2, heightPx / 2), heightPx / 4, new OpenCvSharp.Scalar(200, 200, 200), -1);
        return ByteString.CopyFrom(Dispatch.Vision.Snapshots.Snapshot.Encode(frame));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_clock is not null)
        {
            builder.ConfigureTestServices(services => services.AddKeyedSingleton(DispatchClock.ServiceKey, _clock));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await base.DisposeAsync();
    }

    private static string Port(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One host shared by the alert tests of a class; each test uses its own cameras or places so they do not meet.</summary>
public sealed class SharedAlertHost : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("dispatch-alerts");

    public AlertTestHost Host { get; private set; } = null!;

    public CameraGateway.CameraGatewayClient Client { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = new AlertTestHost(_directory);
        Client = Host.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _directory.Dispose();
    }
}
