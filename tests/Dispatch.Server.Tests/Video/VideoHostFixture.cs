using System.Globalization;
using Dispatch.Contracts.V1;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Video;

/// <summary>
/// One real host (Kestrel, gRPC over HTTP/2, websockets, SQLite) for the video tests of a class, with short video
/// timings. Each test uses a gateway of its own (<see cref="GatewayId"/>) whose cameras are new to the service and
/// placed where the test says, so tests never meet.
/// </summary>
public sealed class VideoHostFixture : IAsyncLifetime
{
    public const int Gateways = 12;
    public const int MaxLiveCamerasPerGateway = 2;

    /// <summary>Officers who may act for the test city's units U-1 and U-2 only.</summary>
    public const string OfficerOfU1 = "officer-u1";
    public const string OfficerOfU2 = "officer-u2";

    private readonly TempDirectory _directory = new("dispatch-video");

    public AlertTestHost Host { get; private set; } = null!;

    public string GrpcAddress => $"http://127.0.0.1:{Host.GrpcPort.ToString(CultureInfo.InvariantCulture)}";

    public int WebPort => Host.WebPort;

    public static string GatewayId(int n) => $"gw-video-{n:00}";

    public ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dispatch:Video:MaxLiveCamerasPerGateway"] = MaxLiveCamerasPerGateway.ToString(CultureInfo.InvariantCulture),
            ["Dispatch:Video:StopAfterSeconds"] = "0.5",
            ["Dispatch:Video:NoPictureAfterSeconds"] = "2",
            ["Dispatch:Video:MaxClipBytes"] = "1048576",
            ["Dispatch:Cameras:HeartbeatIntervalSeconds"] = "1",
            ["Dispatch:Cameras:OfflineAfterSeconds"] = "1",
        };
        foreach (var (officer, unit) in new[] { (OfficerOfU1, "U-1"), (OfficerOfU2, "U-2") })
        {
            settings[$"Dispatch:Security:SeedAccounts:{officer}:Password"] = TestAccounts.Password;
            settings[$"Dispatch:Security:SeedAccounts:{officer}:Roles"] = "officer";
            settings[$"Dispatch:Security:SeedAccounts:{officer}:Units"] = unit;
        }

        for (var n = 1; n <= Gateways; n++)
        {
            settings[$"Dispatch:Gateways:{GatewayId(n)}:Credential"] = AlertTestHost.Credential;
        }

        Host = new AlertTestHost(_directory, settings: settings);
        Host.Start();
        return ValueTask.CompletedTask;
    }

    /// <summary>Cameras new to the service, 20 m apart eastwards from <paramref name="northDegrees"/> north of the test city's centre.</summary>
    public static IReadOnlyList<CameraInfo> Cameras(string prefix, int count, double northDegrees) =>
        [.. Enumerable.Range(1, count).Select(i =>
        {
            var at = AlertTestHost.Offset(northDegrees, i * 0.00025);
            return new CameraInfo { CameraId = $"{prefix}-{i:00}", Name = $"{prefix} camera {i}", Location = new GeoLocation { Latitude = at.Latitude, Longitude = at.Longitude } };
        })];

    public Task<ScriptedGateway> GatewayAsync(int n, IReadOnlyList<CameraInfo> cameras, int widthPx = 640, int heightPx = 360, byte[]? jpeg = null) =>
        ScriptedGateway.ConnectAsync(GrpcAddress, GatewayId(n), AlertTestHost.Credential, cameras, widthPx, heightPx, jpeg: jpeg);

    public Task<LiveViewerClient> ViewerAsync(string cameraId, string query = "fps=5", bool reading = true, string? user = TestAccounts.Operator) =>
        LiveViewerClient.ConnectAsync(WebPort, cameraId, query, reading, user);

    /// <summary>The officer of the test city's unit.</summary>
    public static string OfficerOf(string unitId) => unitId == "U-1" ? OfficerOfU1 : OfficerOfU2;

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>Polls a condition until it holds or the patience runs out, then fails with what was seen.</summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail(failure());
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail(failure());
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
