using System.Collections.Concurrent;
using System.Diagnostics;

namespace Dispatch.LoadTests;

/// <summary>
/// Matches each sent alert (its incident id) with the first assignment a terminal receives for it, whichever
/// arrives first, and records the time between them.
/// </summary>
public sealed class AlertTracker(LatencyRecorder latency)
{
    private readonly ConcurrentDictionary<string, Track> _tracks = new(StringComparer.Ordinal);
    private long _sent;
    private long _failed;
    private int _closed;

    public long SentCount => Interlocked.Read(ref _sent);

    public long FailedCount => Interlocked.Read(ref _failed);

    public long AssignedCount => latency.Count;

    /// <summary>Told of each alert measured: when it was sent and when its first assignment reached a terminal (Stopwatch timestamps).</summary>
    public Action<long, long>? Measured { get; set; }

    /// <summary>An alert was accepted as incident <paramref name="incidentId"/>; <paramref name="sentAt"/> is when it was sent.</summary>
    public Task SentAsync(string incidentId, long sentAt)
    {
        Interlocked.Increment(ref _sent);
        var track = _tracks.GetOrAdd(incidentId, _ => new Track());
        Volatile.Write(ref track.SentAt, sentAt);
        TryComplete(track);
        return track.Done.Task;
    }

    public void SendFailed() => Interlocked.Increment(ref _failed);

    /// <summary>Ends the measurement (the drain window is over): nothing is recorded from now on, so a late assignment stays lost.</summary>
    public void Close() => Interlocked.Exchange(ref _closed, 1);

    /// <summary>A terminal received an assignment to <paramref name="incidentId"/>.</summary>
    public void AssignedTo(string incidentId)
    {
        var now = Stopwatch.GetTimestamp();
        var track = _tracks.GetOrAdd(incidentId, _ => new Track());
        Interlocked.CompareExchange(ref track.AssignedAt, now, 0);
        TryComplete(track);
    }

    private void TryComplete(Track track)
    {
        var sentAt = Volatile.Read(ref track.SentAt);
        var assignedAt = Volatile.Read(ref track.AssignedAt);
        if (sentAt != 0 && assignedAt != 0 && Volatile.Read(ref _closed) == 0 && Interlocked.Exchange(ref track.Recorded, 1) == 0)
        {
            latency.Record(Stopwatch.GetElapsedTime(sentAt, assignedAt));
            Measured?.Invoke(sentAt, assignedAt);
            track.Done.TrySetResult();
        }
    }

    private sealed class Track
    {
        public long SentAt;
        public long AssignedAt;
        public int Recorded;
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
