using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Roads;

public sealed class RoadGraphOptions
{
    /// <summary>Line vertices closer than this become one node (shared OSM nodes exported with rounding).</summary>
    public double JoinToleranceMeters { get; set; } = 0.5;

    /// <summary>Cell size of the spatial grid over road segments used for snapping.</summary>
    public double SnapCellMeters { get; set; } = 100;

    /// <summary>Centre of the metric frame; the middle of the roads' bounding box when null.</summary>
    public GeoPoint? Origin { get; set; }

    public RoadSpeedOptions Speeds { get; set; } = new();
}

/// <summary>
/// Where a point meets the road network: the segment (an undirected piece of road between two
/// nodes), the fraction along it from <see cref="RoadGraph.SegmentStart"/> to <see cref="RoadGraph.SegmentEnd"/>,
/// the snapped point in plane metres and as a position, and the distance from the point to it.
/// </summary>
public readonly record struct RoadSnap(int Segment, double Fraction, double X, double Y, GeoPoint SnappedPoint, double DistanceMeters);

/// <summary>
/// A compact directed road graph. Every line vertex is a node (vertices within the join tolerance
/// merge, so roads meet where they share vertices and cross without meeting where they don't: a
/// bridge over a street). Each pair of consecutive vertices is a segment carrying up to two directed
/// edges; an edge exists when some unit kind may travel it in that direction. Adjacency is CSR in
/// both directions; travel seconds are stored per unit kind (infinity where the kind may not go).
/// Immutable after construction and safe to share between threads.
/// </summary>
public sealed class RoadGraph
{
    public const int KindCount = 4;

    private const double NodeSnapMeters = 0.01;

    private readonly double[] _nodeX;
    private readonly double[] _nodeY;
    private readonly int[] _edgeFrom;
    private readonly int[] _edgeTo;
    private readonly int[] _edgeSegment;
    private readonly double[][] _edgeSeconds;
    private readonly int[] _outStart;
    private readonly int[] _outEdges;
    private readonly int[] _inStart;
    private readonly int[] _inEdges;
    private readonly int[] _segmentStart;
    private readonly int[] _segmentEnd;
    private readonly double[] _segmentLength;
    private readonly RoadClass[] _segmentClass;
    private readonly int[] _segmentForwardEdge;
    private readonly int[] _segmentBackwardEdge;
    private readonly byte[] _segmentKinds;
    private readonly SegmentGrid _grid;

