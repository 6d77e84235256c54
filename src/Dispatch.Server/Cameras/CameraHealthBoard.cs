using System.Collections.Concurrent;
using Dispatch.Contracts.V1;

namespace Dispatch.Server.Cameras;

/// <summary>Camera health from gateways' heartbeats (appsettings "Dispatch:Cameras").</summary>
public sealed class CameraHealthOptions
{
    public const string SectionName = "Dispatch:Cameras";

    /// <summary>How often gateways are asked to send a heartbeat (told in Welcome).</summary>
    public int HeartbeatIntervalSeconds { get; set; } = 10;

    /// <summary>
    /// A camera counts as offline only after it has not been reported online for this long (heartbeats missing or
    /// reporting it offline), so a short blip is not an outage. Three heartbeat intervals by default.
    /// </summary>
    public double OfflineAfterSeconds { get; set; } = 30;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (HeartbeatIntervalSeconds is < 1 or > 3600)
        {
            errors.Add($"{SectionName}:HeartbeatIntervalSeconds must be within 1..3600, got {HeartbeatIntervalSeconds}");
        }

        if (!double.IsFinite(OfflineAfterSeconds) || OfflineAfterSeconds < HeartbeatIntervalSeconds)
        {
            errors.Add($"{SectionName}:OfflineAfterSeconds must be at least the heartbeat interval ({HeartbeatIntervalSeconds}), got {OfflineAfterSeconds}");
        }

        return errors;
    }
}

/// <summary>One camera that is offline (debounced).</summary>
public sealed record OfflineCamera(string CameraId, string GatewayId, DateTimeOffset? LastOnlineAt, string LastStatus, string Detail);

/// <summary>The cameras' health as operators see it.</summary>
public sealed record CameraHealthSummary(
    DateTimeOffset At,
    int RegisteredCameras,
    int ReportedCameras,
    int OnlineCameras,
    double ConnectedShare,
    IReadOnlyList<OfflineCamera> Offline);

/// <summary>
/// Online/offline state of every camera a gateway announced, from Hello and heartbeats, on this host. A camera is
/// online while it was reported online or degraded within <see cref="CameraHealthOptions.OfflineAfterSeconds"/>:
/// one missed heartbeat or one "offline" report does not make an outage, a lasting silence does.
/// </summary>
public sealed class CameraHealthBoard(TimeProvider clock, CameraHealthOptions options, Func<int> registeredCameras)
{
    private readonly ConcurrentDictionary<string, Entry> _cameras = new(StringComparer.Ordinal);

    /// <summary>A gateway announced the cameras it serves: each counts as online from now.</summary>
    public void Announce(string gatewayId, IEnumerable<string> cameraIds)
    {
        var now = clock.GetUtcNow();
        foreach (var cameraId in cameraIds)
        {
            _cameras[cameraId] = new Entry(gatewayId, now, CameraStatus.Online, "");
        }
    }

    /// <summary>A heartbeat: cameras reported online or degraded are seen now; offline ones keep their last online time.</summary>
    public void Record(string gatewayId, Heartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        var now = clock.GetUtcNow();
        foreach (var camera in heartbeat.Cameras)
        {
            if (string.IsNullOrEmpty(camera.CameraId))
            {
                continue;
            }

            var up = camera.Status is CameraStatus.Online or CameraStatus.Degraded;
            _cameras.AddOrUpdate(
                camera.CameraId,
                _ => new Entry(gatewayId, up ? now : null, camera.Status, camera.Detail),
                (_, previous) => new Entry(gatewayId, up ? now : previous.LastOnlineAt, camera.Status, camera.Detail));
        }
    }

    public bool IsOnline(string cameraId) =>
        _cameras.TryGetValue(cameraId, out var entry) && IsOnline(entry, clock.GetUtcNow());

    public CameraHealthSummary Summarize()
    {
        var now = clock.GetUtcNow();
        var offline = new List<OfflineCamera>();
        var online = 0;
        foreach (var (cameraId, entry) in _cameras)
        {
            if (IsOnline(entry, now))
            {
                online++;
            }
            else
            {
                offline.Add(new OfflineCamera(cameraId, entry.GatewayId, entry.LastOnlineAt, StatusName(entry.LastStatus), entry.Detail));
            }
        }

        var registered = Math.Max(registeredCameras(), _cameras.Count);
        return new CameraHealthSummary(
            now,
            registered,
            _cameras.Count,
            online,
            registered == 0 ? 0 : (double)online / registered,
            [.. offline.OrderBy(c => c.CameraId, StringComparer.Ordinal)]);
    }

    private bool IsOnline(Entry entry, DateTimeOffset now) =>
        entry.LastOnlineAt is { } at && now - at <= TimeSpan.FromSeconds(options.OfflineAfterSeconds);

    private static string StatusName(CameraStatus status) => status switch
    {
        CameraStatus.Online => "online",
        CameraStatus.Degraded => "degraded",
        CameraStatus.Offline => "offline",
        _ => "unreported",
    };

    private sealed record Entry(string GatewayId, DateTimeOffset? LastOnlineAt, CameraStatus LastStatus, string Detail);
}
