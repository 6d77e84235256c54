using Dispatch.Contracts.V1;
using Dispatch.Domain.Geo;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Live;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>A camera gateway on the real gRPC endpoint (HTTP/2), and what the operator sees of it in Chromium.</summary>
public sealed class GrpcAlertPageTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_alert_sent_over_grpc_appears_with_its_loaded_thumbnail_and_opens_its_annotated_snapshot()
    {
        var (context, outside) = await fixture.NewOfflineContextAsync();
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };
        await page.GotoAsync("/");
        await page.WaitForSelectorAsync("body[data-ready=true][data-connection=connected]", new() { Timeout = (float)Patience.TotalMilliseconds });
        var camera = fixture.Cluster.City.Cameras[3];
        var newCameraPlace = GreatCircle.Offset(camera.Location, northMeters: 80, eastMeters: 40);

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{fixture.Host.GrpcPort}");
        var hello = new Hello { GatewayId = camera.GatewayId, Credential = LiveTestHost.GatewayCredential, Software = "browser-tests/1.0" };
        hello.Cameras.Add(new CameraInfo { CameraId = camera.Id });
        hello.Cameras.Add(new CameraInfo
        {
            CameraId = "BROWSER-NEW-CAM",
            Name = "browser test gate",
            Location = new GeoLocation { Latitude = newCameraPlace.Latitude, Longitude = newCameraPlace.Longitude },
        });
        var (session, welcome) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(channel), new GatewayMessage { Hello = hello });
        await using var __ = session;
        var alert = new Alert
        {
            AlertId = "AL-GRPC-BROWSER-" + Guid.NewGuid().ToString("N")[..8],
            CameraId = camera.Id,
            Kind = AlertKind.Fight,
            Confidence = 0.93f,
            ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            SnapshotJpeg = StreetJpeg(),
            Boxes =
            {
                new BoundingBox { X = 0.30f, Y = 0.25f, Width = 0.25f, Height = 0.5f, Label = "person", Score = 0.9f },
                new BoundingBox { X = 0.60f, Y = 0.30f, Width = 0.2f, Height = 0.45f, Label = "person", Score = 0.8f },
            },
        };

        var ack = await session.SendAsync(alert);
        var item = page.Locator($"[data-alert='{alert.AlertId}']");
        await item.Locator("img.thumb").WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Patience.TotalMilliseconds });
        await page.WaitForFunctionAsync("id => document.querySelector(`[data-alert='${id}'] img.thumb`).naturalWidth > 0", alert.AlertId,
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        var thumbSource = await item.Locator("img.thumb").GetAttributeAsync("src");
        await item.ClickAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('#detail .snapshot img')?.naturalWidth > 0", null,
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        await page.Locator("#nearest li").First.WaitForAsync(new LocatorWaitForOptions { Timeout = (float)Patience.TotalMilliseconds });
        await page.WaitForFunctionAsync("id => !!window.dispatchOps.cameraLatLng(id)", "BROWSER-NEW-CAM",
            new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(fixture.ScreenshotDirectory, "operator-grpc-alert.png") });

        Assert.Empty(welcome.RefusedCameraIds);
        Assert.Equal(AlertOutcome.Accepted, ack.Outcome);
        Assert.Contains("variant=thumb", thumbSource, StringComparison.Ordinal);
        Assert.Contains("variant=annotated", await page.Locator("#detail .snapshot img").GetAttributeAsync("src"), StringComparison.Ordinal);
        Assert.Equal(2, await page.Locator("#detail .box-label").CountAsync());

        // An English page names places in English where the city file has the name.
        Assert.Contains(camera.NameEn ?? camera.Name, await page.Locator("#nearest li").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(newCameraPlace.Latitude, await page.EvaluateAsync<double>("id => window.dispatchOps.cameraLatLng(id).lat", "BROWSER-NEW-CAM"), 7);
        Assert.Empty(errors);
        Assert.Empty(outside);
    }

    /// <summary>A stand-in camera frame: a street with two figures, as a baseline JPEG.</summary>
    private static ByteString StreetJpeg()
    {
        using var frame = new OpenCvSharp.Mat(360, 640, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(99, 85, 74));
        OpenCvSharp.Cv2.Rectangle(frame, new OpenCvSharp.Rect(0, 220, 640, 140), new OpenCvSharp.Scalar(54, 47, 43), -1);
        OpenCvSharp.Cv2.Rectangle(frame, new OpenCvSharp.Rect(200, 100, 150, 170), new OpenCvSharp.Scalar(126, 162, 201), -1);
        OpenCvSharp.Cv2.Rectangle(frame, new OpenCvSharp.Rect(390, 115, 120, 160), new OpenCvSharp.Scalar(201, 167, 143), -1);
        return ByteString.CopyFrom(Dispatch.Vision.Snapshots.Snapshot.Encode(frame));
    }
}
