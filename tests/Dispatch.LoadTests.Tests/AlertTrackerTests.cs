using System.Diagnostics;

namespace Dispatch.LoadTests.Tests;

public sealed class AlertTrackerTests
{
    [Fact]
    public async Task Assignment_seen_before_the_intake_answers_is_still_matched_once()
    {
        var latency = new LatencyRecorder();
        var tracker = new AlertTracker(latency);
        var sentAt = Stopwatch.GetTimestamp();

        tracker.AssignedTo("INC-1");
        tracker.AssignedTo("INC-1");
        await tracker.SentAsync("INC-1", sentAt).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(1, tracker.AssignedCount);
        Assert.Equal(1, tracker.SentCount);
    }

    [Fact]
    public void Alert_without_an_assignment_is_not_counted_as_assigned()
    {
        var tracker = new AlertTracker(new LatencyRecorder());

        var done = tracker.SentAsync("INC-2", Stopwatch.GetTimestamp());

        Assert.False(done.IsCompleted);
        Assert.Equal(0, tracker.AssignedCount);
    }

    [Fact]
    public void Assignment_arriving_after_the_drain_closed_stays_unassigned()
    {
        var tracker = new AlertTracker(new LatencyRecorder());
        _ = tracker.SentAsync("INC-3", Stopwatch.GetTimestamp());

        tracker.Close();
        tracker.AssignedTo("INC-3");

        Assert.Equal(0, tracker.AssignedCount);
    }
}
