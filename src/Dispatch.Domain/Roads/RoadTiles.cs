using Dispatch.Domain.Geo;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Dispatch.Domain.Roads;

/// <summary>One road line of a tile: its class, its name's index in <see cref="RoadTile.Names"/> (-1: unnamed), and its points in tile units.</summary>
public sealed record RoadTileLine(RoadClass Class, int Name, int[] Points);

/// <summary>
/// The roads of one Web Mercator tile (z/x/y as slippy maps number them): lines in tile units (0..<see cref="RoadTiles.Extent"/>
/// across the tile, y down; points may lie a little outside, the drawing clips), simplified for the zoom, and the
/// names they carry as (name, English name) pairs.
/// </summary>
public sealed record RoadTile(int Z, int X, int Y, IReadOnlyList<RoadTileLine> Lines, IReadOnlyList<(string Name, string? NameEn)> Names);

/// <summary>
/// Cuts a road network into map tiles for drawing: per zoom only the classes a map shows at that scale (arterials
/// from afar, every footpath close up), each line simplified to half a pixel (Douglas-Peucker in tile units), so a city
/// of 100,000 segments costs a page a few thousand short lines per tile. Immutable and thread-safe once built.
/// </summary>
public sealed class RoadTiles
{
    /// <summary>Tile units across one tile: two per pixel of a 256-pixel tile.</summary>
    public const int Extent = 512;

    public const int MaxZoom = 20;

    /// <summary>How far (in tile units) beyond its edges a tile takes lines, so strokes meet across tile borders.</summary>
    private const int Buffer = 16;

    private readonly Line[] _lines;
    private readonly STRtree<int> _index = new();
    private readonly (string Name, string? NameEn)[] _names;

    public RoadTiles(IReadOnlyList<RoadFeature> roads)
    {
        ArgumentNullException.ThrowIfNull(roads);
        var names = new Dictionary<(string, string?), int>();
        var lines = new List<Line>();
        foreach (var road in roads)
        {
            var name = -1;
            if (!string.IsNullOrWhiteSpace(road.Name) || !string.IsNullOrWhiteSpace(road.NameEn))
            {
                var key = (road.Name ?? road.NameEn!, road.NameEn);
                if (!names.TryGetValue(key, out name))
                {
                    name = names.Count;
                    names[key] = name;
                }
            }

            foreach (var part in road.Lines)
            {
                if (part.Count < 2)
                {
                    continue;
                }

                var xs = new double[part.Count];
                var ys = new double[part.Count];
                var envelope = new Envelope();
                for (var i = 0; i < part.Count; i++)
                {
                    (xs[i], ys[i]) = WorldPoint(part[i]);
                    envelope.ExpandToInclude(xs[i], ys[i]);
                }

                _index.Insert(envelope, lines.Count);
                lines.Add(new Line(road.Class, name, xs, ys));
            }
        }

        _lines = [.. lines];
        _names = new (string, string?)[names.Count];
        foreach (var (key, index) in names)
        {
            _names[index] = key;
        }

        _index.Build();
        Bounds = _lines.Length == 0 ? null : Envelope(roads);
    }

    /// <summary>South-west and north-east corners of the network (degrees), null without roads.</summary>
    public (double South, double West, double North, double East)? Bounds { get; }

    public int LineCount => _lines.Length;

    /// <summary>The smallest zoom at which a class is drawn.</summary>
    public static int MinZoom(RoadClass roadClass) => roadClass switch
    {
        RoadClass.Motorway or RoadClass.Trunk or RoadClass.Primary => 0,
        RoadClass.Secondary => 10,
        RoadClass.Tertiary => 12,
        RoadClass.Unclassified or RoadClass.Residential or RoadClass.LivingStreet => 14,
        RoadClass.Service or RoadClass.Track => 15,
        _ => 16,
    };

    /// <summary>Null when the tile address is valid, otherwise what is wrong, naming the value.</summary>
    public static string? Validate(int z, int x, int y)
    {
        if (z is < 0 or > MaxZoom)
        {
            return $"zoom must be within 0..{MaxZoom}, got {z}";
        }

        var size = 1 << z;
        if (x < 0 || x >= size)
        {
            return $"x must be within 0..{size - 1} at zoom {z}, got {x}";
        }

        return y < 0 || y >= size ? $"y must be within 0..{size - 1} at zoom {z}, got {y}" : null;
    }

