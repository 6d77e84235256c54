using System.Globalization;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Dispatch.Domain.City;

/// <summary>
/// A grid cell of the city (网格): its boundary (longitude/latitude polygon) and its street police station.
/// <see cref="NameEn"/> is the English name where the city file has one (pages in English show it instead of <see cref="Name"/>).
/// </summary>
public sealed record GridSpec(string Id, string Name, string StationId, Polygon Boundary, string? NameEn = null);

/// <summary>A street police station (警务站) with the responders on duty there; <see cref="NameEn"/> as for grids.</summary>
public sealed record StationSpec(string Id, string Name, GeoPoint Location, string GridId, int OnDutyResponders, string? NameEn = null);

/// <summary>A patrol unit (car, motorcycle, bicycle or officer on foot) and where its shift starts.</summary>
public sealed record PatrolUnitSpec(string Id, string CallSign, UnitKind Kind, string HomeStationId, GeoPoint Start);

/// <summary>
/// A camera channel: location, heading and field of view in degrees, the station that watches it, the gateway it streams
/// through; <see cref="NameEn"/> as for grids.
/// </summary>
public sealed record CameraSpec(
    string Id,
    string Name,
    GeoPoint Location,
    double HeadingDegrees,
    double FieldOfViewDegrees,
    string StationId,
    string GatewayId,
    string? NameEn = null);

/// <summary>
/// The city a deployment serves. Immutable; lookups (which grid holds a point) are indexed.
/// Ids are unique per kind; every reference (grid to station, unit to station, camera to station) resolves.
/// </summary>
public sealed class CityModel
{
    private readonly Dictionary<string, StationSpec> _stationsById;
    private readonly Dictionary<string, PatrolUnitSpec> _unitsById;
    private readonly Dictionary<string, CameraSpec> _camerasById;
    private readonly STRtree<GridSpec> _gridIndex = new();

    public CityModel(
        string name,
        GeoPoint center,
        IReadOnlyList<GridSpec> grids,
        IReadOnlyList<StationSpec> stations,
        IReadOnlyList<PatrolUnitSpec> units,
        IReadOnlyList<CameraSpec> cameras,
        string? nameEn = null)
    {
        ArgumentNullException.ThrowIfNull(grids);
        ArgumentNullException.ThrowIfNull(stations);
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(cameras);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("city name must not be empty", nameof(name));
        }

        var gridIds = CheckAll(grids, nameof(grids), "grid", g => g?.Id, CheckGrid);
        _stationsById = new Dictionary<string, StationSpec>(StringComparer.Ordinal);
        foreach (var station in stations)
        {
            Fail(station is null ? "station must not be null" : CheckStation(station), nameof(stations));
            if (!_stationsById.TryAdd(station!.Id, station))
            {
                throw new ArgumentException($"duplicate station id '{station.Id}'", nameof(stations));
            }
        }

        CheckAll(units, nameof(units), "unit", u => u?.Id, CheckUnit);
        CheckAll(cameras, nameof(cameras), "camera", c => c?.Id, CheckCamera);
        _unitsById = units.ToDictionary(u => u.Id, StringComparer.Ordinal);
        _camerasById = cameras.ToDictionary(c => c.Id, StringComparer.Ordinal);

        foreach (var grid in grids)
        {
            if (!_stationsById.ContainsKey(grid.StationId))
            {
                throw new ArgumentException($"grid '{grid.Id}' names unknown station '{grid.StationId}'", nameof(grids));
            }
        }

        foreach (var station in stations)
        {
            if (!gridIds.Contains(station.GridId))
            {
                throw new ArgumentException($"station '{station.Id}' names unknown grid '{station.GridId}'", nameof(stations));
            }
        }

        foreach (var unit in units)
        {
            if (!_stationsById.ContainsKey(unit.HomeStationId))
            {
                throw new ArgumentException($"unit '{unit.Id}' names unknown home station '{unit.HomeStationId}'", nameof(units));
            }
        }

        foreach (var camera in cameras)
        {
            if (!_stationsById.ContainsKey(camera.StationId))
            {
                throw new ArgumentException($"camera '{camera.Id}' names unknown station '{camera.StationId}'", nameof(cameras));
            }
        }

        Name = name;
        NameEn = string.IsNullOrWhiteSpace(nameEn) ? null : nameEn;
        Center = center;
        Grids = [.. grids];
        Stations = [.. stations];
        Units = [.. units];
        Cameras = [.. cameras];

        // Lowest id first, so a point on a shared border always resolves to the same grid.
        foreach (var grid in Grids.OrderBy(g => g.Id, StringComparer.Ordinal))
        {
            _gridIndex.Insert(grid.Boundary.EnvelopeInternal, grid);
        }

