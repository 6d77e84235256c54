using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Roads;

/// <summary>
/// Shortest-time routes over the road graph for a unit kind: from a point to the nearest road it may use,
/// along the roads, then to the destination. Points farther than <see cref="MaxSnapMeters"/> from any usable
/// road (another city's file, a unit off the map) get a straight line at the straight-line model's speed.
/// One search buffer shared under a lock: routes are asked for once per leg, not per fix.
/// </summary>
public sealed class RoadRouter
{
    public const double MaxSnapMeters = 300;

    /// <summary>Routes longer than this (in seconds of driving) are not searched for; a straight line stands in.</summary>
    public const double MaxRouteSeconds = 3 * 3600;

    private readonly RoadGraph? _graph;
    private readonly RoadSearch? _search;
    private readonly StraightLineEtaOptions _straight;
    private readonly Lock _lock = new();

    /// <param name="graph">Null: every route is a straight line.</param>
    public RoadRouter(RoadGraph? graph, StraightLineEtaOptions? straight = null)
    {
        _graph = graph;
        _search = graph is null ? null : new RoadSearch(graph);
        _straight = straight ?? new StraightLineEtaOptions();
    }

    /// <summary>The nearest point of a road <paramref name="kind"/> may use, or null when there is none close by (or no graph).</summary>
    public GeoPoint? NearestRoadPoint(GeoPoint point, UnitKind kind)
    {
        lock (_lock)
        {
            return _graph?.Snap(point, kind, MaxSnapMeters)?.SnappedPoint;
        }
    }

    public DriveRoute Plan(GeoPoint from, GeoPoint to, UnitKind kind)
    {
        // Off-road legs (kerb to road) at walking pace for officers on foot, else at a crawl of 3 m/s.
        var offRoadSpeed = Math.Min(3, _straight.SpeedMetersPerSecond(kind));
        var straight = DriveRoute.Straight(from, to, _straight.SpeedMetersPerSecond(kind) / _straight.DetourFactor);
        if (_graph is null || _search is null)
        {
            return straight;
        }

        lock (_lock)
        {
            var start = _graph.Snap(from, kind, MaxSnapMeters);
            var end = _graph.Snap(to, kind, MaxSnapMeters);
            if (start is not { } a || end is not { } b)
            {
                return straight;
            }

            var roads = RoadPath(a, b, kind);
            if (roads is null)
            {
                return straight;
            }

            var points = new List<GeoPoint> { from };
            var times = new List<double> { 0 };
            var lead = a.DistanceMeters / offRoadSpeed;
            foreach (var (point, seconds) in roads)
            {
                points.Add(point);
                times.Add(lead + seconds);
            }

            points.Add(to);
            times.Add(times[^1] + (b.DistanceMeters / offRoadSpeed));
            return new DriveRoute(points, times) { OnRoads = true };
        }
    }

    /// <summary>Points along the roads from snap <paramref name="a"/> to snap <paramref name="b"/> with the seconds to reach each; null when unreachable.</summary>
    private List<(GeoPoint Point, double Seconds)>? RoadPath(RoadSnap a, RoadSnap b, UnitKind kind)
    {
        var graph = _graph!;
        var search = _search!;
        var path = new List<(GeoPoint, double)> { (a.SnappedPoint, 0) };

        // Same segment, and its direction allows going straight there.
        if (a.Segment == b.Segment)
        {
            var direct = b.Fraction >= a.Fraction
                ? (b.Fraction - a.Fraction) * graph.SegmentForwardSeconds(a.Segment, kind)
                : (a.Fraction - b.Fraction) * graph.SegmentBackwardSeconds(a.Segment, kind);
            if (double.IsFinite(direct))
            {
                path.Add((b.SnappedPoint, direct));
                return path;
            }
        }

        // Sources: both ends of the start segment, reached along it from the snap point.
        search.Reset(kind, reversed: false);
        var seeds = new Dictionary<int, double>();
        void Seed(int node, double seconds)
        {
            if (double.IsFinite(seconds) && (!seeds.TryGetValue(node, out var known) || seconds < known))
            {
                seeds[node] = seconds;
                search.Seed(node, seconds);
            }
        }

        Seed(graph.SegmentEnd(a.Segment), (1 - a.Fraction) * graph.SegmentForwardSeconds(a.Segment, kind));
        Seed(graph.SegmentStart(a.Segment), a.Fraction * graph.SegmentBackwardSeconds(a.Segment, kind));

        // Targets: the snap point on the end segment, entered from either of its ends.
        var viaStart = search.SettledSecondsOf(graph.SegmentStart(b.Segment), MaxRouteSeconds) + (b.Fraction * graph.SegmentForwardSeconds(b.Segment, kind));
        var viaEnd = search.SettledSecondsOf(graph.SegmentEnd(b.Segment), MaxRouteSeconds) + ((1 - b.Fraction) * graph.SegmentBackwardSeconds(b.Segment, kind));
        var total = Math.Min(viaStart, viaEnd);
        if (!double.IsFinite(total))
        {
            return null;
        }

        var last = viaStart <= viaEnd ? graph.SegmentStart(b.Segment) : graph.SegmentEnd(b.Segment);
        var nodes = WalkBack(last, seeds, kind);
        if (nodes is null)
        {
            return null;
        }

        path.AddRange(nodes.Select(n => (graph.NodePosition(n), search.Seconds(n))));
        path.Add((b.SnappedPoint, total));
        return path;
    }

    /// <summary>
    /// The nodes from a source to <paramref name="node"/>: from the node, step back along an arriving edge whose
    /// tail's time plus the edge's time gives the node's time, until a source is reached at its seeded time.
    /// </summary>
    private List<int>? WalkBack(int node, Dictionary<int, double> seeds, UnitKind kind)
    {
        var graph = _graph!;
        var search = _search!;
        var edgeSeconds = graph.EdgeSeconds(kind);
        var nodes = new List<int> { node };
        var visited = new HashSet<int> { node };
        while (!(seeds.TryGetValue(node, out var seeded) && Math.Abs(search.Seconds(node) - seeded) < 1e-9))
        {

            var target = search.Seconds(node);
            var previous = -1;
            for (var i = graph.InStart[node]; i < graph.InStart[node + 1]; i++)
            {
                var edge = graph.InEdges[i];
                var from = graph.EdgeFrom[edge];
                var through = search.Seconds(from) + edgeSeconds[edge];
                if (Math.Abs(through - target) <= 1e-6 * Math.Max(1, target) && !visited.Contains(from))
                {
                    previous = from;
                    break;
                }
            }

            if (previous < 0)
            {
                return null;
            }

            node = previous;
            visited.Add(node);
            nodes.Add(node);
        }

        nodes.Reverse();
        return nodes;
    }
}
