using Orleans.Serialization;
using Orleans.Storage;

namespace Dispatch.Grains.Hosting;

/// <summary>
/// Grain and record state in Orleans' own binary format (the <c>[GenerateSerializer]</c>/<c>[Id]</c> contracts the
/// state types already carry, so renames and added fields stay readable), behind a one-byte format marker. Rows
/// written before it, in Orleans' default JSON (Newtonsoft, with type names), start with '{' and are still read;
/// they are rewritten in the binary format at their next write, so no migration pass is needed. (The incident
/// record's snapshot, a table born with the binary format, uses Orleans' serializer directly, without the marker.)
/// </summary>
public sealed class DispatchStateSerializer(Serializer serializer, IGrainStorageSerializer? legacyJson = null) : IGrainStorageSerializer
{
    /// <summary>First byte of a binary payload; JSON text never starts with it.</summary>
    public const byte BinaryMarker = 0x00;

    public BinaryData Serialize<T>(T? input)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>(256);
        writer.GetSpan(1)[0] = BinaryMarker;
        writer.Advance(1);
        serializer.Serialize(input, writer);
        return new BinaryData(writer.WrittenMemory);
    }

    public T Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var bytes = input.ToMemory();
        if (bytes.Length > 0 && bytes.Span[0] == BinaryMarker)
        {
            return serializer.Deserialize<T>(bytes[1..])!;
        }

        if (legacyJson is null)
        {
            throw new InvalidOperationException($"stored {typeof(T).Name} is not in the binary format and no JSON reader is configured");
        }

        return legacyJson.Deserialize<T>(input)!;
    }
}