    private RoadGraph(Builder b, PlaneFrame frame, RoadSpeedOptions speeds, double snapCellMeters)
    {
        Frame = frame;
        Speeds = speeds;
        _nodeX = [.. b.NodeX];
        _nodeY = [.. b.NodeY];
        _segmentStart = [.. b.SegmentStart];
        _segmentEnd = [.. b.SegmentEnd];
        _segmentLength = [.. b.SegmentLength];
        _segmentClass = [.. b.SegmentClass];
        var segmentCount = _segmentStart.Length;
        _segmentForwardEdge = new int[segmentCount];
        _segmentBackwardEdge = new int[segmentCount];
        _segmentKinds = new byte[segmentCount];

        var edgeFrom = new List<int>(segmentCount * 2);
        var edgeTo = new List<int>(segmentCount * 2);
        var edgeSegment = new List<int>(segmentCount * 2);
        var edgeSeconds = new List<double>[KindCount];
        for (var k = 0; k < KindCount; k++)
        {
            edgeSeconds[k] = new List<double>(segmentCount * 2);
        }

        Span<double> forward = stackalloc double[KindCount];
        Span<double> backward = stackalloc double[KindCount];
        for (var s = 0; s < segmentCount; s++)
        {
            var oneWay = b.SegmentOneWay[s];
            var anyForward = false;
            var anyBackward = false;
            for (var k = 0; k < KindCount; k++)
            {
                var kind = (UnitKind)k;
                var speed = speeds.MetersPerSecond(_segmentClass[s], kind, b.SegmentMaxSpeed[s]);
                var seconds = speed > 0 ? _segmentLength[s] / speed : double.PositiveInfinity;

                // People on foot walk either way along a one-way street.
                var ignoresOneWay = kind == UnitKind.Foot;
                forward[k] = oneWay == OneWay.Backward && !ignoresOneWay ? double.PositiveInfinity : seconds;
                backward[k] = oneWay == OneWay.Forward && !ignoresOneWay ? double.PositiveInfinity : seconds;
                anyForward |= double.IsFinite(forward[k]);
                anyBackward |= double.IsFinite(backward[k]);
                if (double.IsFinite(forward[k]) || double.IsFinite(backward[k]))
                {
                    _segmentKinds[s] |= (byte)(1 << k);
                }
            }

            _segmentForwardEdge[s] = anyForward ? AddEdge(_segmentStart[s], _segmentEnd[s], s, forward) : -1;
            _segmentBackwardEdge[s] = anyBackward ? AddEdge(_segmentEnd[s], _segmentStart[s], s, backward) : -1;
        }

        _edgeFrom = [.. edgeFrom];
        _edgeTo = [.. edgeTo];
        _edgeSegment = [.. edgeSegment];
        _edgeSeconds = new double[KindCount][];
        for (var k = 0; k < KindCount; k++)
        {
            _edgeSeconds[k] = [.. edgeSeconds[k]];
        }

        (_outStart, _outEdges) = Csr(_nodeX.Length, _edgeFrom);
        (_inStart, _inEdges) = Csr(_nodeX.Length, _edgeTo);
        _grid = new SegmentGrid(this, snapCellMeters);

        int AddEdge(int from, int to, int segment, ReadOnlySpan<double> seconds)
        {
            edgeFrom.Add(from);
            edgeTo.Add(to);
            edgeSegment.Add(segment);
            for (var k = 0; k < KindCount; k++)
            {
                edgeSeconds[k].Add(seconds[k]);
            }

            return edgeFrom.Count - 1;
        }
    }

    public PlaneFrame Frame { get; }

    public RoadSpeedOptions Speeds { get; }

    public int NodeCount => _nodeX.Length;

    public int EdgeCount => _edgeFrom.Length;

    public int SegmentCount => _segmentStart.Length;

    public ReadOnlySpan<double> NodeX => _nodeX;

    public ReadOnlySpan<double> NodeY => _nodeY;

    public ReadOnlySpan<int> EdgeFrom => _edgeFrom;

    public ReadOnlySpan<int> EdgeTo => _edgeTo;

    /// <summary>CSR offsets: the out-edges of node n are <see cref="OutEdges"/>[OutStart[n]..OutStart[n + 1]].</summary>
    public ReadOnlySpan<int> OutStart => _outStart;

    public ReadOnlySpan<int> OutEdges => _outEdges;

    /// <summary>CSR offsets of the reversed graph: edges arriving at node n.</summary>
    public ReadOnlySpan<int> InStart => _inStart;

    public ReadOnlySpan<int> InEdges => _inEdges;

    /// <summary>Travel seconds of every edge for <paramref name="kind"/>; infinity where the kind may not travel it.</summary>
    public ReadOnlySpan<double> EdgeSeconds(UnitKind kind) => _edgeSeconds[(int)kind];

    public int EdgeSegment(int edge) => _edgeSegment[edge];

    // Raw arrays for the search loop, which indexes them millions of times per second.
    internal double[] EdgeSecondsArray(UnitKind kind) => _edgeSeconds[(int)kind];

    internal int[] InStartArray => _inStart;

    internal int[] InEdgesArray => _inEdges;

    internal int[] OutStartArray => _outStart;

    internal int[] OutEdgesArray => _outEdges;

    internal int[] EdgeFromArray => _edgeFrom;

    internal int[] EdgeToArray => _edgeTo;

    public double EdgeLengthMeters(int edge) => _segmentLength[_edgeSegment[edge]];

    public RoadClass EdgeClass(int edge) => _segmentClass[_edgeSegment[edge]];

    public int SegmentStart(int segment) => _segmentStart[segment];

    public int SegmentEnd(int segment) => _segmentEnd[segment];

    public double SegmentLengthMeters(int segment) => _segmentLength[segment];

    public RoadClass SegmentClass(int segment) => _segmentClass[segment];

