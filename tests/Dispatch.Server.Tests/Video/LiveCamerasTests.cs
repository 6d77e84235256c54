using System.Threading.Channels;
using Dispatch.Contracts.V1;
using Dispatch.Server.Video;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Tests.Video;

/// <summary>The live-view router on its own: what a viewer is told when a gateway goes away with frames still on the wire.</summary>
public sealed class LiveCamerasTests
{
    private const string GatewayId = "gw-router";
    private const string CameraId = "cam-router-1";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_frame_read_after_the_gateway_went_away_is_dropped_and_does_not_say_live_again()
    {
        var links = new GatewayLinks();
        using var cameras = new LiveCameras(links, Options.Create(new VideoOptions()), new VideoMetrics(Prometheus.Metrics.NewCustomRegistry()),
            TimeProvider.System, NullLogger<LiveCameras>.Instance);
        var outbox = Channel.CreateUnbounded<ServerMessage>();
        var hello = new Hello { GatewayId = GatewayId, Software = "test", SupportsLiveView = true };
        hello.Cameras.Add(new CameraInfo { CameraId = CameraId });
        var link = links.Attach(GatewayId, hello, new Welcome(), outbox.Writer);
        var viewer = new LiveViewer("t-operator", ViewerProfile.Console, null, new ViewRequest(5, 640, 360), 2, DateTimeOffset.UtcNow);

        Assert.Null(cameras.Join(CameraId, GatewayId, viewer));
        var start = (await outbox.Reader.ReadAsync(Cancel)).LiveViewStart;
        var (feed, code, refusal) = cameras.AttachFeed(GatewayId, start.ViewId, CameraId);
        Assert.True(feed is not null, $"{code}: {refusal}");
        feed.Publish(Frame(start.ViewId, 1));
        links.Detach(link);
        // The gateway's frames call delivered one more frame, read just before the host ended it.
        feed.Publish(Frame(start.ViewId, 2));
        var told = await DrainAsync(viewer);

        Assert.True(feed.HasEnded);
        Assert.Equal(["status live", "frame 1", "status gateway-offline"], told);
        Assert.Equal(LiveStates.GatewayOffline, Assert.Single(cameras.Describe()).State);
    }

    private static VideoFrame Frame(string viewId, ulong sequence) => new()
    {
        ViewId = viewId,
        CameraId = CameraId,
        Sequence = sequence,
        CapturedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        Jpeg = ByteString.CopyFrom(0xFF, 0xD8, 0xFF, 0xD9),
        WidthPx = 640,
        HeightPx = 360,
    };

    /// <summary>Everything in the viewer's mailbox, in the order its page would receive it.</summary>
    private static async Task<List<string>> DrainAsync(LiveViewer viewer)
    {
        var taken = new List<string>();
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            quiet.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                taken.Add(await viewer.TakeAsync(quiet.Token) switch
                {
                    LiveFrame frame => $"frame {frame.Sequence}",
                    LiveStatus status => $"status {status.State}",
                    var other => $"unexpected {other}",
                });
            }
            catch (OperationCanceledException) when (!Cancel.IsCancellationRequested)
            {
                return taken;
            }
        }
    }
}
