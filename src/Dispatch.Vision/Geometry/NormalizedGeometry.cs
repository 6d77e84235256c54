namespace Dispatch.Vision.Geometry;

/// <summary>A point in normalised frame coordinates: (0,0) top-left, (1,1) bottom-right.</summary>
public readonly record struct NormalizedPoint(double X, double Y)
{
    public double DistanceTo(NormalizedPoint other) => Math.Sqrt(((X - other.X) * (X - other.X)) + ((Y - other.Y) * (Y - other.Y)));

    public override string ToString() => FormattableString.Invariant($"({X:F3}, {Y:F3})");
}

/// <summary>An axis-aligned box in normalised frame coordinates, with what it holds and how sure the detector is.</summary>
public readonly record struct NormalizedBox(double X, double Y, double Width, double Height, string Label, double Score)
{
    public NormalizedPoint Center => new(X + (Width / 2), Y + (Height / 2));

    /// <summary>Bottom centre: where a standing person touches the ground, the point zones and lines are judged by.</summary>
    public NormalizedPoint Foot => new(X + (Width / 2), Y + Height);

    /// <summary>The same box clipped to the unit frame, so it is always valid on the wire.</summary>
    public NormalizedBox ClampToFrame()
    {
        var x0 = Math.Clamp(X, 0, 1);
        var y0 = Math.Clamp(Y, 0, 1);
        var x1 = Math.Clamp(X + Width, 0, 1);
        var y1 = Math.Clamp(Y + Height, 0, 1);
        return this with { X = x0, Y = y0, Width = x1 - x0, Height = y1 - y0, Score = Math.Clamp(Score, 0, 1) };
    }

    public static NormalizedBox FromPixels(int x, int y, int width, int height, int frameWidth, int frameHeight, string label, double score) =>
        new NormalizedBox((double)x / frameWidth, (double)y / frameHeight, (double)width / frameWidth, (double)height / frameHeight, label, score)
            .ClampToFrame();
}

/// <summary>A named polygon in normalised coordinates, e.g. the school yard after hours.</summary>
public sealed record Zone
{
    public Zone(string name, IReadOnlyList<NormalizedPoint> polygon)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (polygon is null || polygon.Count < 3)
        {
            throw new ArgumentException($"zone '{name}' needs at least 3 corners, got {polygon?.Count ?? 0}", nameof(polygon));
        }

        Name = name;
        Polygon = polygon;
    }

    public string Name { get; }

    public IReadOnlyList<NormalizedPoint> Polygon { get; }

    /// <summary>Even-odd ray casting; points on an edge may fall either way, which is fine for people.</summary>
    public bool Contains(NormalizedPoint p)
    {
        var inside = false;
        for (int i = 0, j = Polygon.Count - 1; i < Polygon.Count; j = i++)
        {
            var a = Polygon[i];
            var b = Polygon[j];
            if ((a.Y > p.Y) != (b.Y > p.Y) && p.X < ((b.X - a.X) * (p.Y - a.Y) / (b.Y - a.Y)) + a.X)
            {
                inside = !inside;
            }
        }

        return inside;
    }
}

/// <summary>A rule's zone (closed) or line (open, from its first point to its second), as drawn on snapshots.</summary>
public sealed record RuleOutline(string Name, IReadOnlyList<NormalizedPoint> Points, bool Closed)
{
    public static RuleOutline Of(Zone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return new(zone.Name, zone.Polygon, Closed: true);
    }

    public static RuleOutline Of(DirectedLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new(line.Name, [line.From, line.To], Closed: false);
    }
}

/// <summary>Which crossings of a line raise an alert.</summary>
public enum CrossingFilter
{
    Both,
    LeftToRight,
    RightToLeft,
}

/// <summary>The direction of a crossing, looking along the line from its first point to its second.</summary>
public enum CrossingDirection
{
    LeftToRight,
    RightToLeft,
}

/// <summary>A directed tripwire from <see cref="From"/> to <see cref="To"/>.</summary>
public sealed record DirectedLine
{
    public DirectedLine(string name, NormalizedPoint from, NormalizedPoint to, CrossingFilter alertOn = CrossingFilter.Both)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (from.DistanceTo(to) < 1e-6)
        {
            throw new ArgumentException($"line '{name}' has both ends at {from}", nameof(to));
        }

        Name = name;
        From = from;
        To = to;
        AlertOn = alertOn;
    }

    public string Name { get; }

    public NormalizedPoint From { get; }

    public NormalizedPoint To { get; }

    public CrossingFilter AlertOn { get; }

    /// <summary>
    /// Signed distance of a point from the (infinite) line, in normalised units. Positive on the right
    /// when looking from <see cref="From"/> to <see cref="To"/> in image coordinates (y grows downwards).
    /// </summary>
    public double SignedDistance(NormalizedPoint p)
    {
        var dx = To.X - From.X;
        var dy = To.Y - From.Y;
        var cross = (dx * (p.Y - From.Y)) - (dy * (p.X - From.X));
        return cross / Math.Sqrt((dx * dx) + (dy * dy));
    }

    /// <summary>Whether the segment a→b meets the line between its two ends (not just its extension).</summary>
    public bool SegmentCrosses(NormalizedPoint a, NormalizedPoint b)
    {
        var da = SignedDistance(a);
        var db = SignedDistance(b);
        if (Math.Sign(da) == Math.Sign(db) || da == db)
        {
            return false;
        }

        var t = da / (da - db);
        var hit = new NormalizedPoint(a.X + (t * (b.X - a.X)), a.Y + (t * (b.Y - a.Y)));
        var dx = To.X - From.X;
        var dy = To.Y - From.Y;
        var along = (((hit.X - From.X) * dx) + ((hit.Y - From.Y) * dy)) / ((dx * dx) + (dy * dy));
        return along is >= 0 and <= 1;
    }

    public bool Raises(CrossingDirection direction) => AlertOn switch
    {
        CrossingFilter.Both => true,
        CrossingFilter.LeftToRight => direction == CrossingDirection.LeftToRight,
        _ => direction == CrossingDirection.RightToLeft,
    };
}
