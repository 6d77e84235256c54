using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Tests.City;

/// <summary>
/// Two square grids side by side (G-1 west, G-2 east, sharing the meridian 117.01), a station in each,
/// one unit and one camera. Written to GeoJSON, the features come in this order:
/// 0 G-1, 1 G-2, 2 S-1, 3 S-2, 4 U-1, 5 C-1.
/// </summary>
internal sealed class SmallCity
{
    public const double SharedBorderLongitude = 117.01;

    public List<GridSpec> Grids { get; } =
    [
        new("G-1", "历下-01", "S-1", Square(117.00, 36.66, 117.01, 36.67)),
        new("G-2", "历下-02", "S-2", Square(117.01, 36.66, 117.02, 36.67)),
    ];

    public List<StationSpec> Stations { get; } =
    [
        new("S-1", "历下-01警务站", new GeoPoint(36.665, 117.005), "G-1", 3),
        new("S-2", "历下-02警务站", new GeoPoint(36.665, 117.015), "G-2", 0),
    ];

    public List<PatrolUnitSpec> Units { get; } =
    [
        new("U-1", "鲁A-巡001", UnitKind.Motorcycle, "S-2", new GeoPoint(36.661, 117.019)),
    ];

    public List<CameraSpec> Cameras { get; } =
    [
        new("C-1", "泉城路口", new GeoPoint(36.6612345, 117.0012345), 271.5, 90, "S-1", "GW-01"),
    ];

    public string Name { get; set; } = "测试城";

    public CityModel Build() => new(Name, new GeoPoint(36.665, 117.01), Grids, Stations, Units, Cameras);

    /// <summary>A counter-clockwise lon/lat rectangle.</summary>
    public static Polygon Square(double west, double south, double east, double north) =>
        CityGeoJson.GeometryFactory.CreatePolygon(
        [
            new(west, south), new(east, south), new(east, north), new(west, north), new(west, south),
        ]);
}
