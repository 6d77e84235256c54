using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests.Roads;

/// <summary>
/// Small towns where the unit nearest in a straight line is the slower one on the roads. Incidents are
/// reported at the town's origin; roads are drawn in metres east (x) and north (y) of it.
/// </summary>
internal static class SlowNearestTowns
{
    /// <summary>
    /// A river between two bank roads 250 m apart, bridged only 2 km east: the unit straight across the
    /// river (250 m) drives 4.25 km; the unit 1.2 km along the incident's own bank is there first.
    /// </summary>
    public static (TestCity City, string StraightLineNearest, string TravelTimeFastest) River(string prefix, GeoPoint origin)
    {
        var city = new TestCity(prefix, origin);
        var across = city.AddUnit("across", northMeters: 250, eastMeters: 0);
        var sameBank = city.AddUnit("same-bank", northMeters: 0, eastMeters: 1200);
        return (city, across, sameBank);
    }

    public static IEnumerable<RoadFeature> RiverRoads(GeoPoint origin) =>
    [
        Road(origin, OneWay.No, (-2000, 0), (2000, 0)),
        Road(origin, OneWay.No, (-2000, 250), (2000, 250)),
        Road(origin, OneWay.No, (2000, 0), (2000, 250)),
    ];

    /// <summary>
    /// A one-way street running east through the incident, with a two-way loop back 800 m south: the unit
    /// 300 m downstream must drive the whole loop; the unit 900 m upstream drives straight in.
    /// </summary>
    public static (TestCity City, string StraightLineNearest, string TravelTimeFastest) OneWayStreet(string prefix, GeoPoint origin)
    {
        var city = new TestCity(prefix, origin);
        var downstream = city.AddUnit("downstream", northMeters: 0, eastMeters: 300);
        var upstream = city.AddUnit("upstream", northMeters: 0, eastMeters: -900);
        return (city, downstream, upstream);
    }

    public static IEnumerable<RoadFeature> OneWayRoads(GeoPoint origin) =>
    [
        Road(origin, OneWay.Forward, (-1500, 0), (1500, 0)),
        Road(origin, OneWay.No, (1500, 0), (1500, -800), (-1500, -800), (-1500, 0)),
    ];

    private static RoadFeature Road(GeoPoint origin, OneWay oneWay, params (double East, double North)[] points)
    {
        var frame = new PlaneFrame(origin);
        return new RoadFeature(RoadClass.Secondary, null, oneWay, null, [[.. points.Select(p => frame.ToGeo(p.East, p.North))]]);
    }
}
