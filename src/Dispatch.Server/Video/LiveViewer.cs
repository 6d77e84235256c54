namespace Dispatch.Server.Video;

/// <summary>Who watches: the command center, or an officer's terminal (smaller pictures, a lower rate).</summary>
public enum ViewerProfile
{
    Console = 0,
    Terminal = 1,
}

/// <summary>What a viewer asked for, already within the configured caps.</summary>
public sealed record ViewRequest(double Fps, int MaxWidthPx, int MaxHeightPx);

/// <summary>One frame as a viewer receives it.</summary>
/// <param name="CapturedAt">When the gateway captured it (gateway clock): glass-to-glass latency starts here.</param>
/// <param name="ReceivedAt">When this host received it.</param>
public sealed record LiveFrame(ulong Sequence, DateTimeOffset CapturedAt, DateTimeOffset ReceivedAt, int WidthPx, int HeightPx, ReadOnlyMemory<byte> Jpeg);

/// <summary>The picture's state as a tile shows it.</summary>
public static class LiveStates
{
    /// <summary>The gateway has been asked; no frame yet.</summary>
    public const string Starting = "starting";

    /// <summary>Frames arrive.</summary>
    public const string Live = "live";

    /// <summary>The gateway is connected but no frame came for a while (camera stalled, view lost); asked again.</summary>
    public const string NoPicture = "no-picture";

    /// <summary>The camera's gateway is not connected; the view resumes by itself when it reconnects.</summary>
    public const string GatewayOffline = "gateway-offline";
}

/// <summary>A status message to a viewer: the state and, in words, why.</summary>
public sealed record LiveStatus(string CameraId, string State, string Message, double Fps, int MaxWidthPx, int MaxHeightPx);

/// <summary>
/// One viewer of one camera (a tile of a page). Frames wait in a small mailbox: when the viewer's connection is slower
/// than the camera, the oldest waiting frame is dropped (and counted) so the picture stays fresh and nothing upstream
/// waits for this viewer. Status messages are never dropped and keep their place among the frames: a status goes out
/// after the frames that were waiting when it was told and before any frame offered later; a status told right after
/// another, with no frame between them, replaces it. (Were a status to overtake waiting frames, a frame captured before
/// the gateway went away would reach the page after "gateway offline".)
/// </summary>
public sealed class LiveViewer(string actor, ViewerProfile profile, string? unitId, ViewRequest request, int queueFrames, DateTimeOffset joinedAt)
{
    private readonly Lock _lock = new();
    // Frames and statuses in the order they were offered and told.
    private readonly LinkedList<object> _mailbox = new();
    private readonly SemaphoreSlim _signal = new(0);
    private int _framesWaiting;
    private bool _closed;
    private long _framesSent;
    private long _framesDropped;
    private long _bytesSent;

    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The authenticated principal's name (or the unit's, for a terminal).</summary>
    public string Actor { get; } = actor;

    public ViewerProfile Profile { get; } = profile;

    /// <summary>The officer's unit for a terminal viewer.</summary>
    public string? UnitId { get; } = unitId;

    public ViewRequest Request { get; } = request;

    public DateTimeOffset JoinedAt { get; } = joinedAt;

    /// <summary>The camera watched (set when it joins).</summary>
    public string CameraId { get; internal set; } = "";

    /// <summary>When the next frame is due at this viewer's rate (host clock).</summary>
    internal DateTimeOffset? NextDueAt { get; set; }

    public long FramesSent => Interlocked.Read(ref _framesSent);

    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>The last status told, for the audit and for tests.</summary>
    public LiveStatus? LastStatus { get; private set; }

    /// <summary>Queues a frame; true when an older waiting frame had to be dropped for it.</summary>
    public bool Offer(LiveFrame frame)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            var dropped = false;
            while (_framesWaiting >= queueFrames && _framesWaiting > 0)
            {
                var oldest = _mailbox.First;
                while (oldest is { Value: not LiveFrame })
                {
                    oldest = oldest.Next;
                }

                _mailbox.Remove(oldest!);
                _framesWaiting--;
                Interlocked.Increment(ref _framesDropped);
                dropped = true;
            }

            _mailbox.AddLast(frame);
            _framesWaiting++;
            Wake();
            return dropped;
        }
    }

    /// <summary>Tells the viewer the picture's state, after the frames already waiting; replaces a status told just before it.</summary>
    public void Tell(LiveStatus status)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (_mailbox.Last is { Value: LiveStatus } last)
            {
                last.Value = status;
            }
            else
            {
                _mailbox.AddLast(status);
            }

            LastStatus = status;
            Wake();
        }
    }

    /// <summary>Ends the viewer's stream: <see cref="TakeAsync"/> returns the statuses still waiting, then null.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            for (var node = _mailbox.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value is LiveFrame)
                {
                    _mailbox.Remove(node);
                }

                node = next;
            }

            _framesWaiting = 0;
            _signal.Release();
        }
    }

    /// <summary>The next message in the order offered and told; null when closed and nothing waits.</summary>
    public async Task<object?> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_mailbox.First is { } first)
                {
                    _mailbox.RemoveFirst();
                    if (first.Value is LiveFrame)
                    {
                        _framesWaiting--;
                    }

                    return first.Value;
                }

                if (_closed)
                {
                    return null;
                }
            }

            await _signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Counts a frame written to the viewer's connection.</summary>
    public void Sent(int bytes)
    {
        Interlocked.Increment(ref _framesSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    private void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }
}
