using Dispatch.Domain.Units;

namespace Dispatch.Domain.Roads;

/// <summary>
/// Uniform grid over road segments (each segment listed in every cell its bounding box touches),
/// searched ring by ring outward from the query point until no closer segment can remain.
/// </summary>
internal sealed class SegmentGrid
{
    private readonly RoadGraph _graph;
    private readonly double _cellMeters;
    private readonly double _minX;
    private readonly double _minY;
    private readonly int _columns;
    private readonly int _rows;
    private readonly int[] _cellStart;
    private readonly int[] _cellSegments;

    public SegmentGrid(RoadGraph graph, double cellMeters)
    {
        _graph = graph;
        _cellMeters = cellMeters;
        var xs = graph.NodeX;
        var ys = graph.NodeY;
        if (xs.Length == 0)
        {
            _columns = _rows = 1;
            _cellStart = new int[2];
            _cellSegments = [];
            return;
        }

        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (var n = 0; n < xs.Length; n++)
        {
            minX = Math.Min(minX, xs[n]);
            maxX = Math.Max(maxX, xs[n]);
            minY = Math.Min(minY, ys[n]);
            maxY = Math.Max(maxY, ys[n]);
        }

        _minX = minX;
        _minY = minY;
        _columns = Math.Max(1, (int)Math.Ceiling((maxX - minX) / cellMeters) + 1);
        _rows = Math.Max(1, (int)Math.Ceiling((maxY - minY) / cellMeters) + 1);

        // Two passes (count, then fill) keep the lists in one flat array.
        var counts = new int[(_columns * _rows) + 1];
        ForEachCell(graph, (cell, _) => counts[cell + 1]++);
        for (var c = 0; c < _columns * _rows; c++)
        {
            counts[c + 1] += counts[c];
        }

        _cellStart = counts;
        _cellSegments = new int[counts[^1]];
        var fill = counts[..^1].ToArray();
        ForEachCell(graph, (cell, segment) => _cellSegments[fill[cell]++] = segment);
    }

    public bool Nearest(double x, double y, UnitKind kind, double maxDistanceMeters, out int segment, out double fraction, out double distance)
    {
        segment = -1;
        fraction = 0;
        distance = double.PositiveInfinity;
        if (_cellSegments.Length == 0 || !(maxDistanceMeters >= 0))
        {
            return false;
        }

        var column = (int)Math.Floor((x - _minX) / _cellMeters);
        var row = (int)Math.Floor((y - _minY) / _cellMeters);

        // Rings beyond the grid's far edge hold nothing; rings beyond the limit are too far.
        var farthestRing = Math.Max(Math.Max(column, _columns - 1 - column), Math.Max(row, _rows - 1 - row));
        var limitRing = double.IsFinite(maxDistanceMeters) ? (int)Math.Min(farthestRing, Math.Ceiling(maxDistanceMeters / _cellMeters) + 1) : farthestRing;
        for (var ring = 0; ring <= limitRing; ring++)
        {
            for (var r = row - ring; r <= row + ring; r++)
            {
                if (r < 0 || r >= _rows)
                {
                    continue;
                }

                var onEdgeRow = r == row - ring || r == row + ring;
                var step = onEdgeRow ? 1 : Math.Max(1, 2 * ring);
                for (var c = column - ring; c <= column + ring; c += step)
                {
                    if (c < 0 || c >= _columns)
                    {
                        continue;
                    }

                    var cell = (r * _columns) + c;
                    for (var i = _cellStart[cell]; i < _cellStart[cell + 1]; i++)
                    {
                        var candidate = _cellSegments[i];
                        if (!_graph.SegmentAllows(candidate, kind))
                        {
                            continue;
                        }

                        var d = _graph.DistanceToSegment(candidate, x, y, out var f);

                        // Ties go to the lower segment id so snapping is deterministic.
                        if (d < distance || (d == distance && candidate < segment))
                        {
                            distance = d;
                            segment = candidate;
                            fraction = f;
                        }
                    }
                }
            }

            // Everything outside this ring is at least ring x cell size away from the query point.
            if (segment >= 0 && distance <= ring * _cellMeters)
            {
                break;
            }
        }

        if (segment < 0 || distance > maxDistanceMeters)
        {
            segment = -1;
            return false;
        }

        return true;
    }

    private void ForEachCell(RoadGraph graph, Action<int, int> visit)
    {
        var xs = graph.NodeX;
        var ys = graph.NodeY;
        for (var s = 0; s < graph.SegmentCount; s++)
        {
            var a = graph.SegmentStart(s);
            var b = graph.SegmentEnd(s);
            var c0 = Column(Math.Min(xs[a], xs[b]));
            var c1 = Column(Math.Max(xs[a], xs[b]));
            var r0 = Row(Math.Min(ys[a], ys[b]));
            var r1 = Row(Math.Max(ys[a], ys[b]));
            for (var r = r0; r <= r1; r++)
            {
                for (var c = c0; c <= c1; c++)
                {
                    visit((r * _columns) + c, s);
                }
            }
        }
    }

    private int Column(double x) => Math.Clamp((int)Math.Floor((x - _minX) / _cellMeters), 0, _columns - 1);

    private int Row(double y) => Math.Clamp((int)Math.Floor((y - _minY) / _cellMeters), 0, _rows - 1);
}
