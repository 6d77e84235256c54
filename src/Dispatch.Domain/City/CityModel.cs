using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.City;

/// <summary>A grid cell of the city (网格): its boundary (longitude/latitude polygon) and its street police station.</summary>
public sealed record GridSpec(string Id, string Name, string StationId, Polygon Boundary);

/// <summary>A street police station (警务站) with the responders on duty there.</summary>
public sealed record StationSpec(string Id, string Name, GeoPoint Location, string GridId, int OnDutyResponders);

/// <summary>A patrol unit (car, motorcycle, bicycle or officer on foot) and where its shift starts.</summary>
public sealed record PatrolUnitSpec(string Id, string CallSign, UnitKind Kind, string HomeStationId, GeoPoint Start);

/// <summary>A camera channel: location, heading and field of view in degrees, the station that watches it, the gateway it streams through.</summary>
public sealed record CameraSpec(
    string Id,
    string Name,
    GeoPoint Location,
    double HeadingDegrees,
    double FieldOfViewDegrees,
    string StationId,
    string GatewayId);

/// <summary>
/// The city a deployment serves. Immutable; lookups (which grid holds a point) are indexed.
/// Ids are unique per kind; every reference (grid to station, unit to station, camera to station) resolves.
/// </summary>
public sealed class CityModel
{
    public CityModel(
        string name,
        GeoPoint center,
        IReadOnlyList<GridSpec> grids,
        IReadOnlyList<StationSpec> stations,
        IReadOnlyList<PatrolUnitSpec> units,
        IReadOnlyList<CameraSpec> cameras) => throw new NotImplementedException();

    public string Name { get; }

    public GeoPoint Center { get; }

    public IReadOnlyList<GridSpec> Grids { get; } = [];

    public IReadOnlyList<StationSpec> Stations { get; } = [];

    public IReadOnlyList<PatrolUnitSpec> Units { get; } = [];

    public IReadOnlyList<CameraSpec> Cameras { get; } = [];

    /// <summary>The grid whose boundary holds <paramref name="point"/>, or null outside the city.</summary>
    public GridSpec? FindGrid(GeoPoint point) => throw new NotImplementedException();

    public StationSpec? FindStation(string stationId) => throw new NotImplementedException();
}
