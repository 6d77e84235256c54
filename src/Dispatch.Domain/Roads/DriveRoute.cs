using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Roads;

/// <summary>A timed path: where a unit is after driving it for so many seconds (linear between its points).</summary>
public sealed class DriveRoute
{
    private readonly GeoPoint[] _points;
    private readonly double[] _atSeconds;

    /// <param name="points">At least one point.</param>
    /// <param name="atSeconds">When each point is reached: starts at 0 and never decreases.</param>
    public DriveRoute(IReadOnlyList<GeoPoint> points, IReadOnlyList<double> atSeconds)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(atSeconds);
        if (points.Count == 0 || points.Count != atSeconds.Count)
        {
            throw new ArgumentException($"a route needs one time per point and at least one point, got {points.Count} points and {atSeconds.Count} times");
        }

        for (var i = 0; i < atSeconds.Count; i++)
        {
            if (!double.IsFinite(atSeconds[i]) || atSeconds[i] < (i == 0 ? 0 : atSeconds[i - 1]))
            {
                throw new ArgumentException($"route times must start at 0 or later and never decrease; time {i} is {atSeconds[i]}");
            }
        }

        _points = [.. points];
        _atSeconds = [.. atSeconds];
    }

    public IReadOnlyList<GeoPoint> Points => _points;

    public double TotalSeconds => _atSeconds[^1];

    public GeoPoint End => _points[^1];

    /// <summary>True when the route follows the road network (false: a straight line).</summary>
    public bool OnRoads { get; init; }

    /// <summary>A straight line at <paramref name="metersPerSecond"/>.</summary>
    public static DriveRoute Straight(GeoPoint from, GeoPoint to, double metersPerSecond)
    {
        var seconds = metersPerSecond > 0 ? GreatCircle.DistanceMeters(from, to) / metersPerSecond : 0;
        return new DriveRoute([from, to], [0, seconds]);
    }

    public GeoPoint PositionAt(double seconds)
    {
        if (seconds <= 0)
        {
            return _points[0];
        }

        if (seconds >= TotalSeconds)
        {
            return End;
        }

        var i = Array.FindIndex(_atSeconds, t => t > seconds);
        var (t0, t1) = (_atSeconds[i - 1], _atSeconds[i]);
        var f = t1 > t0 ? (seconds - t0) / (t1 - t0) : 1;
        var (a, b) = (_points[i - 1], _points[i]);
        return new GeoPoint(a.Latitude + ((b.Latitude - a.Latitude) * f), a.Longitude + ((b.Longitude - a.Longitude) * f));
    }
}