    /// <summary>The tile's roads; throws <see cref="ArgumentOutOfRangeException"/> for an address <see cref="Validate"/> refuses.</summary>
    public RoadTile Tile(int z, int x, int y)
    {
        var error = Validate(z, x, y);
        if (error is not null)
        {
            throw new ArgumentOutOfRangeException(nameof(z), error);
        }

        var scale = (double)(1 << z) * Extent;
        var buffer = Buffer / scale;
        var query = new Envelope((x / (double)(1 << z)) - buffer, ((x + 1) / (double)(1 << z)) + buffer, (y / (double)(1 << z)) - buffer, ((y + 1) / (double)(1 << z)) + buffer);
        var tolerance = 1.0; // tile units: half a pixel
        var found = _index.Query(query).ToList();
        found.Sort(); // file order: the same tile always lists its lines the same way
        var lines = new List<RoadTileLine>();
        var names = new Dictionary<int, int>();
        var usedNames = new List<(string, string?)>();
        var ox = x * (double)Extent;
        var oy = y * (double)Extent;
        foreach (var index in found)
        {
            var line = _lines[index];
            if (MinZoom(line.Class) > z)
            {
                continue;
            }

            var points = Simplify(line, scale, ox, oy, tolerance);
            if (points.Length < 4 || (points.Length == 4 && points[0] == points[2] && points[1] == points[3]))
            {
                continue;
            }

            var name = -1;
            if (line.Name >= 0 && !names.TryGetValue(line.Name, out name))
            {
                name = usedNames.Count;
                names[line.Name] = name;
                usedNames.Add(_names[line.Name]);
            }

            lines.Add(new RoadTileLine(line.Class, name, points));
        }

        return new RoadTile(z, x, y, lines, usedNames);
    }

    /// <summary>Web Mercator world coordinates in 0..1 (x east, y south), as slippy-map tiles number them.</summary>
    public static (double X, double Y) WorldPoint(GeoPoint point)
    {
        var latitude = Math.Clamp(point.Latitude, -85.05112878, 85.05112878) * Math.PI / 180;
        var x = (point.Longitude + 180) / 360;
        var y = (1 - (Math.Log(Math.Tan(latitude) + (1 / Math.Cos(latitude))) / Math.PI)) / 2;
        return (x, y);
    }

    private static int[] Simplify(Line line, double scale, double ox, double oy, double tolerance)
    {
        var n = line.Xs.Length;
        var px = new double[n];
        var py = new double[n];
        for (var i = 0; i < n; i++)
        {
            px[i] = (line.Xs[i] * scale) - ox;
            py[i] = (line.Ys[i] * scale) - oy;
        }

        var keep = new bool[n];
        keep[0] = keep[n - 1] = true;
        var stack = new Stack<(int From, int To)>();
        stack.Push((0, n - 1));
        while (stack.Count > 0)
        {
            var (from, to) = stack.Pop();
            var farthest = -1;
            var farthestDistance = tolerance;
            for (var i = from + 1; i < to; i++)
            {
                var d = DistanceToSegment(px[i], py[i], px[from], py[from], px[to], py[to]);
                if (d > farthestDistance)
                {
                    farthest = i;
                    farthestDistance = d;
                }
            }

            if (farthest >= 0)
            {
                keep[farthest] = true;
                stack.Push((from, farthest));
                stack.Push((farthest, to));
            }
        }

        var points = new List<int>(n * 2);
        for (var i = 0; i < n; i++)
        {
            if (keep[i])
            {
                points.Add((int)Math.Round(px[i]));
                points.Add((int)Math.Round(py[i]));
            }
        }

        return [.. points];
    }

    private static double DistanceToSegment(double x, double y, double ax, double ay, double bx, double by)
    {
        var dx = bx - ax;
        var dy = by - ay;
        var lengthSquared = (dx * dx) + (dy * dy);
        var t = lengthSquared > 0 ? Math.Clamp((((x - ax) * dx) + ((y - ay) * dy)) / lengthSquared, 0, 1) : 0;
        var ex = ax + (t * dx) - x;
        var ey = ay + (t * dy) - y;
        return Math.Sqrt((ex * ex) + (ey * ey));
    }

    private static (double, double, double, double) Envelope(IReadOnlyList<RoadFeature> roads)
    {
        double south = 90, west = 180, north = -90, east = -180;
        foreach (var point in roads.SelectMany(r => r.Lines).SelectMany(l => l))
        {
            south = Math.Min(south, point.Latitude);
            north = Math.Max(north, point.Latitude);
            west = Math.Min(west, point.Longitude);
            east = Math.Max(east, point.Longitude);
        }

        return (south, west, north, east);
    }

    private sealed record Line(RoadClass Class, int Name, double[] Xs, double[] Ys);
}
