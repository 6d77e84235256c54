using Dispatch.Contracts.V1;
using Dispatch.Gateway.Delivery;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Dispatch.Gateway.Video;

/// <summary>
/// Sends spooled event clips with CameraVideo.UploadClip, oldest first, and forgets each once the service has it
/// (ACCEPTED, DUPLICATE) or refused it for good. A clip whose alert the service does not know yet (its ack is still on
/// the way) waits and is tried again, up to <see cref="GiveUpAfter"/>; a lost connection waits with jittered backoff.
/// </summary>
public sealed class ClipUploader(VideoLink link, ClipSpool spool, Action<string>? log = null, Backoff? backoff = null)
{
    /// <summary>Bytes per data chunk: well under the 1 MiB the contract allows, so a chunk never waits on a large write.</summary>
    public const int ChunkBytes = 256 * 1024;

    private readonly Action<string> _log = log ?? (_ => { });
    private readonly Backoff _backoff = backoff ?? new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    private readonly Dictionary<string, DateTime> _heldUntil = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private long _uploaded;
    private long _refused;

    /// <summary>A clip whose alert the service still does not know after this long is dropped.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Wait before trying a clip again when the service names no time.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(2);

    public long Uploaded => Interlocked.Read(ref _uploaded);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>A new clip is in the spool: look now rather than at the next poll.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var sentAny = false;
                foreach (var clip in spool.Pending())
                {
                    if (_heldUntil.TryGetValue(clip.AlertId, out var until) && until > DateTime.UtcNow)
                    {
                        continue;
                    }

                    await UploadAsync(clip, cancellationToken);
                    sentAny = true;
                }

                failures = 0;
                if (!sentAny)
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error) when (error is RpcException or IOException or HttpRequestException or InvalidOperationException)
            {
                var delay = _backoff.Delay(failures++);
                _log($"clip upload failed ({(error is RpcException rpc ? $"{rpc.StatusCode} {rpc.Status.Detail}" : error.Message)}); {spool.Count} clips wait; next try in {delay.TotalSeconds:F1} s");
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task UploadAsync(SpooledClip clip, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = spool.Read(clip);
        }
        catch (FileNotFoundException)
        {
            spool.Remove(clip.AlertId);
            return;
        }

        using var call = link.Client.UploadClip(link.Credentials, cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new ClipChunk
            {
                Header = new ClipHeader
                {
                    AlertId = clip.AlertId,
                    CameraId = clip.CameraId,
                    MediaType = clip.MediaType,
                    StartsAt = Timestamp.FromDateTime(DateTime.SpecifyKind(clip.StartUtc, DateTimeKind.Utc)),
                    EndsAt = Timestamp.FromDateTime(DateTime.SpecifyKind(clip.EndUtc, DateTimeKind.Utc)),
                    WidthPx = (uint)clip.WidthPx,
                    HeightPx = (uint)clip.HeightPx,
                    FrameCount = (uint)clip.FrameCount,
                    TotalBytes = (ulong)bytes.Length,
                },
            }, cancellationToken);
            for (var offset = 0; offset < bytes.Length && !call.ResponseAsync.IsCompleted; offset += ChunkBytes)
            {
                var length = Math.Min(ChunkBytes, bytes.Length - offset);
                await call.RequestStream.WriteAsync(new ClipChunk { Data = ByteString.CopyFrom(bytes, offset, length) }, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception error) when ((error is RpcException or InvalidOperationException) && call.ResponseAsync.IsCompletedSuccessfully)
        {
            // The service answered before the last chunk (a refusal after the header): its ack says why.
        }

        var ack = await call.ResponseAsync;
        switch (ack.Outcome)
        {
            case ClipOutcome.Accepted or ClipOutcome.Duplicate:
                spool.Remove(clip.AlertId);
                _heldUntil.Remove(clip.AlertId);
                Interlocked.Increment(ref _uploaded);
                _log($"clip of alert {clip.AlertId} ({bytes.Length} bytes, {clip.FrameCount} frames) {(ack.Outcome == ClipOutcome.Accepted ? "stored" : "already stored")}");
                break;
            case ClipOutcome.Rejected when ack.RejectReason is ClipRejectReason.UnknownAlert or ClipRejectReason.Unavailable
                && DateTime.UtcNow - clip.SpooledAtUtc < GiveUpAfter:
                var wait = ack.RetryAfter?.ToTimeSpan() is { } after && after > TimeSpan.Zero ? after : RetryAfter;
                _heldUntil[clip.AlertId] = DateTime.UtcNow + wait;
                break;
            default:
                spool.Remove(clip.AlertId);
                _heldUntil.Remove(clip.AlertId);
                Interlocked.Increment(ref _refused);
                _log($"clip of alert {clip.AlertId} refused for good: {ack.RejectReason} {ack.Message}");
                break;
        }
    }
}
