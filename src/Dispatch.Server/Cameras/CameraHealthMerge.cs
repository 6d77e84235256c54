namespace Dispatch.Server.Cameras;

/// <summary>One camera as one host's board sees it (its gateway connected to that host).</summary>
[GenerateSerializer]
[Alias("cameras.camera-report")]
public sealed record CameraReport(
    [property: Id(0)] string CameraId,
    [property: Id(1)] bool Online,
    [property: Id(2)] DateTimeOffset? LastOnlineAt,
    [property: Id(3)] string Status,
    [property: Id(4)] string Detail,
    [property: Id(5)] string? Name,
    [property: Id(6)] double? Latitude,
    [property: Id(7)] double? Longitude);

/// <summary>A gateway's cameras as one host reports them, with when the gateway's present connection to that host began.</summary>
[GenerateSerializer]
[Alias("cameras.gateway-report")]
public sealed record GatewayReport(
    [property: Id(0)] string GatewayId,
    [property: Id(1)] DateTimeOffset ConnectedAt,
    [property: Id(2)] IReadOnlyList<CameraReport> Cameras);

/// <summary>
/// What one host sends each second: the cameras that changed on its board (all of them when <see cref="Full"/>), and
/// the merged view it already holds (<see cref="Generation"/>, <see cref="SinceVersion"/>), so the answer carries
/// only what changed since. An empty report renews the host's lease.
/// </summary>
[GenerateSerializer]
[Alias("cameras.health-report")]
public sealed record CameraHealthReport(
    [property: Id(0)] string HostId,
    [property: Id(1)] bool Full,
    [property: Id(2)] IReadOnlyList<GatewayReport> Gateways,
    [property: Id(3)] string? Generation,
    [property: Id(4)] long SinceVersion);

/// <summary>A camera in the cluster-wide view, with the host whose report it follows.</summary>
[GenerateSerializer]
[Alias("cameras.merged-camera")]
public sealed record MergedCamera(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string GatewayId,
    [property: Id(2)] bool Online,
    [property: Id(3)] DateTimeOffset? LastOnlineAt,
    [property: Id(4)] string Status,
    [property: Id(5)] string Detail,
    [property: Id(6)] string? Name,
    [property: Id(7)] double? Latitude,
    [property: Id(8)] double? Longitude,
    [property: Id(9)] string HostId);

/// <summary>
/// The answer to a report: the merged cameras that changed since the host's version (<see cref="Reset"/>: the whole
/// view, to replace what the host holds), or <see cref="FullReportNeeded"/> when the board does not know the host (it
/// was started anew, e.g. moved off a silo that died) and needs everything the host sees.
/// </summary>
[GenerateSerializer]
[Alias("cameras.merged-delta")]
public sealed record CameraHealthMergedDelta(
    [property: Id(0)] string Generation,
    [property: Id(1)] long Version,
    [property: Id(2)] bool Reset,
    [property: Id(3)] IReadOnlyList<MergedCamera> Changes,
    [property: Id(4)] bool FullReportNeeded);

/// <summary>
/// The cluster's camera health, merged from every host's reports. Each host reports the gateways connected to it; a
/// camera follows the report of the newest connection of a gateway that serves it (a gateway that moved to another
/// host belongs to the newer connection, so the old host's stale "offline" never counts), and that host's word holds
/// while its reports keep coming. A host that falls silent (its lease, <see cref="Lease"/>, runs out) stops vouching:
/// the cameras it called online count as online for the usual debounce (<see cref="CameraHealthOptions.OfflineAfterSeconds"/>)
/// after its last report, then offline, unless their gateway reconnected elsewhere. Not thread-safe: the board grain
/// owns one.
/// </summary>
public sealed class CameraHealthMerge(TimeProvider clock, TimeSpan offlineAfter)
{
    /// <summary>A host that sent nothing for this long no longer vouches for its cameras (three report intervals).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    /// <summary>A host silent this long is forgotten with its reports (its cameras went offline long before).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, DateTimeOffset> _hostSeenAt = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Host, string Gateway), Claim> _claims = [];
    private readonly Dictionary<string, HashSet<(string Host, string Gateway)>> _claimsOfCamera = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (MergedCamera Camera, long Version)> _merged = new(StringComparer.Ordinal);

