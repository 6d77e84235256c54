using System.Globalization;
using Dispatch.Contracts.V1;
using Dispatch.Server.Alerts;
using Dispatch.Server.Archive;
using Dispatch.Server.Cameras;
using Dispatch.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>
/// dispatch.v1.CameraVideo: gateways' live frames (SendFrames, one call per live view) and event clips (UploadClip).
/// A gateway authenticates each call with its credential as metadata (the gateway scheme, as on PublishAlert), and acts
/// only for its own cameras and alerts.
/// </summary>
public sealed partial class CameraVideoService(
    LiveCameras live,
    AlertArchive archive,
    VideoMetrics metrics,
    IOptions<VideoOptions> options,
    TimeProvider clock,
    ILogger<CameraVideoService> logger) : CameraVideo.CameraVideoBase
{
    /// <summary>The largest JPEG of one live frame.</summary>
    public const int MaxFrameBytes = 1024 * 1024;

    /// <summary>The largest data chunk of a clip upload.</summary>
    public const int MaxChunkBytes = 1024 * 1024;

    /// <summary>Media types stored and played (VP8 in WebM: what a browser plays and a gateway can make; docs/video.md).</summary>
    public static readonly IReadOnlyList<string> MediaTypes = ["video/webm"];

    private static readonly byte[] EbmlMagic = [0x1A, 0x45, 0xDF, 0xA3];

    [Authorize(Policy = Policies.Gateway)]
    public override async Task<SendFramesResult> SendFrames(IAsyncStreamReader<VideoFrame> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var gatewayId = GatewayOf(context);
        if (!await requestStream.MoveNext(context.CancellationToken))
        {
            return new SendFramesResult { Message = "no frame was sent" };
        }

        var first = requestStream.Current;
        var (feed, code, refusal) = live.AttachFeed(gatewayId, first.ViewId, first.CameraId);
        if (feed is null)
        {
            throw new RpcException(new Status(code, refusal));
        }

        ulong received = 0;
        using (feed)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, feed.Ended);
            var frame = first;
            try
            {
                while (true)
                {
                    Check(frame, feed);
                    received++;
                    feed.Publish(frame);
                    if (!await requestStream.MoveNext(both.Token))
                    {
                        return new SendFramesResult { FramesReceived = received, Message = "the gateway ended the view" };
                    }

                    frame = requestStream.Current;
                }
            }
            catch (OperationCanceledException) when (feed.Ended.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                LogFeedEnded(logger, feed.CameraId, gatewayId, received, feed.EndReason);
                return new SendFramesResult { FramesReceived = received, Message = feed.EndReason };
            }
        }
    }

    [Authorize(Policy = Policies.Gateway)]
    public override async Task<ClipAck> UploadClip(IAsyncStreamReader<ClipChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var gatewayId = GatewayOf(context);
        var cancellation = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellation) || requestStream.Current.BodyCase != ClipChunk.BodyOneofCase.Header)
        {
            return await DrainedAsync(requestStream, Refuse("", ClipRejectReason.Invalid, "the first message of UploadClip must be a ClipHeader"), cancellation);
        }

        var header = requestStream.Current.Header;
        ClipAck? ack;
        ArchivedAlert? alert;
        try
        {
            (ack, alert) = await CheckAsync(gatewayId, header, cancellation);
        }
        catch (Exception ex) when (ArchiveDatabase.IsUnavailable(ex))
        {
            return await DrainedAsync(requestStream, ArchiveDown(header.AlertId, ex), cancellation);
        }

        if (ack is not null)
        {
            return await DrainedAsync(requestStream, ack, cancellation);
        }

        var alertId = header.AlertId;
        var bytes = new byte[(int)header.TotalBytes];
        var length = 0;
        while (await requestStream.MoveNext(cancellation))
        {
            var chunk = requestStream.Current;
            if (chunk.BodyCase != ClipChunk.BodyOneofCase.Data || chunk.Data.Length > MaxChunkBytes)
            {
                return await DrainedAsync(requestStream, Refuse(alertId, ClipRejectReason.Invalid, $"after the header only data chunks of at most {MaxChunkBytes} bytes may follow"), cancellation);
            }

            if (length + chunk.Data.Length > bytes.Length)
            {
                return await DrainedAsync(requestStream, Refuse(alertId, ClipRejectReason.Invalid, string.Create(CultureInfo.InvariantCulture,
                    $"the chunks add up to more than total_bytes {header.TotalBytes}")), cancellation);
            }

            chunk.Data.Span.CopyTo(bytes.AsSpan(length));
            length += chunk.Data.Length;
        }

        if (length != bytes.Length)
        {
            return Refuse(alertId, ClipRejectReason.Invalid, string.Create(CultureInfo.InvariantCulture, $"the chunks add up to {length} bytes, not total_bytes {header.TotalBytes}"));
        }

        if (!bytes.AsSpan().StartsWith(EbmlMagic))
        {
            return Refuse(alertId, ClipRejectReason.UnsupportedMedia, "the clip is not a WebM file (no EBML header)");
        }

        bool stored;
        try
        {
            stored = await archive.SaveClipAsync(new ArchivedClip(gatewayId, alertId, alert!.CameraId, header.MediaType,
                header.StartsAt.ToDateTimeOffset(), header.EndsAt.ToDateTimeOffset(), (int)header.WidthPx, (int)header.HeightPx, (int)header.FrameCount,
                bytes.Length, clock.GetUtcNow()), bytes, cancellation);
        }
        catch (Exception ex) when (ArchiveDatabase.IsUnavailable(ex))
        {
            return ArchiveDown(alertId, ex);
        }

        if (stored)
        {
            metrics.ClipStored();
            LogClipStored(logger, alertId, alert.CameraId, gatewayId, bytes.Length);
        }

        return new ClipAck { AlertId = alertId, Outcome = stored ? ClipOutcome.Accepted : ClipOutcome.Duplicate };
    }

    /// <summary>The header's checks: a refusal, or the alert the clip belongs to.</summary>
    private async Task<(ClipAck? Refusal, ArchivedAlert? Alert)> CheckAsync(string gatewayId, ClipHeader header, CancellationToken cancellation)
    {
        var alertId = header.AlertId;
        var maxBytes = options.Value.MaxClipBytes;
        if (string.IsNullOrWhiteSpace(alertId) || alertId.Length > 128)
        {
            return (Refuse(alertId, ClipRejectReason.Invalid, $"alert_id must be 1 to 128 characters, got {alertId.Length}"), null);
        }

        if (!MediaTypes.Contains(header.MediaType, StringComparer.Ordinal))
        {
            return (Refuse(alertId, ClipRejectReason.UnsupportedMedia, $"media_type '{header.MediaType}' is not one of {string.Join(", ", MediaTypes)}"), null);
        }

        if (header.TotalBytes == 0 || header.TotalBytes > (ulong)maxBytes)
        {
            return (Refuse(alertId, header.TotalBytes == 0 ? ClipRejectReason.Invalid : ClipRejectReason.ClipTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"total_bytes {header.TotalBytes} must be within 1..{maxBytes} (Dispatch:Video:MaxClipBytes)")), null);
        }

        if (header.StartsAt is null || header.EndsAt is null || header.EndsAt.ToDateTimeOffset() < header.StartsAt.ToDateTimeOffset())
        {
            return (Refuse(alertId, ClipRejectReason.Invalid, "starts_at and ends_at must both be set, ends_at not before starts_at"), null);
        }

        var alert = await archive.FindAsync(alertId, gatewayId, cancellation);
        if (alert is null)
        {
            // Its ack may still be on the way; the gateway tries again.
            return (Refuse(alertId, ClipRejectReason.UnknownAlert, $"no accepted alert '{alertId}' of gateway '{gatewayId}' (yet)", TimeSpan.FromSeconds(2)), null);
        }

        return alert.CameraId != header.CameraId
            ? (Refuse(alertId, ClipRejectReason.Invalid, $"alert '{alertId}' came from camera '{alert.CameraId}', not '{header.CameraId}'"), null)
            : (null, alert);
    }

    /// <summary>
    /// Reads what the gateway still sends (up to the clip limit) before answering: a call answered while its request is
    /// still open is reset, and the gateway might then see a cancelled call instead of the refusal.
    /// </summary>
    private async Task<ClipAck> DrainedAsync(IAsyncStreamReader<ClipChunk> requestStream, ClipAck ack, CancellationToken cancellation)
    {
        var limit = options.Value.MaxClipBytes + MaxChunkBytes;
        long read = 0;
        while (read <= limit && await requestStream.MoveNext(cancellation))
        {
            read += requestStream.Current.Data.Length;
        }

        return ack;
    }

    /// <summary>The calling gateway, authenticated by its metadata (the gateway scheme) under <see cref="Policies.Gateway"/>.</summary>
    private static string GatewayOf(ServerCallContext context) => context.GetHttpContext().User.Identity?.Name ?? "";

    private static void Check(VideoFrame frame, LiveFeed feed)
    {
        if (frame.ViewId != feed.ViewId || frame.CameraId != feed.CameraId)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"frame {frame.Sequence} names view '{frame.ViewId}' of camera '{frame.CameraId}'; this call carries view '{feed.ViewId}' of '{feed.CameraId}'"));
        }

        var jpeg = frame.Jpeg.Span;
        if (jpeg.Length is 0 or > MaxFrameBytes || jpeg.Length < 3 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture,
                $"frame {frame.Sequence} of camera '{frame.CameraId}' must be a JPEG of 1 to {MaxFrameBytes} bytes, got {jpeg.Length} bytes{(jpeg.Length >= 2 && (jpeg[0] != 0xFF || jpeg[1] != 0xD8) ? " without a JPEG marker" : "")}")));
        }

        if (frame.WidthPx is 0 or > 7680 || frame.HeightPx is 0 or > 4320)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Create(CultureInfo.InvariantCulture,
                $"frame {frame.Sequence} of camera '{frame.CameraId}' is {frame.WidthPx}x{frame.HeightPx} px; width must be 1..7680 and height 1..4320")));
        }
    }

    /// <summary>The archive's database is unreachable (the cluster's PostgreSQL restarting): the gateway keeps the clip and sends it again.</summary>
    private ClipAck ArchiveDown(string alertId, Exception exception) => Refuse(alertId, ClipRejectReason.Unavailable,
        $"the clip cannot be stored now: the archive's database is unreachable ({exception.Message})", TimeSpan.FromSeconds(ArchiveOutage.RetryAfterSeconds));

    private ClipAck Refuse(string alertId, ClipRejectReason reason, string message, TimeSpan? retryAfter = null)
    {
        metrics.ClipRefused(reason switch
        {
            ClipRejectReason.UnknownAlert => "unknown_alert",
            ClipRejectReason.ClipTooLarge => "too_large",
            ClipRejectReason.UnsupportedMedia => "unsupported_media",
            ClipRejectReason.Unavailable => "unavailable",
            _ => "invalid",
        });
        return new ClipAck
        {
            AlertId = alertId,
            Outcome = ClipOutcome.Rejected,
            RejectReason = reason,
            Message = message,
            RetryAfter = retryAfter is { } wait ? Duration.FromTimeSpan(wait) : null,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live frames of camera '{CameraId}' from gateway '{GatewayId}' ended after {Frames} frames: {Reason}")]
    private static partial void LogFeedEnded(ILogger logger, string cameraId, string gatewayId, ulong frames, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Clip of alert '{AlertId}' (camera '{CameraId}', gateway '{GatewayId}') stored: {Bytes} bytes")]
    private static partial void LogClipStored(ILogger logger, string alertId, string cameraId, string gatewayId, int bytes);
}
