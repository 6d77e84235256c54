using Dispatch.Contracts.V1;
using Dispatch.Domain.Geo;

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

/// <summary>
/// The cameras' health as operators see it: registered (the city file's and those gateways announced), reporting (some
/// gateway announced or reported them), online and offline (debounced) among those, and never reported (registered, but
/// no gateway ever said a word about them: not counted as offline, since nothing is known).
/// </summary>
public sealed record CameraHealthSummary(
    DateTimeOffset At,
    int RegisteredCameras,
    int ReportedCameras,
    int OnlineCameras,
    double ConnectedShare,
    IReadOnlyList<OfflineCamera> Offline)
{
    public int OfflineCameras => Offline.Count;

    public int NeverReportedCameras => Math.Max(0, RegisteredCameras - ReportedCameras);
}

/// <summary>Which cameras are online and offline now; every other registered camera has never reported.</summary>
public sealed record CameraStates(DateTimeOffset At, IReadOnlyList<string> Online, IReadOnlyList<string> Offline);

/// <summary>A camera a gateway announced in its Hello, with its place when the service knows it.</summary>
public sealed record AnnouncedCamera(string CameraId, string? Name = null, GeoPoint? Location = null);

/// <summary>A camera a gateway announced on this host, with what the board knows of it.</summary>
public sealed record AnnouncedCameraState(string CameraId, string GatewayId, string? Name, GeoPoint? Location, bool Online, string Status, string Detail);

/// <summary>A camera that went online or offline (after the debounce), or that a gateway announced anew.</summary>
public sealed record CameraHealthChange(string CameraId, string GatewayId, bool Online, DateTimeOffset At, string? Name, GeoPoint? Location);

