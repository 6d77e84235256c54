using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Dispatch.Gateway.Video;

/// <summary>A clip waiting in the spool to be uploaded for one alert.</summary>
public sealed record SpooledClip(
    string AlertId,
    string CameraId,
    string MediaType,
    DateTime StartUtc,
    DateTime EndUtc,
    int WidthPx,
    int HeightPx,
    int FrameCount,
    long Bytes,
    DateTime SpooledAtUtc);

/// <summary>
/// Event clips waiting for upload, one pair of files per alert in <c>&lt;spool&gt;/clips</c>: the WebM, then a small JSON
/// description written last, so a clip is listed only once both are complete on disk (each written to a temporary file,
/// flushed, then renamed). Survives restarts like the alert spool; bounded in bytes, the oldest clip making way.
/// </summary>
public sealed class ClipSpool
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _lock = new();
    private readonly long _maxBytes;
    private readonly Action<string> _log;

    private ClipSpool(string directory, long maxBytes, Action<string> log)
    {
        Directory = directory;
        _maxBytes = maxBytes;
        _log = log;
    }

    public string Directory { get; }

    /// <summary>Opens (creating) the clip folder and removes what an interrupted write left behind.</summary>
    public static ClipSpool Open(string directory, long maxBytes = 256L * 1024 * 1024, Action<string>? log = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(directory, "*.tmp"))
        {
            File.Delete(leftover);
        }

        foreach (var video in System.IO.Directory.EnumerateFiles(directory, "*.webm"))
        {
            if (!File.Exists(Path.ChangeExtension(video, ".json")))
            {
                File.Delete(video);
            }
        }

        return new ClipSpool(directory, maxBytes, log ?? (_ => { }));
    }

    /// <summary>Clips waiting, oldest first.</summary>
    public IReadOnlyList<SpooledClip> Pending()
    {
        lock (_lock)
        {
            return [.. ReadAll().OrderBy(c => c.SpooledAtUtc).ThenBy(c => c.AlertId, StringComparer.Ordinal)];
        }
    }

    public int Count => Pending().Count;

    /// <summary>Keeps the clip for each of its alerts, then drops the oldest clips while the folder holds more than its limit.</summary>
    public void Add(EncodedClip clip, string cameraId, IEnumerable<string> alertIds)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(alertIds);
        lock (_lock)
        {
            foreach (var alertId in alertIds)
            {
                var entry = new SpooledClip(alertId, cameraId, clip.MediaType, clip.StartUtc, clip.EndUtc, clip.WidthPx, clip.HeightPx,
                    clip.FrameCount, clip.Bytes.Length, DateTime.UtcNow);
                WriteDurably(VideoPath(alertId), clip.Bytes);
                WriteDurably(MetaPath(alertId), JsonSerializer.SerializeToUtf8Bytes(entry, Json));
            }

            var all = ReadAll().OrderBy(c => c.SpooledAtUtc).ToList();
            var total = all.Sum(c => c.Bytes);
            foreach (var oldest in all)
            {
                if (total <= _maxBytes)
                {
                    break;
                }

                _log($"clip spool over {_maxBytes} bytes: dropping the clip of alert {oldest.AlertId}");
                Remove(oldest.AlertId);
                total -= oldest.Bytes;
            }
        }
    }

    public byte[] Read(SpooledClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        return File.ReadAllBytes(VideoPath(clip.AlertId));
    }

    /// <summary>Forgets the alert's clip (uploaded, or refused for good).</summary>
    public void Remove(string alertId)
    {
        lock (_lock)
        {
            File.Delete(MetaPath(alertId));
            File.Delete(VideoPath(alertId));
        }
    }

    private List<SpooledClip> ReadAll()
    {
        var clips = new List<SpooledClip>();
        foreach (var meta in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<SpooledClip>(File.ReadAllBytes(meta), Json) is { } clip && File.Exists(Path.ChangeExtension(meta, ".webm")))
                {
                    clips.Add(clip);
                }
            }
            catch (JsonException)
            {
                // Cannot be: written whole then renamed. A damaged one is dropped rather than blocking the rest.
                File.Delete(meta);
            }
        }

        return clips;
    }

    /// <summary>The file name of an alert's clip: its id when that is a safe name, else a hash of it (the JSON keeps the id).</summary>
    private string VideoPath(string alertId) => Path.Combine(Directory, FileKey(alertId) + ".webm");

    private string MetaPath(string alertId) => Path.Combine(Directory, FileKey(alertId) + ".json");

    internal static string FileKey(string alertId) =>
        alertId.Length is > 0 and <= 128 && alertId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? alertId
            : "x" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(alertId)));

    private static void WriteDurably(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