    /// <summary>The edge from start to end of the segment, or -1 when nobody may travel that way.</summary>
    public int SegmentForwardEdge(int segment) => _segmentForwardEdge[segment];

    /// <summary>The edge from end to start of the segment, or -1.</summary>
    public int SegmentBackwardEdge(int segment) => _segmentBackwardEdge[segment];

    /// <summary>Seconds for <paramref name="kind"/> to travel the whole segment from start to end (infinity when not allowed).</summary>
    public double SegmentForwardSeconds(int segment, UnitKind kind) =>
        _segmentForwardEdge[segment] is var e and >= 0 ? _edgeSeconds[(int)kind][e] : double.PositiveInfinity;

    public double SegmentBackwardSeconds(int segment, UnitKind kind) =>
        _segmentBackwardEdge[segment] is var e and >= 0 ? _edgeSeconds[(int)kind][e] : double.PositiveInfinity;

    public bool SegmentAllows(int segment, UnitKind kind) => (_segmentKinds[segment] & (1 << (int)kind)) != 0;

    public GeoPoint NodePosition(int node) => Frame.ToGeo(_nodeX[node], _nodeY[node]);

    /// <summary>Builds the graph from imported roads.</summary>
    public static RoadGraph Build(IReadOnlyList<RoadFeature> roads, RoadGraphOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(roads);
        options ??= new RoadGraphOptions();
        var errors = options.Speeds.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        if (!double.IsFinite(options.JoinToleranceMeters) || options.JoinToleranceMeters <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.JoinToleranceMeters, "JoinToleranceMeters must be > 0");
        }

