using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Coverage;

/// <summary>
/// Where a unit must be to reach an incident within each tier's target, over the roads: cells of <see cref="CellMeters"/>
/// with the smallest target a unit of <see cref="Kind"/> in that cell meets. Empty when the incident is off the roads.
/// </summary>
public sealed record IncidentReachMap(UnitKind Kind, IReadOnlyList<double> TierSeconds, double CellMeters, IReadOnlyList<ReachCell> Cells, bool OnRoads);

/// <summary>A cell's centre and the smallest tier target (seconds) reached from it.</summary>
public readonly record struct ReachCell(double Latitude, double Longitude, double TierSeconds);

/// <summary>
/// An incident's reach from the road model: one bounded shortest-time search towards the incident (reversed graph), so
/// every road node gets its driving time to the scene for the unit kind; nodes are binned into cells and each cell
/// keeps the smallest tier target its fastest node meets. This is the isochrone a dispatcher reads: an available unit
/// inside the 3-minute cells can be on scene within 3 minutes.
/// </summary>
public static class IncidentReach
{
    public const double DefaultCellMeters = 100;

    /// <summary>How far from a road an incident may lie to be snapped to it.</summary>
    public const double MaxSnapMeters = 250;

    public static IncidentReachMap Compute(RoadGraph graph, GeoPoint incident, UnitKind kind, IReadOnlyList<double> tierSeconds, double cellMeters = DefaultCellMeters)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(tierSeconds);
        if (tierSeconds.Count == 0 || tierSeconds.Any(t => !double.IsFinite(t) || t <= 0))
        {
            throw new ArgumentException("tier targets must be finite and > 0", nameof(tierSeconds));
        }

        if (!double.IsFinite(cellMeters) || cellMeters <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cellMeters), cellMeters, "cell size must be > 0");
        }

        double[] tiers = [.. tierSeconds.Distinct().Order()];
        if (graph.Snap(incident, kind, MaxSnapMeters) is not { } snap)
        {
            return new IncidentReachMap(kind, tiers, cellMeters, [], false);
        }

        // Towards the incident: time from each node to the snapped point, entering its segment from either end.
        var search = new RoadSearch(graph);
        search.Reset(kind, reversed: true);
        search.Seed(graph.SegmentStart(snap.Segment), snap.Fraction * graph.SegmentForwardSeconds(snap.Segment, kind));
        search.Seed(graph.SegmentEnd(snap.Segment), (1 - snap.Fraction) * graph.SegmentBackwardSeconds(snap.Segment, kind));
        var limit = tiers[^1];
        search.RunTo(limit);

        var best = new Dictionary<(long, long), double>();
        var nodeX = graph.NodeX;
        var nodeY = graph.NodeY;
        var step = cellMeters / 2;
        void Add(double x, double y, double seconds)
        {
            var cell = ((long)Math.Floor(x / cellMeters), (long)Math.Floor(y / cellMeters));
            if (!best.TryGetValue(cell, out var known) || seconds < known)
            {
                best[cell] = seconds;
            }
        }

        // Points along every road a unit may drive towards the incident: on edge a->b at fraction f the time is the rest
        // of the edge plus b's time. Sampled at half a cell, so a long straight road still fills every cell it crosses.
        var edgeSeconds = graph.EdgeSeconds(kind);
        var edgeFrom = graph.EdgeFrom;
        var edgeTo = graph.EdgeTo;
        for (var edge = 0; edge < graph.EdgeCount; edge++)
        {
            var seconds = edgeSeconds[edge];
            var toSeconds = search.Seconds(edgeTo[edge]);
            if (!double.IsFinite(seconds) || toSeconds > limit)
            {
                continue;
            }

            int a = edgeFrom[edge], b = edgeTo[edge];
            var steps = Math.Max(1, (int)Math.Ceiling(graph.EdgeLengthMeters(edge) / step));
            for (var k = 0; k <= steps; k++)
            {
                var f = (double)k / steps;
                var time = ((1 - f) * seconds) + toSeconds;
                if (time <= limit)
                {
                    Add(nodeX[a] + (f * (nodeX[b] - nodeX[a])), nodeY[a] + (f * (nodeY[b] - nodeY[a])), time);
                }
            }
        }

        // The incident's own road: up to the scene along it, from either end the unit may drive it from.
        SampleTowardsSnap(graph, snap, kind, step, limit, Add);

        var cells = best
            .OrderBy(c => c.Key.Item2).ThenBy(c => c.Key.Item1)
            .Select(c =>
            {
                var centre = graph.Frame.ToGeo((c.Key.Item1 + 0.5) * cellMeters, (c.Key.Item2 + 0.5) * cellMeters);
                return new ReachCell(Math.Round(centre.Latitude, 6), Math.Round(centre.Longitude, 6), tiers.First(t => c.Value <= t));
            })
            .ToList();
        return new IncidentReachMap(kind, tiers, cellMeters, cells, true);
    }

    private static void SampleTowardsSnap(RoadGraph graph, Roads.RoadSnap snap, UnitKind kind, double step, double limit, Action<double, double, double> add)
    {
        var segment = snap.Segment;
        int start = graph.SegmentStart(segment), end = graph.SegmentEnd(segment);
        var length = graph.SegmentLengthMeters(segment);
        var steps = Math.Max(1, (int)Math.Ceiling(length / step));
        var forward = graph.SegmentForwardSeconds(segment, kind);
        var backward = graph.SegmentBackwardSeconds(segment, kind);
        for (var k = 0; k <= steps; k++)
        {
            var g = (double)k / steps;
            var time = g <= snap.Fraction ? (snap.Fraction - g) * forward : (g - snap.Fraction) * backward;
            if (double.IsFinite(time) && time <= limit)
            {
                add(graph.NodeX[start] + (g * (graph.NodeX[end] - graph.NodeX[start])), graph.NodeY[start] + (g * (graph.NodeY[end] - graph.NodeY[start])), time);
            }
        }
    }
}
