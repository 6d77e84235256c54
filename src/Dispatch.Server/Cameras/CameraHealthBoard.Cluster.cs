namespace Dispatch.Server.Cameras;

/// <summary>
/// The board in a cluster: what changed here is collected for the cluster's board grain (<see cref="TakeReport"/>),
/// and the merged view it answers with is held here (<see cref="ApplyMerged"/>) and read by every view of the board
/// while it is fresh. Embedded (one host) none of this runs: nothing is collected and reads are this host's own.
/// </summary>
public sealed partial class CameraHealthBoard
{
    /// <summary>A merged view older than this is not shown: the host serves its own cameras until the board answers again.</summary>
    public static readonly TimeSpan MergedViewFreshFor = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, DateTimeOffset> _connectedAt = new(StringComparer.Ordinal);

    // Null until the host reports to a cluster: then the cameras changed since the last report.
    private HashSet<string>? _dirty;
    private Dictionary<string, MergedCamera>? _merged;
    private DateTimeOffset _mergedAt;

    /// <summary>Whether the reads show the cluster's merged view now (false: this host's own, e.g. the board grain is unreachable).</summary>
    public bool ShowsClusterView
    {
        get
        {
            lock (_lock)
            {
                return MergedViewLocked(clock.GetUtcNow()) is not null;
            }
        }
    }

    /// <summary>
    /// This host's cameras for the cluster's board, grouped by gateway with each gateway's connection time: every camera
    /// (<paramref name="full"/>) or those changed since the last call. Starts the collecting on its first call.
    /// </summary>
    public IReadOnlyList<GatewayReport> TakeReport(bool full)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            IEnumerable<string> ids = full || _dirty is null ? _cameras.Keys : _dirty;
            var report = ids
                .Select(id => (Id: id, Entry: _cameras.GetValueOrDefault(id)))
                .Where(c => c.Entry is not null)
                .GroupBy(c => c.Entry!.GatewayId, StringComparer.Ordinal)
                .Select(g => new GatewayReport(g.Key, _connectedAt.GetValueOrDefault(g.Key), [.. g.Select(c => Report(c.Id, c.Entry!, now))]))
                .ToList();
            _dirty = new HashSet<string>(StringComparer.Ordinal);
            return report;
        }
    }

    /// <summary>A report that did not reach the board: its cameras go with the next one.</summary>
    public void Requeue(IEnumerable<GatewayReport> report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_lock)
        {
            _dirty ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var camera in report.SelectMany(g => g.Cameras))
            {
                _dirty.Add(camera.CameraId);
            }
        }
    }

    /// <summary>
    /// Takes the board grain's answer into the merged view; returns what operators' pages should be told: cameras whose
    /// online state changed from what the merged view said before (or that are new to it, or moved).
    /// </summary>
    public IReadOnlyList<CameraHealthChange> ApplyMerged(CameraHealthMergedDelta delta)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var now = clock.GetUtcNow();
        var changes = new List<CameraHealthChange>();
        lock (_lock)
        {
            var before = _merged ?? new Dictionary<string, MergedCamera>(StringComparer.Ordinal);
            var after = delta.Reset ? new Dictionary<string, MergedCamera>(StringComparer.Ordinal) : before;
            foreach (var camera in delta.Changes)
            {
                var previous = before.GetValueOrDefault(camera.CameraId);
                after[camera.CameraId] = camera;
                if (previous is null || previous.Online != camera.Online || previous.Latitude != camera.Latitude || previous.Longitude != camera.Longitude)
                {
                    var location = camera.Latitude is { } lat && camera.Longitude is { } lon ? new Domain.Geo.GeoPoint(lat, lon) : (Domain.Geo.GeoPoint?)null;
                    changes.Add(new CameraHealthChange(camera.CameraId, camera.GatewayId, camera.Online, now, camera.Name, location));
                }
            }

            _merged = after;
            _mergedAt = now;
        }

        return changes;
    }

    private Dictionary<string, MergedCamera>? MergedViewLocked(DateTimeOffset now) =>
        _merged is { } merged && now - _mergedAt <= MergedViewFreshFor ? merged : null;

    private void Touch(string cameraId) => _dirty?.Add(cameraId);

    private CameraReport Report(string cameraId, Entry entry, DateTimeOffset now) =>
        new(cameraId, IsOnline(entry, now), entry.LastOnlineAt, StatusName(entry), entry.Detail, entry.Name, entry.Location?.Latitude, entry.Location?.Longitude);
}
