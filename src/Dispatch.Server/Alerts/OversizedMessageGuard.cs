using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using Dispatch.Contracts;
using Dispatch.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Dispatch.Server.Alerts;

/// <summary>What an oversized message of a CameraGateway call was, as far as could be read without keeping it.</summary>
public enum OversizedBody
{
    /// <summary>Compressed or malformed: its content could not be read.</summary>
    Unknown,
    Hello,
    Alert,
    Heartbeat,
}

/// <summary>A message over <see cref="AlertLimits.MaxMessageBytes"/> that the guard kept from gRPC's reader.</summary>
/// <param name="Ordinal">Its place among the call's request messages, from 0.</param>
/// <param name="AlertId">The alert's id when it was an alert (empty when it had none or it was too long to answer with).</param>
public sealed record OversizedMessage(int Ordinal, long Bytes, OversizedBody Body, string AlertId);

/// <summary>
/// The oversized messages of one call, in order, put in the request's features by <see cref="OversizedMessageGuard"/>.
/// In their place the service reads a small stand-in (an alert carrying only its id, or an empty message), and
/// asks here, message by message, whether what it read stands in for one.
/// </summary>
public sealed class OversizedMessages
{
    private readonly ConcurrentQueue<OversizedMessage> _messages = new();

    /// <summary>The oversized message the call's request message number <paramref name="ordinal"/> stands in for, if any.</summary>
    public OversizedMessage? Take(int ordinal) =>
        _messages.TryPeek(out var head) && head.Ordinal == ordinal && _messages.TryDequeue(out head) ? head : null;

    public static OversizedMessages? Of(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext().Features.Get<OversizedMessages>();
    }

    internal void Add(OversizedMessage message) => _messages.Enqueue(message);
}

/// <summary>
/// Keeps messages over <see cref="AlertLimits.MaxMessageBytes"/> from ending CameraGateway calls. gRPC's own size limit
/// fails the whole call, and a gateway that follows the contract would then reconnect and re-send the same alert for
/// ever. So the request body of Connect and PublishAlert passes through here: a message within the limit goes on
/// untouched; a larger one is read through without being kept (only its alert id is picked out) and replaced by a
/// small stand-in, recorded in <see cref="OversizedMessages"/>, that the service answers with a rejection.
/// </summary>
public static class OversizedMessageGuard
{
    private const int HeaderBytes = 5;

    private static readonly string ConnectPath = $"/{CameraGateway.Descriptor.FullName}/Connect";
    private static readonly string PublishAlertPath = $"/{CameraGateway.Descriptor.FullName}/PublishAlert";

    public static IApplicationBuilder UseOversizedMessageGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path.Value;
        var isConnect = path == ConnectPath;
        if ((!isConnect && path != PublishAlertPath) || context.Request.Protocol != "HTTP/2")
        {
            await next(context);
            return;
        }