    // Which camera changed at which version, in order: answers "since" without scanning every camera. Compacted to
    // one entry per camera (its latest) when it grows, which answers the same.
    private List<(long Version, string CameraId)> _log = [];
    private long _version;

    /// <summary>Names this merge: a host holding a view of another generation gets the whole view again.</summary>
    public string Generation { get; } = Guid.NewGuid().ToString("N");

    public long Version => _version;

    public int CameraCount => _merged.Count;

    public bool Knows(string hostId) => _hostSeenAt.ContainsKey(hostId);

    /// <summary>Takes one host's report; renews its lease.</summary>
    public void Apply(CameraHealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(report.HostId);
        var now = clock.GetUtcNow();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        if (_hostSeenAt.TryGetValue(report.HostId, out var seenAt) && now - seenAt > Lease)
        {
            // A host heard from again after a silence (a partition that healed): its word counts again.
            foreach (var (key, claim) in _claims.Where(c => c.Key.Host == report.HostId))
            {
                touched.UnionWith(claim.Cameras.Keys);
            }
        }

        _hostSeenAt[report.HostId] = now;
        if (report.Full)
        {
            foreach (var key in _claims.Keys.Where(k => k.Host == report.HostId).ToList())
            {
                Drop(key, touched);
            }
        }

        foreach (var gateway in report.Gateways)
        {
            var key = (report.HostId, gateway.GatewayId);
            if (!_claims.TryGetValue(key, out var claim))
            {
                _claims[key] = claim = new Claim(gateway.ConnectedAt);
            }
            else if (claim.ConnectedAt != gateway.ConnectedAt)
            {
                // A new connection of the gateway to this host: every camera it serves may change hands.
                claim.ConnectedAt = gateway.ConnectedAt;
                touched.UnionWith(claim.Cameras.Keys);
            }

            foreach (var camera in gateway.Cameras)
            {
                claim.Cameras[camera.CameraId] = camera;
                if (!_claimsOfCamera.TryGetValue(camera.CameraId, out var claims))
                {
                    _claimsOfCamera[camera.CameraId] = claims = [];
                }

                claims.Add(key);
                touched.Add(camera.CameraId);
            }
        }

        foreach (var cameraId in touched)
        {
            Recompute(cameraId, now);
        }
    }

    /// <summary>
    /// Looks at the cameras of silent hosts (their debounce may have run out) and forgets hosts silent for
    /// <see cref="ForgetAfter"/>. Every second on the board grain; costs nothing while every host reports.
    /// </summary>
    public void Sweep()
    {
        var now = clock.GetUtcNow();
        var silent = _hostSeenAt.Where(h => now - h.Value > Lease).ToList();
        if (silent.Count == 0)
        {
            return;
        }

        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (hostId, seenAt) in silent)
        {
            var keys = _claims.Keys.Where(k => k.Host == hostId).ToList();
            if (now - seenAt > ForgetAfter)
            {
                _hostSeenAt.Remove(hostId);
                foreach (var key in keys)
                {
                    Drop(key, touched);
                }

                continue;
            }

            foreach (var key in keys)
            {
                foreach (var cameraId in _claims[key].Cameras.Keys)
                {
                    if (_merged.TryGetValue(cameraId, out var shown) && shown.Camera.HostId == hostId && shown.Camera.Online)
                    {
                        touched.Add(cameraId);
                    }
                }
            }
        }

