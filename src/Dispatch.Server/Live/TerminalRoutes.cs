using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using Dispatch.Server.Roads;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Live;

/// <summary>
/// A unit's way to its incident as its terminal draws it: points [latitude, longitude] from the unit to the scene, the
/// driving seconds, the length, and whether it follows the roads (false: a straight line, no road close enough).
/// </summary>
public sealed record TerminalRoute(string IncidentId, IReadOnlyList<double[]> Points, double EtaSeconds, double DistanceMeters, bool OnRoads);

/// <summary>Plans terminals' routes over the host's road network (a straight line without one).</summary>
public sealed class TerminalRoutes(LoadedRoads roads, IOptions<StraightLineEtaOptions> straight)
{
    private readonly RoadRouter _router = new(roads.Graph, straight.Value);

    public TerminalRoute Plan(string incidentId, GeoPoint from, GeoPoint to, UnitKind kind)
    {
        var route = _router.Plan(from, to, kind);
        var points = route.Points;
        var meters = 0.0;
        for (var i = 1; i < points.Count; i++)
        {
            meters += GreatCircle.DistanceMeters(points[i - 1], points[i]);
        }

        return new TerminalRoute(
            incidentId,
            [.. points.Select(p => new[] { Math.Round(p.Latitude, 6), Math.Round(p.Longitude, 6) })],
            Math.Round(route.TotalSeconds, 1),
            Math.Round(meters),
            route.OnRoads);
    }
}