        // The guard reads the body as it comes; the service's own backpressure now works through the pipe below,
        // and a gateway's stream may idle between alerts and run for days.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = null;
        }

        if (isConnect && context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        var original = context.Request.BodyReader;
        // Room for one whole message at the limit: gRPC's reader needs it complete before it consumes anything.
        var limitBytes = AlertLimits.MaxMessageBytes + HeaderBytes;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: limitBytes + 65_536, resumeWriterThreshold: (limitBytes / 2) + 1, useSynchronizationContext: false));
        var oversized = new OversizedMessages();
        context.Features.Set(oversized);
        context.Features.Set<IRequestBodyPipeFeature>(new GuardedBody(pipe.Reader));
        var pump = PumpAsync(original, pipe.Writer, new MessageFramer(isConnect, oversized), context.RequestAborted);
        try
        {
            await next(context);
        }
        finally
        {
            original.CancelPendingRead();
            await pipe.Reader.CompleteAsync();
            await pump;
        }
    });

    private static async Task PumpAsync(PipeReader source, PipeWriter target, MessageFramer framer, CancellationToken aborted)
    {
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(aborted);
                if (read.IsCanceled)
                {
                    break;
                }

                var consumed = framer.Process(read.Buffer, target);
                source.AdvanceTo(consumed, read.Buffer.End);
                var flushed = await target.FlushAsync(aborted);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }

                if (read.IsCompleted)
                {
                    break;
                }
            }

            await target.CompleteAsync();
        }
        catch (Exception ex)
        {
            // The client went away or sent a broken stream: gRPC's reader sees the same failure it would have seen.
            await target.CompleteAsync(ex);
        }
    }

    private sealed class GuardedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    /// <summary>Splits the body into gRPC's length-prefixed messages, passing small ones and standing in for large ones.</summary>
    private sealed class MessageFramer(bool gatewayMessages, OversizedMessages oversized)
    {
        private readonly byte[] _header = new byte[HeaderBytes];
        private int _ordinal;
        private long _passRemaining;
        private long _discardRemaining;
        private long _discardBytes;
        private bool _discardCompressed;
        private AlertIdScanner? _scanner;

        /// <summary>Handles what it can of <paramref name="buffer"/>; returns how far it was consumed.</summary>
        public SequencePosition Process(ReadOnlySequence<byte> buffer, PipeWriter target)
        {
            var reader = new SequenceReader<byte>(buffer);
            while (!reader.End)
            {
                if (_passRemaining > 0)
                {
                    var span = reader.UnreadSpan;
                    var n = (int)Math.Min(span.Length, _passRemaining);
                    target.Write(span[..n]);
                    reader.Advance(n);
                    _passRemaining -= n;
                    continue;
                }

                if (_discardRemaining > 0)
                {
                    var span = reader.UnreadSpan;
                    var n = (int)Math.Min(span.Length, _discardRemaining);
                    _scanner?.Feed(span[..n]);
                    reader.Advance(n);
                    _discardRemaining -= n;
                    if (_discardRemaining == 0)
                    {
                        StandIn(target);
                    }

                    continue;
                }

                if (reader.Remaining < HeaderBytes)
                {
                    break;
                }

                reader.TryCopyTo(_header);
                reader.Advance(HeaderBytes);
                var length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
                if (length <= AlertLimits.MaxMessageBytes)
                {
                    target.Write(_header);
                    _passRemaining = length;
                    _ordinal++;
                    continue;
                }

                _discardBytes = length;
                _discardRemaining = length;
                _discardCompressed = _header[0] != 0;
                _scanner = _discardCompressed ? null : new AlertIdScanner(gatewayMessages);
            }

            return reader.Position;
        }

        private void StandIn(PipeWriter target)
        {
            var body = _scanner?.Body ?? OversizedBody.Unknown;
            var alertId = _scanner?.AlertId ?? "";
            oversized.Add(new OversizedMessage(_ordinal, _discardBytes, body, alertId));
            _scanner = null;
            IMessage standIn = !gatewayMessages ? new Alert { AlertId = alertId }
                : body == OversizedBody.Alert ? new GatewayMessage { Alert = new Alert { AlertId = alertId } }
                : new GatewayMessage();
            var bytes = standIn.ToByteArray();
            var header = new byte[HeaderBytes];
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)bytes.Length);
            target.Write(header);
            target.Write(bytes);
            _ordinal++;
        }
    }

    /// <summary>
    /// Reads a serialized GatewayMessage (or Alert) as it streams past, keeping only which body it has and its
    /// alert_id, so a message of any size costs a few hundred bytes. Stops quietly at anything malformed.
    /// </summary>
    private sealed class AlertIdScanner(bool gatewayMessage)
    {
        // alert_id is at most 128 characters; UTF-8 needs at most 4 bytes for each.
        private const int MaxIdBytes = AlertLimits.MaxAlertIdLength * 4;

        private readonly Stack<long> _ends = new();
        private readonly byte[] _id = new byte[MaxIdBytes];
        private Step _step = Step.Tag;
        private long _position;
        private ulong _varint;
        private int _shift;
        private ulong _field;
        private long _until;
        private int _idLength;
        private bool _idTooLong;
        private bool _sawId;
        private int _topField;

        private enum Step
        {
            Tag,
            Length,
            SkipVarint,
            Skip,
            CaptureId,
            Stopped,
        }

        public OversizedBody Body => !gatewayMessage ? OversizedBody.Alert : _topField switch
        {
            1 => OversizedBody.Hello,
            2 => OversizedBody.Alert,
            3 => OversizedBody.Heartbeat,
            _ => OversizedBody.Unknown,
        };

        public string AlertId => !_sawId || _idTooLong ? "" : Encoding.UTF8.GetString(_id, 0, _idLength);

        /// <summary>Where the alert_id lives: GatewayMessage.alert (2) then Alert.alert_id (1), or Alert.alert_id directly.</summary>
        private int IdDepth => gatewayMessage ? 1 : 0;

        public void Feed(ReadOnlySpan<byte> chunk)
        {
            var i = 0;
            while (i < chunk.Length && _step != Step.Stopped)
            {
                while (_ends.Count > 0 && _position >= _ends.Peek())
                {
                    _ends.Pop();
                }

                switch (_step)
                {
                    case Step.Skip:
                    {
                        var n = (int)Math.Min(chunk.Length - i, _until - _position);
                        i += n;
                        _position += n;
                        if (_position >= _until)
                        {
                            _step = Step.Tag;
                        }

                        break;
                    }

                    case Step.CaptureId:
                    {
                        var n = (int)Math.Min(chunk.Length - i, _until - _position);
                        var room = Math.Max(0, Math.Min(n, MaxIdBytes - _idLength));
                        chunk.Slice(i, room).CopyTo(_id.AsSpan(_idLength));
                        _idLength += room;
                        _idTooLong |= room < n;
                        i += n;
                        _position += n;
                        if (_position >= _until)
                        {
                            _step = Step.Tag;
                        }

                        break;
                    }

                    default:
                    {
                        var b = chunk[i++];
                        _position++;
                        _varint |= (ulong)(b & 0x7F) << _shift;
                        _shift += 7;
                        if ((b & 0x80) != 0)
                        {
                            if (_shift >= 70)
                            {
                                _step = Step.Stopped;
                            }

                            break;
                        }

                        var value = _varint;
                        _varint = 0;
                        _shift = 0;
                        OnVarint(value);
                        break;
                    }
                }
            }
        }

        private void OnVarint(ulong value)
        {
            switch (_step)
            {
                case Step.SkipVarint:
                    _step = Step.Tag;
                    return;
                case Step.Length:
                    OnLength(value);
                    return;
            }

            _field = value >> 3;
            var wireType = value & 7;
            if (_field == 0)
            {
                _step = Step.Stopped;
                return;
            }

            switch (wireType)
            {
                case 0:
                    _step = Step.SkipVarint;
                    break;
                case 1:
                    _until = _position + 8;
                    _step = Step.Skip;
                    break;
                case 2:
                    _step = Step.Length;
                    break;
                case 5:
                    _until = _position + 4;
                    _step = Step.Skip;
                    break;
                default:
                    _step = Step.Stopped;
                    break;
            }
        }

        private void OnLength(ulong length)
        {
            if (length > long.MaxValue / 2 || (_ends.Count > 0 && _position + (long)length > _ends.Peek()))
            {
                _step = Step.Stopped;
                return;
            }

            var end = _position + (long)length;
            var depth = _ends.Count;
            if (gatewayMessage && depth == 0)
            {
                _topField = (int)Math.Min(_field, int.MaxValue);
            }

            if (depth == IdDepth && _field == 1 && (!gatewayMessage || _topField == 2))
            {
                // The last alert_id wins, as when the message is parsed.
                _sawId = true;
                _idLength = 0;
                _idTooLong = false;
                _until = end;
                _step = length == 0 ? Step.Tag : Step.CaptureId;
                return;
            }

            if (gatewayMessage && depth == 0 && _field == 2)
            {
                _ends.Push(end);
                _step = Step.Tag;
                return;
            }

            _until = end;
            _step = length == 0 ? Step.Tag : Step.Skip;
        }
    }
}
