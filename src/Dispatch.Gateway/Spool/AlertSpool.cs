using System.Buffers.Binary;
using System.Text;
using Dispatch.Contracts.V1;
using Google.Protobuf;

namespace Dispatch.Gateway.Spool;

/// <summary>
/// The gateway's durable outbox: one append-only file per gateway holding every alert not yet
/// acknowledged. Each alert and each ack is a checksummed record flushed to disk before the call
/// returns, so a crash loses nothing and a torn last record is simply cut off on the next start.
/// The file is rewritten with only the pending alerts once acked records dominate it.
/// </summary>
/// <remarks>
/// Record layout: type (1 byte: 1 alert, 2 ack), payload length (int32 LE), payload (alert protobuf
/// or UTF-8 alert id), FNV-1a 32 of type and payload (uint32 LE).
/// </remarks>
public sealed class AlertSpool : IDisposable
{
    private const byte AlertRecord = 1;
    private const byte AckRecord = 2;
    private const int HeaderBytes = 5;
    private const int ChecksumBytes = 4;
    private const int MaxPayloadBytes = 8 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly OrderedDictionary<string, Alert> _pending = new(StringComparer.Ordinal);
    private readonly int _compactAfterAcks;
    private FileStream _file;
    private int _ackRecords;

    private AlertSpool(string path, FileStream file, int compactAfterAcks)
    {
        FilePath = path;
        _file = file;
        _compactAfterAcks = compactAfterAcks;
    }

    /// <summary>Raised after an alert has been stored (outside the spool's lock).</summary>
    public event Action? Appended;

    public string FilePath { get; }

    /// <summary>Alerts stored and not yet acknowledged.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Records cut from the end of the file at open because they were torn or corrupt.</summary>
    public long DiscardedTailBytes { get; private set; }

    /// <summary>Size of the spool file now, for compaction checks.</summary>
    public long FileBytes
    {
        get
        {
            lock (_gate)
            {
                return _file.Length;
            }
        }
    }

    /// <summary>Opens (or creates) the spool of one gateway in <paramref name="directory"/> and replays it.</summary>
    public static AlertSpool Open(string directory, string gatewayId, int compactAfterAcks = 256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayId);
        if (gatewayId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || gatewayId.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"gateway id '{gatewayId}' cannot be used as a spool file name", nameof(gatewayId));
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, gatewayId + ".spool");
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
        var spool = new AlertSpool(path, file, compactAfterAcks);
        try
        {
            spool.Replay();
        }
        catch
        {
            spool.Dispose();
            throw;
        }

        return spool;
    }

    /// <summary>Stores an alert durably. Returns false if an alert with that id is already pending.</summary>
    public bool Append(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrWhiteSpace(alert.AlertId, nameof(alert));
        lock (_gate)
        {
            if (_pending.ContainsKey(alert.AlertId))
            {
                return false;
            }

            WriteRecord(_file, AlertRecord, alert.ToByteArray());
            _file.Flush(flushToDisk: true);
            _pending.Add(alert.AlertId, alert);
        }

        Appended?.Invoke();
        return true;
    }

    /// <summary>Drops an acknowledged (or permanently rejected) alert. Returns false if it was not pending.</summary>
    public bool Acknowledge(string alertId)
    {
        lock (_gate)
        {
            if (!_pending.Remove(alertId))
            {
                return false;
            }

            if (_pending.Count == 0)
            {
                // Everything delivered: an empty file is the cheapest compaction.
                _file.SetLength(0);
                _file.Flush(flushToDisk: true);
                _ackRecords = 0;
                return true;
            }

            WriteRecord(_file, AckRecord, Encoding.UTF8.GetBytes(alertId));
            _file.Flush(flushToDisk: true);
            _ackRecords++;
            if (_ackRecords >= _compactAfterAcks && _ackRecords > _pending.Count)
            {
                Compact();
            }

            return true;
        }
    }

    /// <summary>Pending alerts, oldest first.</summary>
    public IReadOnlyList<Alert> Pending()
    {
        lock (_gate)
        {
            return [.. _pending.Values];
        }
    }

    public bool IsPending(string alertId)
    {
        lock (_gate)
        {
            return _pending.ContainsKey(alertId);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }

    private void Replay()
    {
        _file.Position = 0;
        var header = new byte[HeaderBytes];
        long goodEnd = 0;
        while (true)
        {
            if (!ReadExactly(_file, header))
            {
                break;
            }

            var type = header[0];
            var length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(1));
            if ((type != AlertRecord && type != AckRecord) || length < 0 || length > MaxPayloadBytes)
            {
                break;
            }

            var body = new byte[length + ChecksumBytes];
            if (!ReadExactly(_file, body))
            {
                break;
            }

            var payload = body.AsSpan(0, length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(length)) != Checksum(type, payload))
            {
                break;
            }

            if (type == AlertRecord)
            {
                var alert = Alert.Parser.ParseFrom(payload);
                _pending.TryAdd(alert.AlertId, alert);
            }
            else
            {
                _pending.Remove(Encoding.UTF8.GetString(payload));
                _ackRecords++;
            }

            goodEnd = _file.Position;
        }

        DiscardedTailBytes = _file.Length - goodEnd;
        if (DiscardedTailBytes > 0)
        {
            _file.SetLength(goodEnd);
            _file.Flush(flushToDisk: true);
        }

        _file.Position = _file.Length;
        if (_ackRecords > 0 && _ackRecords > _pending.Count)
        {
            Compact();
        }
    }

    private void Compact()
    {
        // Write the survivors to a side file, make it durable, then swap it in atomically.
        var temporary = FilePath + ".compact";
        using (var fresh = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var alert in _pending.Values)
            {
                WriteRecord(fresh, AlertRecord, alert.ToByteArray());
            }

            fresh.Flush(flushToDisk: true);
        }

        _file.Dispose();
        File.Move(temporary, FilePath, overwrite: true);
        _file = new FileStream(FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        _file.Position = _file.Length;
        _ackRecords = 0;
    }

    private static void WriteRecord(Stream stream, byte type, ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderBytes + payload.Length + ChecksumBytes];
        record[0] = type;
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(1), payload.Length);
        payload.CopyTo(record.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(HeaderBytes + payload.Length), Checksum(type, payload));
        stream.Write(record);
    }

    private static uint Checksum(byte type, ReadOnlySpan<byte> payload)
    {
        var hash = 2166136261u;
        hash = (hash ^ type) * 16777619u;
        foreach (var b in payload)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static bool ReadExactly(Stream stream, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