        // Built eagerly: a built tree is read-only, so concurrent lookups are safe.
        _gridIndex.Build();
    }

    public string Name { get; }

    /// <summary>The city's English name, where the city file has one.</summary>
    public string? NameEn { get; }

    public GeoPoint Center { get; }

    public IReadOnlyList<GridSpec> Grids { get; }

    public IReadOnlyList<StationSpec> Stations { get; }

    public IReadOnlyList<PatrolUnitSpec> Units { get; }

    public IReadOnlyList<CameraSpec> Cameras { get; }

    /// <summary>
    /// The grid whose boundary holds <paramref name="point"/>, or null outside the city.
    /// A point on a border shared by several grids belongs to the one with the lowest id (ordinal).
    /// </summary>
    public GridSpec? FindGrid(GeoPoint point)
    {
        if (Grids.Count == 0)
        {
            return null;
        }

        var coordinate = new Coordinate(point.Longitude, point.Latitude);
        GridSpec? found = null;
        foreach (var candidate in _gridIndex.Query(new Envelope(coordinate)))
        {
            if (found is not null && string.CompareOrdinal(candidate.Id, found.Id) >= 0)
            {
                continue;
            }

            // The simple locator keeps no state, so it is safe from many threads.
            if (SimplePointInAreaLocator.Locate(coordinate, candidate.Boundary) != Location.Exterior)
            {
                found = candidate;
            }
        }

        return found;
    }

    public StationSpec? FindStation(string stationId) =>
        stationId is not null && _stationsById.TryGetValue(stationId, out var station) ? station : null;

    public PatrolUnitSpec? FindUnit(string unitId) =>
        unitId is not null && _unitsById.TryGetValue(unitId, out var unit) ? unit : null;

    public CameraSpec? FindCamera(string cameraId) =>
        cameraId is not null && _camerasById.TryGetValue(cameraId, out var camera) ? camera : null;

    /// <summary>Null when the grid is acceptable on its own (references aside), otherwise why not.</summary>
    internal static string? CheckGrid(GridSpec grid) =>
        CheckId("grid", grid.Id)
        ?? CheckText("grid", grid.Id, "name", grid.Name)
        ?? CheckText("grid", grid.Id, "station id", grid.StationId)
        ?? CheckBoundary(grid.Id, grid.Boundary);

    internal static string? CheckStation(StationSpec station)
    {
        var error = CheckId("station", station.Id)
            ?? CheckText("station", station.Id, "name", station.Name)
            ?? CheckText("station", station.Id, "grid id", station.GridId);
        if (error is not null)
        {
            return error;
        }

        return station.OnDutyResponders < 0
            ? $"station '{station.Id}': on-duty responders must be >= 0, got {station.OnDutyResponders}"
            : null;
    }

    internal static string? CheckUnit(PatrolUnitSpec unit)
    {
        var error = CheckId("unit", unit.Id)
            ?? CheckText("unit", unit.Id, "call sign", unit.CallSign)
            ?? CheckText("unit", unit.Id, "home station id", unit.HomeStationId);
        if (error is not null)
        {
            return error;
        }

        return Enum.IsDefined(unit.Kind) ? null : $"unit '{unit.Id}': unknown unit kind {(int)unit.Kind}";
    }

    internal static string? CheckCamera(CameraSpec camera)
    {
        var error = CheckId("camera", camera.Id)
            ?? CheckText("camera", camera.Id, "name", camera.Name)
            ?? CheckText("camera", camera.Id, "station id", camera.StationId)
            ?? CheckText("camera", camera.Id, "gateway id", camera.GatewayId);
        if (error is not null)
        {
            return error;
        }

        if (!(camera.HeadingDegrees is >= 0 and < 360))
        {
            return $"camera '{camera.Id}': heading must be within [0, 360) degrees, got {Format(camera.HeadingDegrees)}";
        }

        return camera.FieldOfViewDegrees is > 0 and <= 360
            ? null
            : $"camera '{camera.Id}': field of view must be within (0, 360] degrees, got {Format(camera.FieldOfViewDegrees)}";
    }

    internal static string? CheckBoundary(string gridId, Polygon? boundary)
    {
        if (boundary is null || boundary.IsEmpty)
        {
            return $"grid '{gridId}': boundary must be a non-empty polygon";
        }

        foreach (var c in boundary.Coordinates)
        {
            var error = GeoPoint.Validate(c.Y, c.X);
            if (error is not null)
            {
                return $"grid '{gridId}': boundary vertex {error}";
            }
        }

        if (!boundary.IsValid)
        {
            var reason = new NetTopologySuite.Operation.Valid.IsValidOp(boundary).ValidationError;
            return $"grid '{gridId}': boundary is not a valid polygon ({reason?.Message ?? "invalid"})";
        }

        return null;
    }

    private static HashSet<string> CheckAll<T>(
        IReadOnlyList<T> items, string paramName, string kind, Func<T, string?> id, Func<T, string?> check)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            Fail(item is null ? $"{kind} must not be null" : check(item), paramName);
            if (!ids.Add(id(item)!))
            {
                throw new ArgumentException($"duplicate {kind} id '{id(item)}'", paramName);
            }
        }

        return ids;
    }

    private static void Fail(string? error, string paramName)
    {
        if (error is not null)
        {
            throw new ArgumentException(error, paramName);
        }
    }

    private static string? CheckId(string kind, string? id) =>
        string.IsNullOrWhiteSpace(id) ? $"{kind} id must not be empty" : null;

    private static string? CheckText(string kind, string id, string what, string? value) =>
        string.IsNullOrWhiteSpace(value) ? $"{kind} '{id}': {what} must not be empty" : null;

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