        foreach (var cameraId in touched)
        {
            Recompute(cameraId, now);
        }
    }

    /// <summary>The merged cameras changed after <paramref name="sinceVersion"/> of <paramref name="generation"/>; all of them for another generation.</summary>
    public CameraHealthMergedDelta ChangesSince(string? generation, long sinceVersion)
    {
        if (generation != Generation)
        {
            return new CameraHealthMergedDelta(Generation, _version, Reset: true, [.. _merged.Values.Select(m => m.Camera)], FullReportNeeded: false);
        }

        var first = _log.BinarySearch((sinceVersion, "\uffff"), LogOrder.Instance);
        first = first < 0 ? ~first : first + 1;
        var changed = new List<MergedCamera>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = first; i < _log.Count; i++)
        {
            var cameraId = _log[i].CameraId;
            if (seen.Add(cameraId) && _merged.TryGetValue(cameraId, out var current) && current.Version > sinceVersion)
            {
                changed.Add(current.Camera);
            }
        }

        return new CameraHealthMergedDelta(Generation, _version, Reset: false, changed, FullReportNeeded: false);
    }

    /// <summary>The merged view of one camera (null: no host ever reported it).</summary>
    public MergedCamera? Find(string cameraId) => _merged.TryGetValue(cameraId, out var m) ? m.Camera : null;

    private void Drop((string Host, string Gateway) key, HashSet<string> touched)
    {
        if (!_claims.Remove(key, out var claim))
        {
            return;
        }

        foreach (var cameraId in claim.Cameras.Keys)
        {
            if (_claimsOfCamera.TryGetValue(cameraId, out var claims))
            {
                claims.Remove(key);
                if (claims.Count == 0)
                {
                    _claimsOfCamera.Remove(cameraId);
                }
            }

            touched.Add(cameraId);
        }
    }

    private void Recompute(string cameraId, DateTimeOffset now)
    {
        MergedCamera? merged = null;
        if (_claimsOfCamera.TryGetValue(cameraId, out var claims) && claims.Count > 0)
        {
            // The newest connection wins; between two of one instant, the host heard from last.
            var owner = claims
                .Select(k => (Key: k, Claim: _claims[k], SeenAt: _hostSeenAt.GetValueOrDefault(k.Host)))
                .MaxBy(c => (c.Claim.ConnectedAt, c.SeenAt));
            var report = owner.Claim.Cameras[cameraId];
            var silentFor = now - owner.SeenAt;
            var vouched = silentFor <= Lease || silentFor <= offlineAfter;
            var online = report.Online && vouched;
            var lastOnlineAt = report.Online && !vouched ? owner.SeenAt : report.LastOnlineAt;
            merged = new MergedCamera(cameraId, owner.Key.Gateway, online, lastOnlineAt,
                report.Online && !vouched ? "unreported" : report.Status, report.Detail, report.Name, report.Latitude, report.Longitude, owner.Key.Host);
        }
        else if (_merged.TryGetValue(cameraId, out var before))
        {
            // Every host that reported it is forgotten: it stays known, offline since its last report.
            merged = before.Camera with { Online = false, Status = "unreported" };
        }

        if (merged is null || (_merged.TryGetValue(cameraId, out var previous) && previous.Camera == merged))
        {
            return;
        }

        _merged[cameraId] = (merged, ++_version);
        _log.Add((_version, cameraId));
        if (_log.Count > (2 * _merged.Count) + 1024)
        {
            _log = [.. _merged.Select(m => (m.Value.Version, m.Key)).OrderBy(e => e.Version)];
        }
    }

    private sealed class Claim(DateTimeOffset connectedAt)
    {
        public DateTimeOffset ConnectedAt { get; set; } = connectedAt;

        public Dictionary<string, CameraReport> Cameras { get; } = new(StringComparer.Ordinal);
    }

    private sealed class LogOrder : IComparer<(long Version, string CameraId)>
    {
        public static readonly LogOrder Instance = new();

        public int Compare((long Version, string CameraId) x, (long Version, string CameraId) y) => x.Version.CompareTo(y.Version);
    }
}