/// <summary>
/// Online/offline state of every camera a gateway announced, from Hello and heartbeats, on this host. A camera is
/// online while it was reported online or degraded within <see cref="CameraHealthOptions.OfflineAfterSeconds"/>:
/// one missed heartbeat or one "offline" report does not make an outage, a lasting silence does.
/// The board also remembers what it last told operators per camera, so <see cref="Announce(string, IEnumerable{AnnouncedCamera})"/>,
/// <see cref="Record"/> and <see cref="Sweep"/> return exactly the changes to pass on: a return is told at once,
/// an outage once the debounce time has passed (found by the periodic sweep).
/// </summary>
public sealed partial class CameraHealthBoard(TimeProvider clock, CameraHealthOptions options, Func<int> registeredCameras)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _cameras = new(StringComparer.Ordinal);

    /// <summary>A gateway announced the cameras it serves: each counts as online from now.</summary>
    public IReadOnlyList<CameraHealthChange> Announce(string gatewayId, IEnumerable<string> cameraIds) =>
        Announce(gatewayId, cameraIds.Select(id => new AnnouncedCamera(id)));

    /// <summary>A gateway announced the cameras it serves: each counts as online from now.</summary>
    public IReadOnlyList<CameraHealthChange> Announce(string gatewayId, IEnumerable<AnnouncedCamera> cameras)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        var now = clock.GetUtcNow();
        var changes = new List<CameraHealthChange>();
        lock (_lock)
        {
            _connectedAt[gatewayId] = now;
            foreach (var camera in cameras)
            {
                var previous = _cameras.GetValueOrDefault(camera.CameraId);
                Touch(camera.CameraId);
                var entry = new Entry(gatewayId, now, CameraStatus.Online, "")
                {
                    Name = camera.Name ?? previous?.Name,
                    Location = camera.Location ?? previous?.Location,
                    Shown = previous?.Shown,
                };
                _cameras[camera.CameraId] = entry;
                if (entry.Shown != true || entry.Location != previous?.Location)
                {
                    changes.Add(Show(camera.CameraId, entry, online: true, now));
                }
            }
        }

        return changes;
    }

    /// <summary>
    /// A heartbeat: cameras reported online or degraded are seen now; offline ones keep their last online time. A
    /// camera whose picture is frozen or dark (contract 1.2) delivers frames that show nothing: it is not seen either.
    /// </summary>
    public IReadOnlyList<CameraHealthChange> Record(string gatewayId, Heartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        var now = clock.GetUtcNow();
        var changes = new List<CameraHealthChange>();
        lock (_lock)
        {
            foreach (var camera in heartbeat.Cameras)
            {
                if (string.IsNullOrEmpty(camera.CameraId))
                {
                    continue;
                }

                // A gateway reports only the cameras it announced (and that are its own): another gateway's camera,
                // or an id nobody announced, is ignored, so a heartbeat can neither take over nor grow the board.
                var previous = _cameras.GetValueOrDefault(camera.CameraId);
                if (previous is null || !string.Equals(previous.GatewayId, gatewayId, StringComparison.Ordinal))
                {
                    continue;
                }

                var up = (camera.Status is CameraStatus.Online or CameraStatus.Degraded) && camera.PictureFault == PictureFault.None;
                var entry = new Entry(gatewayId, up ? now : previous?.LastOnlineAt, camera.Status, camera.Detail)
                {
                    PictureFault = camera.PictureFault,
                    Name = previous?.Name,
                    Location = previous?.Location,
                    Shown = previous?.Shown,
                };
                _cameras[camera.CameraId] = entry;
                if (previous?.LastStatus != entry.LastStatus || previous?.PictureFault != entry.PictureFault || previous?.Detail != entry.Detail)
                {
                    Touch(camera.CameraId);
                }

                if (up && entry.Shown != true)
                {
                    Touch(camera.CameraId);
                    changes.Add(Show(camera.CameraId, entry, online: true, now));
                }
            }
        }

        return changes;
    }

    /// <summary>The cameras whose debounced state differs from what was last told: outages whose debounce time has passed.</summary>
    public IReadOnlyList<CameraHealthChange> Sweep()
    {
        var now = clock.GetUtcNow();
        var changes = new List<CameraHealthChange>();
        lock (_lock)
        {
            foreach (var (cameraId, entry) in _cameras)
            {
                var online = IsOnline(entry, now);
                if (entry.Shown != online)
                {
                    Touch(cameraId);
                    changes.Add(Show(cameraId, entry, online, now));
                }
            }
        }

        return changes;
    }

    public bool IsOnline(string cameraId)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (MergedViewLocked(now) is { } merged)
            {
                return merged.TryGetValue(cameraId, out var camera) && camera.Online;
            }

            return _cameras.TryGetValue(cameraId, out var entry) && IsOnline(entry, now);
        }
    }

    /// <summary>
    /// The cameras gateways announced, with their last known name, place and health: on this host, or in a cluster the
    /// whole cluster's (<see cref="CameraHealthMerge"/>) while this host's view of it is fresh.
    /// </summary>
    public IReadOnlyList<AnnouncedCameraState> Announced()
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            return [.. ViewsLocked(now).Select(c => new AnnouncedCameraState(c.CameraId, c.GatewayId, c.Name, c.Location, c.Online, c.Status, c.Detail))];
        }
    }

    public CameraStates States()
    {
        var now = clock.GetUtcNow();
        var online = new List<string>();
        var offline = new List<string>();
        lock (_lock)
        {
            foreach (var camera in ViewsLocked(now))
            {
                (camera.Online ? online : offline).Add(camera.CameraId);
            }
        }

        online.Sort(StringComparer.Ordinal);
        offline.Sort(StringComparer.Ordinal);
        return new CameraStates(now, online, offline);
    }

    public CameraHealthSummary Summarize()
    {
        var now = clock.GetUtcNow();
        var offline = new List<OfflineCamera>();
        var online = 0;
        var reported = 0;
        lock (_lock)
        {
            foreach (var camera in ViewsLocked(now))
            {
                reported++;
                if (camera.Online)
                {
                    online++;
                }
                else
                {
                    offline.Add(new OfflineCamera(camera.CameraId, camera.GatewayId, camera.LastOnlineAt, camera.Status, camera.Detail));
                }
            }
        }

        var registered = Math.Max(registeredCameras(), reported);
        return new CameraHealthSummary(
            now,
            registered,
            reported,
            online,
            registered == 0 ? 0 : (double)online / registered,
            [.. offline.OrderBy(c => c.CameraId, StringComparer.Ordinal)]);
    }

    /// <summary>Every camera as the reads show it: the cluster's merged view while fresh, else this host's own.</summary>
    private IEnumerable<CameraView> ViewsLocked(DateTimeOffset now) =>
        MergedViewLocked(now) is { } merged
            ? merged.Values.Select(m => new CameraView(m.CameraId, m.GatewayId, m.Online, m.LastOnlineAt, m.Status, m.Detail, m.Name,
                m.Latitude is { } lat && m.Longitude is { } lon ? new GeoPoint(lat, lon) : (GeoPoint?)null))
            : _cameras.Select(c => new CameraView(c.Key, c.Value.GatewayId, IsOnline(c.Value, now), c.Value.LastOnlineAt, StatusName(c.Value),
                c.Value.Detail, c.Value.Name, c.Value.Location));

    private readonly record struct CameraView(
        string CameraId, string GatewayId, bool Online, DateTimeOffset? LastOnlineAt, string Status, string Detail, string? Name, GeoPoint? Location);

    private static CameraHealthChange Show(string cameraId, Entry entry, bool online, DateTimeOffset now)
    {
        entry.Shown = online;
        return new CameraHealthChange(cameraId, entry.GatewayId, online, now, entry.Name, entry.Location);
    }

    private bool IsOnline(Entry entry, DateTimeOffset now) =>
        entry.LastOnlineAt is { } at && now - at <= TimeSpan.FromSeconds(options.OfflineAfterSeconds);

    /// <summary>The last reported status; a picture fault is named as such ("frozen", "dark"), not as "degraded".</summary>
    private static string StatusName(Entry entry) => entry.PictureFault switch
    {
        PictureFault.Frozen => "frozen",
        PictureFault.Dark => "dark",
        _ => StatusName(entry.LastStatus),
    };

    private static string StatusName(CameraStatus status) => status switch
    {
        CameraStatus.Online => "online",
        CameraStatus.Degraded => "degraded",
        CameraStatus.Offline => "offline",
        _ => "unreported",
    };

    private sealed record Entry(string GatewayId, DateTimeOffset? LastOnlineAt, CameraStatus LastStatus, string Detail)
    {
        public string? Name { get; init; }

        public GeoPoint? Location { get; init; }

        public PictureFault PictureFault { get; init; }

        /// <summary>What operators were last told (null: nothing yet); changed only under the board's lock.</summary>
        public bool? Shown { get; set; }
    }
}
