using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Roads;

/// <summary>
/// How much of a city a road network reaches: the share of points laid evenly over the city's grids that lie within
/// <see cref="MaxDistanceMeters"/> of a road a patrol car may use. A network of another place reaches 0%, a partial
/// export of the city part of it; dispatch there falls back to straight-line estimates, so this is said at start.
/// </summary>
public sealed record CityRoadCoverage(int SampleCount, int SamplesNearRoad, double MaxDistanceMeters, double SpacingMeters)
{
    /// <summary>Share of the city near a road, in [0, 1]; 0 for a city with nothing to sample.</summary>
    public double Share => SampleCount == 0 ? 0 : (double)SamplesNearRoad / SampleCount;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"roads within {MaxDistanceMeters:F0} m of {Share * 100:F0}% of the city ({SamplesNearRoad} of {SampleCount} points {SpacingMeters:F0} m apart over its grids)");

    /// <param name="maxDistanceMeters">How far a point may lie from a road and still count as reached (the snap distance of the ETA).</param>
    /// <param name="maxSamples">Spacing grows with the city so the check stays at this many points or fewer.</param>
    public static CityRoadCoverage Measure(RoadGraph graph, CityModel city, double maxDistanceMeters = 250, int maxSamples = 20_000)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(city);
        var frame = graph.Frame;
        var samples = new List<GeoPoint>();
        var area = city.Grids.Sum(g => AreaSquareMeters(g.Boundary, frame));
        var spacing = Math.Max(100, Math.Sqrt(area / Math.Max(1, maxSamples)));
        foreach (var grid in city.Grids)
        {
            var before = samples.Count;
            Lay(grid.Boundary, frame, spacing, samples);
            if (samples.Count == before)
            {
                var inside = grid.Boundary.InteriorPoint;
                samples.Add(new GeoPoint(inside.Y, inside.X));
            }
        }

        if (samples.Count == 0)
        {
            // A city without grids: where its people stand.
            samples.AddRange(city.Stations.Select(s => s.Location));
            samples.AddRange(city.Units.Select(u => u.Start));
        }

        var near = samples.Count(p => graph.Snap(p, UnitKind.Car, maxDistanceMeters) is not null);
        return new CityRoadCoverage(samples.Count, near, maxDistanceMeters, spacing);
    }

    private static double AreaSquareMeters(Polygon boundary, PlaneFrame frame)
    {
        var envelope = boundary.EnvelopeInternal;
        var width = frame.X(new GeoPoint(envelope.MinY, envelope.MaxX)) - frame.X(new GeoPoint(envelope.MinY, envelope.MinX));
        var height = frame.Y(new GeoPoint(envelope.MaxY, envelope.MinX)) - frame.Y(new GeoPoint(envelope.MinY, envelope.MinX));
        return Math.Abs(width * height);
    }

    private static void Lay(Polygon boundary, PlaneFrame frame, double spacing, List<GeoPoint> into)
    {
        var envelope = boundary.EnvelopeInternal;
        var southWest = new GeoPoint(envelope.MinY, envelope.MinX);
        var northEast = new GeoPoint(envelope.MaxY, envelope.MaxX);
        var locator = new IndexedPointInAreaLocator(boundary);
        var x0 = Math.Floor(frame.X(southWest) / spacing) * spacing;
        var y0 = Math.Floor(frame.Y(southWest) / spacing) * spacing;
        for (var y = y0 + (spacing / 2); y < frame.Y(northEast); y += spacing)
        {
            for (var x = x0 + (spacing / 2); x < frame.X(northEast); x += spacing)
            {
                var point = frame.ToGeo(x, y);
                if (locator.Locate(new Coordinate(point.Longitude, point.Latitude)) == Location.Interior)
                {
                    into.Add(point);
                }
            }
        }
    }
}
