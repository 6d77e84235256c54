using System.Globalization;
using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Zones;

/// <summary>
/// A cell of a fixed latitude/longitude grid (about 20 km a side at Jinan's latitude) that shards the live unit
/// index across dispatcher grains. The grid is global and anchored at (0, 0), so every silo and the simulator agree
/// on zones without configuration. A zone's index holds every unit within a search margin of it
/// (<see cref="Covers"/>), so any search around a point of the zone, up to the margin, is answered by that zone alone;
/// with a margin of at most half a zone a unit is indexed by at most four zones.
/// </summary>
public readonly record struct DispatchZone(int Row, int Column)
{
    /// <summary>Zone height in degrees of latitude (about 20 km).</summary>
    public const double LatitudeStepDegrees = 0.18;

    /// <summary>Zone width in degrees of longitude (about 20 km at 36.7° N, 25 km at the equator).</summary>
    public const double LongitudeStepDegrees = 0.225;

    private const double MetersPerDegreeLatitude = Math.PI * GreatCircle.EarthRadiusMeters / 180.0;

    /// <summary>A stable text key, used as the dispatcher grain key ("zone:row:column").</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"zone:{Row}:{Column}");

    /// <summary>The south-west corner of the zone.</summary>
    public GeoPoint SouthWest => new(Row * LatitudeStepDegrees, Column * LongitudeStepDegrees);

    /// <summary>The zone holding <paramref name="point"/> (points on an edge belong to the zone north/east of it).</summary>
    public static DispatchZone Of(GeoPoint point) =>
        new(RowOf(point.Latitude), ColumnOf(point.Longitude));

    /// <summary>Parses a key written by <see cref="Key"/>; false for anything else.</summary>
    public static bool TryParse(string? key, out DispatchZone zone)
    {
        zone = default;
        var parts = key?.Split(':');
        if (parts is not { Length: 3 } || parts[0] != "zone"
            || !int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var row)
            || !int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var column))
        {
            return false;
        }

        zone = new DispatchZone(row, column);
        return true;
    }

    /// <summary>
    /// Every zone that holds some point within <paramref name="radiusMeters"/> of <paramref name="center"/>
    /// (a superset: zones meeting the circle's bounding box), the centre's zone first, then nearest first.
    /// </summary>
    public static IReadOnlyList<DispatchZone> Within(GeoPoint center, double radiusMeters)
    {
        if (!double.IsFinite(radiusMeters) || radiusMeters < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(radiusMeters), radiusMeters, "radius must be a finite, non-negative number of metres");
        }

        var (south, west, north, east) = Box(center, radiusMeters);
        var home = Of(center);
        var zones = new List<DispatchZone>();
        for (var row = RowOf(south); row <= RowOf(north); row++)
        {
            for (var column = ColumnOf(west); column <= ColumnOf(east); column++)
            {
                zones.Add(new DispatchZone(row, column));
            }
        }

        return zones
            .OrderBy(z => z == home ? 0 : 1)
            .ThenBy(z => Math.Max(Math.Abs(z.Row - home.Row), Math.Abs(z.Column - home.Column)))
            .ThenBy(z => z.Row)
            .ThenBy(z => z.Column)
            .ToList();
    }

    /// <summary>
    /// True when <paramref name="point"/> lies within <paramref name="radiusMeters"/> of this zone (by the same bounding
    /// box as <see cref="Within"/>): the zone's index then holds a unit at that point.
    /// </summary>
    public bool Covers(GeoPoint point, double radiusMeters)
    {
        var (south, west, north, east) = Box(point, radiusMeters);
        return Row >= RowOf(south) && Row <= RowOf(north) && Column >= ColumnOf(west) && Column <= ColumnOf(east);
    }

    /// <summary>True when <paramref name="point"/> lies in the zone itself (not only in its margin).</summary>
    public bool Holds(GeoPoint point) => Of(point) == this;

    public override string ToString() => Key;

    /// <summary>The bounding box, in degrees, of the circle of <paramref name="radiusMeters"/> around <paramref name="center"/>.</summary>
    private static (double South, double West, double North, double East) Box(GeoPoint center, double radiusMeters)
    {
        var latitudeSpan = radiusMeters / MetersPerDegreeLatitude;
        var south = Math.Max(-90, center.Latitude - latitudeSpan);
        var north = Math.Min(90, center.Latitude + latitudeSpan);

        // Longitude degrees shrink towards the poles: use the latitude nearest a pole for a conservative span.
        var widestLatitude = Math.Min(89.9, Math.Max(Math.Abs(south), Math.Abs(north)));
        var longitudeSpan = radiusMeters / (MetersPerDegreeLatitude * Math.Cos(widestLatitude * Math.PI / 180.0));
        var west = Math.Max(-180, center.Longitude - Math.Min(180, longitudeSpan));
        var east = Math.Min(180, center.Longitude + Math.Min(180, longitudeSpan));
        return (south, west, north, east);
    }

    private static int RowOf(double latitude) => (int)Math.Floor(latitude / LatitudeStepDegrees);

    private static int ColumnOf(double longitude) => (int)Math.Floor(longitude / LongitudeStepDegrees);
}