        if (!double.IsFinite(options.SnapCellMeters) || options.SnapCellMeters <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SnapCellMeters, "SnapCellMeters must be > 0");
        }

        var frame = new PlaneFrame(options.Origin ?? BoundingBoxCentre(roads));
        var builder = new Builder(options.JoinToleranceMeters);
        foreach (var road in roads)
        {
            foreach (var line in road.Lines)
            {
                var previous = -1;
                foreach (var point in line)
                {
                    var node = builder.NodeAt(frame.X(point), frame.Y(point));
                    if (previous >= 0 && previous != node)
                    {
                        builder.AddSegment(previous, node, road);
                    }

                    previous = node;
                }
            }
        }

        return new RoadGraph(builder, frame, options.Speeds, options.SnapCellMeters);
    }

    /// <summary>
    /// The nearest road position <paramref name="kind"/> may use within <paramref name="maxDistanceMeters"/>
    /// of <paramref name="point"/>, or null when the point is too far from any such road.
    /// </summary>
    public RoadSnap? Snap(GeoPoint point, UnitKind kind, double maxDistanceMeters) =>
        Snap(Frame.X(point), Frame.Y(point), kind, maxDistanceMeters);

    /// <inheritdoc cref="Snap(GeoPoint, UnitKind, double)"/>
    public RoadSnap? Snap(double x, double y, UnitKind kind, double maxDistanceMeters)
    {
        var found = _grid.Nearest(x, y, kind, maxDistanceMeters, out var segment, out var fraction, out var distance);
        if (!found)
        {
            return null;
        }

        var a = _segmentStart[segment];
        var b = _segmentEnd[segment];
        var sx = _nodeX[a] + (fraction * (_nodeX[b] - _nodeX[a]));
        var sy = _nodeY[a] + (fraction * (_nodeY[b] - _nodeY[a]));
        return new RoadSnap(segment, fraction, sx, sy, Frame.ToGeo(sx, sy), distance);
    }

    /// <summary>Distance from (x, y) to the segment and the fraction of the closest point along it (clamped to the ends).</summary>
    internal double DistanceToSegment(int segment, double x, double y, out double fraction)
    {
        var a = _segmentStart[segment];
        var b = _segmentEnd[segment];
        var ax = _nodeX[a];
        var ay = _nodeY[a];
        var dx = _nodeX[b] - ax;
        var dy = _nodeY[b] - ay;
        var lengthSquared = (dx * dx) + (dy * dy);
        fraction = lengthSquared > 0 ? Math.Clamp((((x - ax) * dx) + ((y - ay) * dy)) / lengthSquared, 0, 1) : 0;

        // Within a centimetre of a node counts as at the node, free to leave by any road from it.
        var length = Math.Sqrt(lengthSquared);
        if (fraction * length < NodeSnapMeters)
        {
            fraction = 0;
        }
        else if ((1 - fraction) * length < NodeSnapMeters)
        {
            fraction = 1;
        }

        var px = ax + (fraction * dx) - x;
        var py = ay + (fraction * dy) - y;
        return Math.Sqrt((px * px) + (py * py));
    }

    private static GeoPoint BoundingBoxCentre(IReadOnlyList<RoadFeature> roads)
    {
        double minLat = double.MaxValue, maxLat = double.MinValue, minLon = double.MaxValue, maxLon = double.MinValue;
        foreach (var point in roads.SelectMany(r => r.Lines).SelectMany(l => l))
        {
            minLat = Math.Min(minLat, point.Latitude);
            maxLat = Math.Max(maxLat, point.Latitude);
            minLon = Math.Min(minLon, point.Longitude);
            maxLon = Math.Max(maxLon, point.Longitude);
        }

        return minLat > maxLat ? new GeoPoint(0, 0) : new GeoPoint((minLat + maxLat) / 2, (minLon + maxLon) / 2);
    }

    private static (int[] Start, int[] Items) Csr(int nodeCount, int[] edgeKey)
    {
        var start = new int[nodeCount + 1];
        foreach (var node in edgeKey)
        {
            start[node + 1]++;
        }

        for (var n = 0; n < nodeCount; n++)
        {
            start[n + 1] += start[n];
        }

        var fill = start[..^1].ToArray();
        var items = new int[edgeKey.Length];
        for (var e = 0; e < edgeKey.Length; e++)
        {
            items[fill[edgeKey[e]]++] = e;
        }

        return (start, items);
    }

    /// <summary>Accumulates nodes (joined within the tolerance through a hash grid) and segments.</summary>
    private sealed class Builder(double toleranceMeters)
    {
        private readonly Dictionary<(long, long), int> _cellHead = [];
        private readonly List<int> _nextInCell = [];

        public List<double> NodeX { get; } = [];

        public List<double> NodeY { get; } = [];

        public List<int> SegmentStart { get; } = [];

        public List<int> SegmentEnd { get; } = [];

        public List<double> SegmentLength { get; } = [];

        public List<RoadClass> SegmentClass { get; } = [];

        public List<OneWay> SegmentOneWay { get; } = [];

        public List<double?> SegmentMaxSpeed { get; } = [];

        public int NodeAt(double x, double y)
        {
            var cx = (long)Math.Floor(x / toleranceMeters);
            var cy = (long)Math.Floor(y / toleranceMeters);
            var best = -1;
            var bestDistance = toleranceMeters;
            for (var dx = -1; dx <= 1; dx++)
            {
                for (var dy = -1; dy <= 1; dy++)
                {
                    if (!_cellHead.TryGetValue((cx + dx, cy + dy), out var node))
                    {
                        continue;
                    }

                    for (; node >= 0; node = _nextInCell[node])
                    {
                        var distance = Math.Sqrt(Square(NodeX[node] - x) + Square(NodeY[node] - y));
                        if (distance <= bestDistance)
                        {
                            best = node;
                            bestDistance = distance;
                        }
                    }
                }
            }

            if (best >= 0)
            {
                return best;
            }

            var created = NodeX.Count;
            NodeX.Add(x);
            NodeY.Add(y);
            _nextInCell.Add(_cellHead.TryGetValue((cx, cy), out var head) ? head : -1);
            _cellHead[(cx, cy)] = created;
            return created;
        }

        public void AddSegment(int from, int to, RoadFeature road)
        {
            SegmentStart.Add(from);
            SegmentEnd.Add(to);
            SegmentLength.Add(Math.Sqrt(Square(NodeX[to] - NodeX[from]) + Square(NodeY[to] - NodeY[from])));
            SegmentClass.Add(road.Class);
            SegmentOneWay.Add(road.OneWay);
            SegmentMaxSpeed.Add(road.MaxSpeedKmh);
        }

        private static double Square(double v) => v * v;
    }
}
