using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Server.Cameras;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Dispatch.Server.Live;

/// <summary>A change the board accepted, numbered in this host's sequence.</summary>
public sealed record BoardChange(long Seq, LiveMessage Message, bool PositionOnly);

/// <summary>
/// This host's picture of the city, fed by the notifier. Every accepted change gets the next sequence
/// number; a snapshot is taken under the same lock, so "snapshot at Seq S, then deltas above S" is exact.
/// </summary>
public sealed class LiveBoard(TimeProvider clock, CityModel city)
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
                case UnitUpdate { Unit: var changed }:
                    var unit = changed;
                    if (_units.TryGetValue(unit.UnitId, out var before) && before.PositionAt is { } seen
                        && (unit.PositionAt is null || unit.PositionAt < seen))
                    {
                        // Positions travel apart from status changes: keep the newer fix the board already has.
                        unit = unit with { Latitude = before.Latitude, Longitude = before.Longitude, PositionAt = before.PositionAt, GridId = before.GridId };
                    }

                    positionOnly = before is not null
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

    /// <summary>Applies a batch of fixes (each only if newer than the unit's last); returns the units that moved.</summary>
    public List<string> ApplyPositions(IReadOnlyList<MovedUnit> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var moved = new List<string>(positions.Count);
        lock (_lock)
        {
            foreach (var p in positions)
            {
                if (!_units.TryGetValue(p.UnitId, out var unit) || (unit.PositionAt is { } seen && p.At <= seen))
                {
                    continue;
                }

                _units[p.UnitId] = unit with { Latitude = p.Latitude, Longitude = p.Longitude, PositionAt = p.At, GridId = GridOf(unit.GridId, p.Latitude, p.Longitude) };
                moved.Add(p.UnitId);
            }

            if (moved.Count > 0)
            {
                // A batch of movements is one change: pages compare its number with their snapshot's.
                _seq++;
            }
        }

        return moved;
    }

    /// <summary>The grid holding a point, looked up only when the point left the grid it was in.</summary>
    private string? GridOf(string? previousGridId, double latitude, double longitude)
    {
        if (previousGridId is not null && _grids.Value.TryGetValue(previousGridId, out var grid)
            && grid.EnvelopeInternal.Contains(longitude, latitude)
            && SimplePointInAreaLocator.Locate(new Coordinate(longitude, latitude), grid) != Location.Exterior)
        {
            return previousGridId;
        }

        return GeoPoint.Validate(latitude, longitude) is null ? city.FindGrid(new GeoPoint(latitude, longitude))?.Id : null;
    }

    private readonly Lazy<Dictionary<string, Polygon>> _grids = new(() => city.Grids.ToDictionary(g => g.Id, g => g.Boundary, StringComparer.Ordinal));

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
