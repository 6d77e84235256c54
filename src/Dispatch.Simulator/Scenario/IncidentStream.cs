using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;

namespace Dispatch.Simulator.Scenario;

/// <summary>One incident the scenario will report, <see cref="After"/> the start of the stream.</summary>
public sealed record PlannedIncident(
    int Number,
    TimeSpan After,
    string Type,
    IncidentPriority Priority,
    GeoPoint Location,
    IncidentSource Source,
    string GridId);

/// <summary>
/// A seeded stream of incidents: Poisson arrivals, locations inside the city's grids with some grids
/// busier than others (markets, stations, nightlife) and, inside a grid, a share on the square around
/// its station, and a mix of priorities and sources.
/// </summary>
public static class IncidentStream
{
    /// <summary>Share of a grid's incidents on the square around its station, where crowds gather.</summary>
    public const double StationSquareShare = 0.3;

    public const double StationSquareRadiusMeters = 150;

    private static readonly (string Type, IncidentPriority Priority, IncidentSource Source, double Weight)[] Kinds =
    [
        ("armed robbery", IncidentPriority.Critical, IncidentSource.Call, 3),
        ("school alarm button", IncidentPriority.Critical, IncidentSource.Sensor, 2),
        ("fight in progress", IncidentPriority.High, IncidentSource.Camera, 10),
        ("traffic accident with injuries", IncidentPriority.High, IncidentSource.Call, 12),
        ("theft", IncidentPriority.Normal, IncidentSource.Call, 20),
        ("crowd gathering", IncidentPriority.Normal, IncidentSource.Camera, 12),
        ("traffic accident", IncidentPriority.Normal, IncidentSource.Call, 13),
        ("noise complaint", IncidentPriority.Low, IncidentSource.Call, 14),
        ("illegal parking", IncidentPriority.Low, IncidentSource.Camera, 14),
    ];

    public static IReadOnlyList<PlannedIncident> Generate(CityModel city, int seed, int count, double ratePerHour)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!double.IsFinite(ratePerHour) || ratePerHour <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerHour), ratePerHour, $"rate must be a number > 0 incidents per hour, got {ratePerHour}");
        }

        if (city.Grids.Count == 0)
        {
            throw new ArgumentException($"city '{city.Name}' has no grids to place incidents in", nameof(city));
        }

        var random = new Random(seed);

        // Squared uniform weights: a few busy grids, many quiet ones.
        var gridWeights = city.Grids.Select(_ => 0.2 + (3 * Math.Pow(random.NextDouble(), 2))).ToArray();
        var kindWeights = Kinds.Select(k => k.Weight).ToArray();
        var meanGapSeconds = 3600 / ratePerHour;
        var incidents = new List<PlannedIncident>(count);
        var atSeconds = 0.0;
        for (var number = 1; number <= count; number++)
        {
            atSeconds += -meanGapSeconds * Math.Log(1 - random.NextDouble());
            var grid = city.Grids[Pick(random, gridWeights)];
            var kind = Kinds[Pick(random, kindWeights)];
            incidents.Add(new PlannedIncident(
                number, TimeSpan.FromSeconds(atSeconds), kind.Type, kind.Priority, Place(random, city, grid), kind.Source, grid.Id));
        }

        return incidents;
    }

    private static int Pick(Random random, double[] weights)
    {
        var roll = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static GeoPoint Place(Random random, CityModel city, GridSpec grid)
    {
        if (random.NextDouble() < StationSquareShare && city.FindStation(grid.StationId) is { } station)
        {
            for (var attempt = 0; attempt < 20; attempt++)
            {
                // Uniform over the disc: radius grows with the square root.
                var radiusMeters = StationSquareRadiusMeters * Math.Sqrt(random.NextDouble());
                var bearing = random.NextDouble() * 2 * Math.PI;
                var point = GreatCircle.Offset(station.Location, radiusMeters * Math.Cos(bearing), radiusMeters * Math.Sin(bearing));
                if (city.FindGrid(point)?.Id == grid.Id)
                {
                    return point;
                }
            }
        }

        return PointInside(random, city, grid);
    }

    /// <summary>A uniform point of the grid (rejection sampling in its envelope), checked with the city's own lookup.</summary>
    private static GeoPoint PointInside(Random random, CityModel city, GridSpec grid)
    {
        var envelope = grid.Boundary.EnvelopeInternal;
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var point = new GeoPoint(
                envelope.MinY + (random.NextDouble() * envelope.Height),
                envelope.MinX + (random.NextDouble() * envelope.Width));
            if (city.FindGrid(point)?.Id == grid.Id)
            {
                return point;
            }
        }

        var centroid = grid.Boundary.Centroid;
        return new GeoPoint(centroid.Y, centroid.X);
    }
}
