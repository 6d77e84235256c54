using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.DaySimulation;

/// <summary>One incident of the simulated day, with everything random about it drawn up front so every policy sees the same day.</summary>
public sealed record DayIncident(
    int Number,
    TimeSpan At,
    GeoPoint Location,
    IncidentPriority Priority,
    string GridId,
    string StationId,
    TimeSpan OnScene,
    TimeSpan Clearing,
    int AckSeed);

/// <summary>
/// Seeded incidents over one day: arrival times of a Poisson process with a day/night profile
/// (given the count, its arrival times are independent draws from the profile), locations by grid
/// weight, part of them on the station squares where 1-minute response is meant to hold.
/// </summary>
public static class DayIncidents
{
    /// <summary>Relative incident rate per hour of day: quiet before dawn, busiest in the evening.</summary>
    public static readonly IReadOnlyList<double> HourlyProfile =
    [
        0.55, 0.40, 0.30, 0.25, 0.25, 0.35, 0.55, 0.85, 1.10, 1.20, 1.20, 1.25,
        1.30, 1.20, 1.15, 1.20, 1.30, 1.45, 1.55, 1.50, 1.40, 1.20, 0.95, 0.75,
    ];

    /// <summary>Share of incidents on a station's square (within 80 m of it).</summary>
    public const double AtStationShare = 0.25;

    public static IReadOnlyList<DayIncident> Generate(CityModel city, int seed, int count)
    {
        Check(city, count);
        var random = new Random(seed);
        return Draw(city, random, GridWeights(city, random), seed, count);
    }

    /// <summary>
    /// Like <see cref="Generate(CityModel, int, int)"/>, with the grids' relative busyness given, so a run of days can
    /// share the same busy grids (<see cref="GridWeights(CityModel, int)"/>) while each day draws its own incidents.
    /// </summary>
    public static IReadOnlyList<DayIncident> Generate(CityModel city, int seed, int count, IReadOnlyList<double> gridWeights)
    {
        Check(city, count);
        ArgumentNullException.ThrowIfNull(gridWeights);
        if (gridWeights.Count != city.Grids.Count || gridWeights.Any(w => !(w > 0) || double.IsInfinity(w)))
        {
            throw new ArgumentException($"one positive finite weight per grid ({city.Grids.Count}) is needed, got {gridWeights.Count}", nameof(gridWeights));
        }

        return Draw(city, new Random(seed), gridWeights, seed, count);
    }

    /// <summary>How much busier each grid is than others (markets, stations, nightlife), in grid order.</summary>
    public static IReadOnlyList<double> GridWeights(CityModel city, int seed)
    {
        ArgumentNullException.ThrowIfNull(city);
        return GridWeights(city, new Random(seed));
    }

    private static double[] GridWeights(CityModel city, Random random) => [.. city.Grids.Select(_ => Math.Exp(random.NextDouble() * 2.0))];

    private static void Check(CityModel city, int count)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (city.Grids.Count == 0)
        {
            throw new ArgumentException("the city has no grids to place incidents in", nameof(city));
        }
    }

    private static List<DayIncident> Draw(CityModel city, Random random, IReadOnlyList<double> gridWeights, int seed, int count)
    {
        var locators = city.Grids.Select(g => new IndexedPointInAreaLocator(g.Boundary)).ToArray();
        var stations = city.Stations.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var hourTotal = HourlyProfile.Sum();
        var gridTotal = gridWeights.Sum();

        var drawn = new List<(TimeSpan At, int Grid, GeoPoint Location, IncidentPriority Priority, TimeSpan OnScene, TimeSpan Clearing)>(count);
        for (var i = 0; i < count; i++)
        {
            var hour = Pick(random, HourlyProfile, hourTotal);
            var at = TimeSpan.FromHours(hour + random.NextDouble());
            var grid = Pick(random, gridWeights, gridTotal);
            var spec = city.Grids[grid];
            var location = random.NextDouble() < AtStationShare && stations.TryGetValue(spec.StationId, out var station)
                ? Around(random, station.Location, 80)
                : Inside(random, spec.Boundary, locators[grid]);
            var priority = DrawPriority(random);
            var (onScene, clearing) = DrawDurations(random);
            drawn.Add((at, grid, location, priority, onScene, clearing));
        }

        return [.. drawn.OrderBy(d => d.At).Select((d, n) => new DayIncident(
            n + 1, d.At, d.Location, d.Priority, city.Grids[d.Grid].Id, city.Grids[d.Grid].StationId, d.OnScene, d.Clearing, unchecked((seed * 1_000_003) + n)))];
    }

    internal static IncidentPriority DrawPriority(Random random) => random.NextDouble() switch
    {
        < 0.08 => IncidentPriority.Critical,
        < 0.30 => IncidentPriority.High,
        < 0.85 => IncidentPriority.Normal,
        _ => IncidentPriority.Low,
    };

    internal static (TimeSpan OnScene, TimeSpan Clearing) DrawDurations(Random random) =>
        (TimeSpan.FromMinutes(8 + Exponential(random, 17)), TimeSpan.FromMinutes(3 + Exponential(random, 5)));

    internal static int Pick(Random random, IReadOnlyList<double> weights, double total)
    {
        var roll = random.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }

    internal static double Exponential(Random random, double mean) => -mean * Math.Log(1 - random.NextDouble());

    internal static GeoPoint Around(Random random, GeoPoint centre, double radiusMeters)
    {
        var r = radiusMeters * Math.Sqrt(random.NextDouble());
        var angle = random.NextDouble() * 2 * Math.PI;
        return GreatCircle.Offset(centre, r * Math.Cos(angle), r * Math.Sin(angle));
    }

    internal static GeoPoint Inside(Random random, Polygon boundary, IndexedPointInAreaLocator locator)
    {
        var envelope = boundary.EnvelopeInternal;
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var longitude = envelope.MinX + (random.NextDouble() * envelope.Width);
            var latitude = envelope.MinY + (random.NextDouble() * envelope.Height);
            if (locator.Locate(new Coordinate(longitude, latitude)) == Location.Interior)
            {
                return new GeoPoint(latitude, longitude);
            }
        }

        var inside = boundary.InteriorPoint;
        return new GeoPoint(inside.Y, inside.X);
    }
}
