using Dispatch.Abstractions.Incidents;
using Dispatch.Server.Cameras;

namespace Dispatch.Server.Live;

/// <summary>A change the board accepted, numbered in this host's sequence.</summary>
public sealed record BoardChange(long Seq, LiveMessage Message, bool PositionOnly);

/// <summary>
/// This host's picture of the city, fed by the notifier. Every accepted change gets the next sequence
/// number; a snapshot is taken under the same lock, so "snapshot at Seq S, then deltas above S" is exact.
/// </summary>
public sealed class LiveBoard(TimeProvider clock)
{
    /// <summary>Alerts kept for the feed.</summary>
    public const int AlertCapacity = 200;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveUnit> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveIncident> _incidents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveAlert> _alerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LiveCamera> _cameras = new(StringComparer.Ordinal);
    private long _seq;

    public long Seq
    {
        get
        {
            lock (_lock)
            {
                return _seq;
            }
        }
    }

    /// <summary>Applies a change unless a newer version of the same entity is already here.</summary>
    public BoardChange? Apply(LiveMessage message)
    {
        lock (_lock)
        {
            if (_versions.TryGetValue(message.EntityKey, out var known) && known >= message.Version)
            {
                return null;
            }

            _versions[message.EntityKey] = message.Version;
            var positionOnly = false;
            switch (message)
            {
                case UnitUpdate { Unit: var unit }:
                    positionOnly = _units.TryGetValue(unit.UnitId, out var before)
                        && before with { Latitude = unit.Latitude, Longitude = unit.Longitude, PositionAt = unit.PositionAt, GridId = unit.GridId } == unit;
                    _units[unit.UnitId] = unit;
                    break;
                case IncidentUpdate { Incident: var incident }:
                    _incidents[incident.IncidentId] = incident;
                    TrimIncidents();
                    break;
                case AlertUpdate { Alert: var alert }:
                    _alerts[alert.AlertId] = alert;
                    if (_alerts.Count > AlertCapacity)
                    {
                        _alerts.Remove(_alerts.Values.MinBy(a => a.At)!.AlertId);
                    }

                    break;
                case CameraUpdate { Camera: var camera }:
                    _cameras[camera.CameraId] = camera;
                    break;
            }

            return new BoardChange(++_seq, message, positionOnly);
        }
    }

    public LiveUnit? FindUnit(string unitId)
    {
        lock (_lock)
        {
            return _units.GetValueOrDefault(unitId);
        }
    }

    public LiveIncident? FindIncident(string incidentId)
    {
        lock (_lock)
        {
            return _incidents.GetValueOrDefault(incidentId);
        }
    }

    public LiveAlert? FindAlert(string alertId)
    {
        lock (_lock)
        {
            return _alerts.GetValueOrDefault(alertId);
        }
    }

    public bool IsCameraOnline(string cameraId)
    {
        lock (_lock)
        {
            return !_cameras.TryGetValue(cameraId, out var camera) || camera.Online;
        }
    }

    /// <summary>Latest positions of <paramref name="unitIds"/>, with the sequence they are current at.</summary>
    public (long Seq, List<LiveUnit> Units) Positions(IEnumerable<string> unitIds)
    {
        lock (_lock)
        {
            return (_seq, [.. unitIds.Select(id => _units.GetValueOrDefault(id)).OfType<LiveUnit>()]);
        }
    }

    /// <summary>
    /// Everything in <paramref name="districts"/> (grid ids; null for the whole city). Camera counts and the offline
    /// list are <paramref name="cameraHealth"/>'s, so the page shows what GET /api/cameras/health shows.
    /// </summary>
    public OperationsSnapshot Snapshot(IReadOnlySet<string>? districts, CameraHealthSummary cameraHealth)
    {
        ArgumentNullException.ThrowIfNull(cameraHealth);
        bool In(string? gridId) => districts is null || (gridId is not null && districts.Contains(gridId));
        lock (_lock)
        {
            var offline = cameraHealth.Offline
                .Select(c => _cameras.GetValueOrDefault(c.CameraId) is { } known
                    ? known with { Online = false }
                    : new LiveCamera(c.CameraId, false, c.LastOnlineAt ?? cameraHealth.At, null))
                .Where(c => In(c.GridId))
                .ToList();
            return new OperationsSnapshot(
                _seq,
                clock.GetUtcNow(),
                districts?.Order(StringComparer.Ordinal).ToList(),
                [.. _units.Values.Where(u => In(u.GridId)).OrderBy(u => u.UnitId, StringComparer.Ordinal)],
                [.. _incidents.Values.Where(i => In(i.GridId)).OrderBy(i => i.CreatedAt)],
                [.. _alerts.Values.Where(a => In(a.GridId)).OrderByDescending(a => a.At)],
                cameraHealth.RegisteredCameras,
                offline,
                [.. _cameras.Values.Where(c => c.Latitude is not null && In(c.GridId)).OrderBy(c => c.CameraId, StringComparer.Ordinal)]);
        }
    }

    /// <summary>Closed incidents stay for today's compliance; older ones leave the board.</summary>
    private void TrimIncidents()
    {
        var startOfDay = new DateTimeOffset(clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);
        foreach (var old in _incidents.Values.Where(i => i.Status != IncidentStatus.Open && i.CreatedAt < startOfDay).Select(i => i.IncidentId).ToList())
        {
            _incidents.Remove(old);
        }
    }
}
