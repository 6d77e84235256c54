using Dispatch.Server.Video;

namespace Dispatch.Server.Tests.Video;

/// <summary>A viewer's mailbox: the order in which statuses and frames reach its page.</summary>
public sealed class LiveViewerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_status_comes_after_the_frames_that_were_waiting_when_it_was_told_and_before_later_ones()
    {
        var viewer = NewViewer(queueFrames: 3);
        viewer.Offer(Frame(1));
        viewer.Offer(Frame(2));
        viewer.Tell(Status(LiveStates.GatewayOffline));
        viewer.Offer(Frame(3));

        var order = await TakeAsync(viewer, 4);

        // A frame captured before the gateway went away never follows the word that it went away.
        Assert.Equal(["frame 1", "frame 2", "status gateway-offline", "frame 3"], order);
    }

    [Fact]
    public async Task A_status_told_right_after_another_replaces_it_and_one_with_frames_between_keeps_its_place()
    {
        var viewer = NewViewer(queueFrames: 2);
        viewer.Tell(Status(LiveStates.Starting));
        viewer.Tell(Status(LiveStates.Live));
        viewer.Offer(Frame(1));
        viewer.Tell(Status(LiveStates.NoPicture));
        viewer.Tell(Status(LiveStates.GatewayOffline));

        var order = await TakeAsync(viewer, 3);

        Assert.Equal(["status live", "frame 1", "status gateway-offline"], order);
    }

    [Fact]
    public async Task Frames_dropped_for_a_slow_viewer_do_not_hold_a_status_back()
    {
        var viewer = NewViewer(queueFrames: 2);
        viewer.Offer(Frame(1));
        viewer.Offer(Frame(2));
        viewer.Tell(Status(LiveStates.NoPicture));
        var dropped = viewer.Offer(Frame(3));
        var droppedAgain = viewer.Offer(Frame(4));

        var order = await TakeAsync(viewer, 3);

        // Frames 1 and 2 (before the status) were dropped for 3 and 4: the status goes first now.
        Assert.True(dropped && droppedAgain);
        Assert.Equal(["status no-picture", "frame 3", "frame 4"], order);
        Assert.Equal(2, viewer.FramesDropped);
    }

    [Fact]
    public async Task A_closed_viewer_gets_its_last_status_and_then_nothing()
    {
        var viewer = NewViewer(queueFrames: 2);
        viewer.Offer(Frame(1));
        viewer.Tell(Status(LiveStates.GatewayOffline));
        viewer.Close();

        var status = await viewer.TakeAsync(Cancel);
        var end = await viewer.TakeAsync(Cancel);

        Assert.Equal(LiveStates.GatewayOffline, Assert.IsType<LiveStatus>(status).State);
        Assert.Null(end);
    }

    private static LiveViewer NewViewer(int queueFrames) =>
        new("t-operator", ViewerProfile.Console, null, new ViewRequest(5, 640, 360), queueFrames, DateTimeOffset.UnixEpoch);

    private static LiveFrame Frame(ulong sequence) => new(sequence, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 640, 360, new byte[] { 0xFF, 0xD8 });

    private static LiveStatus Status(string state) => new("cam-1", state, state, 5, 640, 360);

    private static async Task<List<string>> TakeAsync(LiveViewer viewer, int count)
    {
        var taken = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        for (var i = 0; i < count; i++)
        {
            taken.Add(await viewer.TakeAsync(timeout.Token) switch
            {
                LiveFrame frame => $"frame {frame.Sequence}",
                LiveStatus status => $"status {status.State}",
                var other => $"unexpected {other}",
            });
        }

        return taken;
    }
}
