using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;

namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>
/// A small city for one test: a square grid with its station around <see cref="Origin"/>, and units placed
/// by offsets in metres. Ids carry the test's prefix and each test uses its own origin, so tests sharing a
/// cluster never see each other's units or grids.
/// </summary>
public sealed class TestCity
{
    private static readonly GeometryFactory Geometry = new();
    private readonly List<PatrolUnitSpec> _units = [];
    private readonly List<CameraSpec> _cameras = [];

    public TestCity(string prefix, GeoPoint origin, double gridHalfSizeMeters = 3_000, int stationResponders = 2)
    {
        Prefix = prefix;
        Origin = origin;
        GridHalfSizeMeters = gridHalfSizeMeters;
        StationResponders = stationResponders;
    }

    public string Prefix { get; }

    public GeoPoint Origin { get; }

    public double GridHalfSizeMeters { get; }

    public int StationResponders { get; }

    public string StationId => $"{Prefix}-station";

    public string GridId => $"{Prefix}-grid";

    /// <summary>A point <paramref name="northMeters"/> north and <paramref name="eastMeters"/> east of the origin.</summary>
    public GeoPoint At(double northMeters, double eastMeters) => GreatCircle.Offset(Origin, northMeters, eastMeters);

    public string AddUnit(string name, double northMeters, double eastMeters, UnitKind kind = UnitKind.Car) =>
        AddUnitAt(name, At(northMeters, eastMeters), kind);

    public string AddUnitAt(string name, GeoPoint start, UnitKind kind = UnitKind.Car)
    {
        var id = $"{Prefix}-{name}";
        _units.Add(new PatrolUnitSpec(id, name.ToUpperInvariant(), kind, StationId, start));
        return id;
    }

    public string AddCamera(string name, double northMeters, double eastMeters)
    {
        var id = $"{Prefix}-{name}";
        _cameras.Add(new CameraSpec(id, $"Camera {name}", At(northMeters, eastMeters), 90, 60, StationId, $"{Prefix}-gateway"));
        return id;
    }

    public CityModel Build()
    {
        var h = GridHalfSizeMeters;
        var corners = new[] { At(-h, -h), At(-h, h), At(h, h), At(h, -h), At(-h, -h) }
            .Select(p => new Coordinate(p.Longitude, p.Latitude))
            .ToArray();
        var grid = new GridSpec(GridId, $"Grid {Prefix}", StationId, Geometry.CreatePolygon(corners));
        var station = new StationSpec(StationId, $"Station {Prefix}", Origin, GridId, StationResponders);
        return new CityModel($"City {Prefix}", Origin, [grid], [station], _units, _cameras);
    }
}
