using System.Globalization;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.City;

/// <summary>How <see cref="RoadCity.Generate"/> lays a city over a road network.</summary>
public sealed record RoadCityOptions
{
    /// <summary>Everything random (stations' responders, units' kinds and places, cameras) follows from this seed.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Side of the square grids. Grows (by a quarter at a time) when more than <see cref="MaxGrids"/> would be needed.</summary>
    public double GridMeters { get; init; } = 1000;

    /// <summary>A square with less road a car may use than this (fields, water, a motorway's edge) is no grid.</summary>
    public double MinRoadMetersPerGrid { get; init; } = 1500;

    public int MaxGrids { get; init; } = 400;

    public int UnitsPerStation { get; init; } = 5;

    public int CamerasPerGrid { get; init; } = 20;

    /// <summary>Gateways the cameras are spread over (GW-01, GW-02, ...), by area west to east.</summary>
    public int Gateways { get; init; } = 6;

    public string Name { get; init; } = "City from roads";

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!double.IsFinite(GridMeters) || GridMeters is < 100 or > 20_000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"grid size must be 100 to 20000 m, got {GridMeters}"));
        }

        if (!double.IsFinite(MinRoadMetersPerGrid) || MinRoadMetersPerGrid < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"minimum road per grid must be >= 0 m, got {MinRoadMetersPerGrid}"));
        }

        if (MaxGrids is < 1 or > 15_000)
        {
            errors.Add($"maximum grids must be 1 to 15000, got {MaxGrids}");
        }

        if (UnitsPerStation is < 0 or > 100)
        {
            errors.Add($"units per station must be 0 to 100, got {UnitsPerStation}");
        }

        if (CamerasPerGrid is < 0 or > 1000)
        {
            errors.Add($"cameras per grid must be 0 to 1000, got {CamerasPerGrid}");
        }

        if (Gateways is < 1 or > 99)
        {
            errors.Add($"gateways must be 1 to 99, got {Gateways}");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("the city needs a name");
        }

        return errors;
    }
}

/// <summary>
/// Builds a plausible city around any road network, so the service can be tried on one's own streets: the area the
/// roads cover cut into square grids (only squares with enough road for patrol cars), a street police station on a
/// road near each grid's middle, patrol units of the usual mix starting on their grid's roads, and cameras along the
/// roads facing along them. Deterministic: the same roads and seed give the same city.
/// </summary>
public static class RoadCity
{
    private const int CoordinateDecimals = 7;

    // Where stations and most units may stand: not on a motorway or trunk road.
    private static readonly HashSet<RoadClass> StreetClasses =
        [RoadClass.Primary, RoadClass.Secondary, RoadClass.Tertiary, RoadClass.Unclassified, RoadClass.Residential, RoadClass.LivingStreet, RoadClass.Service];

    private static readonly double[] FieldsOfViewDegrees = [45, 60, 60, 75, 90, 90, 110, 120];

    /// <summary>The usual mix per station, in the order a station fills it: mostly cars, a motorcycle, an officer on foot, a bicycle.</summary>
    private static readonly UnitKind[] UnitMix = [UnitKind.Car, UnitKind.Motorcycle, UnitKind.Car, UnitKind.Foot, UnitKind.Bicycle, UnitKind.Car, UnitKind.Car, UnitKind.Motorcycle];

    public static CityModel Generate(IReadOnlyList<RoadFeature> roads, RoadCityOptions options)
    {
        ArgumentNullException.ThrowIfNull(roads);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        var carRoads = roads.Where(r => r.Class <= RoadClass.Track).ToList();
        if (carRoads.Count == 0)
        {
            throw new ArgumentException($"none of the {roads.Count} roads is one a patrol car may use", nameof(roads));
        }

        var frame = new PlaneFrame(Middle(carRoads));
        var segments = Segments(carRoads, frame);
        var (gridMeters, cells) = LayGrids(segments, options);
        if (cells.Count == 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"no {options.GridMeters:F0} m square holds {options.MinRoadMetersPerGrid:F0} m of road a car may use; the roads are too sparse for a city"), nameof(roads));
        }

        var random = new Random(options.Seed);

        // Residents from a stream of their own, so the rest of the city is what it was before grids had any.
        var residents = new Random(unchecked((options.Seed * 7919) + 104729));
        var grids = new List<GridSpec>(cells.Count);
        var stations = new List<StationSpec>(cells.Count);
        var units = new List<PatrolUnitSpec>();
        var cameras = new List<CameraSpec>();
        var unitsOfKind = new Dictionary<UnitKind, int>();
        var westToEast = cells.Select(c => c.Column).Distinct().Order().ToList();
        foreach (var cell in cells)
        {
            var number = grids.Count + 1;
            var gridId = $"G-{number:000}";
            var stationId = $"S-{number:000}";
            var (stationAt, stationRoad) = NearestStreetPoint(cell, gridMeters, frame);
            var gridName = $"{options.Name} {number:000}";
            grids.Add(new GridSpec(gridId, gridName, stationId, Square(cell, gridMeters, frame))
            {
                // A made-up figure, so rates per 10,000 residents have a denominator: replace it with the census's.
                Population = residents.Next(500, 2_000) * 10,
            });
            stations.Add(new StationSpec(stationId, $"{stationRoad ?? gridName} station", stationAt, gridId, OnDutyResponders: random.Next(2, 7)));

            for (var u = 0; u < options.UnitsPerStation; u++)
            {
                var kind = UnitMix[u % UnitMix.Length];
                unitsOfKind[kind] = unitsOfKind.GetValueOrDefault(kind) + 1;
                // Cars and motorcycles anywhere on the grid's streets; foot and bicycle patrols near the station.
                var start = kind is UnitKind.Car or UnitKind.Motorcycle
                    ? PointOn(Pick(cell.Segments.Where(s => StreetClasses.Contains(s.Class)).ToList(), cell.Segments, random), random, frame)
                    : PointOn(Pick(cell.Segments.Where(s => s.DistanceTo(frame.X(stationAt), frame.Y(stationAt)) < 300).ToList(), cell.Segments, random), random, frame);
                units.Add(new PatrolUnitSpec($"U-{units.Count + 1:0000}", $"{CallSignMark(kind)}-{unitsOfKind[kind]:000}", kind, stationId, start));
            }

            var gateway = $"GW-{(westToEast.IndexOf(cell.Column) * options.Gateways / westToEast.Count) + 1:00}";
            for (var c = 0; c < options.CamerasPerGrid; c++)
            {
                var segment = PickByLength(cell.Segments, random);
                var at = PointOn(segment, random, frame);
                var heading = segment.HeadingDegrees + (random.NextDouble() < 0.5 ? 0 : 180);
                cameras.Add(new CameraSpec(
                    $"C-{cameras.Count + 1:00000}",
                    $"{segment.Name ?? RoadClasses.ToHighwayTag(segment.Class)} camera {c + 1:000}",
                    at,
                    Math.Round(heading, 1) % 360,
                    FieldsOfViewDegrees[random.Next(FieldsOfViewDegrees.Length)],
                    stationId,
                    gateway));
            }
        }

        return new CityModel(options.Name, Round(frame.Origin), grids, stations, units, cameras);
    }

    /// <summary>A road segment a car may use, in plane metres, with the cell its middle falls in.</summary>
    private sealed record Segment(double X1, double Y1, double X2, double Y2, RoadClass Class, string? Name)
    {
        public double Length => Math.Sqrt(((X2 - X1) * (X2 - X1)) + ((Y2 - Y1) * (Y2 - Y1)));

        public double MidX => (X1 + X2) / 2;

        public double MidY => (Y1 + Y2) / 2;

        /// <summary>Compass heading of the segment's drawing direction, degrees clockwise from north.</summary>
        public double HeadingDegrees => ((Math.Atan2(X2 - X1, Y2 - Y1) * 180 / Math.PI) + 360) % 360;

        public (double X, double Y, double Distance) Nearest(double x, double y)
        {
            var dx = X2 - X1;
            var dy = Y2 - Y1;
            var lengthSquared = (dx * dx) + (dy * dy);
            var t = lengthSquared == 0 ? 0 : Math.Clamp((((x - X1) * dx) + ((y - Y1) * dy)) / lengthSquared, 0, 1);
            var px = X1 + (t * dx);
            var py = Y1 + (t * dy);
            return (px, py, Math.Sqrt(((px - x) * (px - x)) + ((py - y) * (py - y))));
        }

        public double DistanceTo(double x, double y) => Nearest(x, y).Distance;
    }

    private sealed record Cell(int Column, int Row, double MinX, double MinY, List<Segment> Segments)
    {
        public double RoadMeters { get; } = Segments.Sum(s => s.Length);
    }

    private static GeoPoint Middle(IReadOnlyList<RoadFeature> roads)
    {
        var points = roads.SelectMany(r => r.Lines).SelectMany(l => l).ToList();
        return new GeoPoint((points.Min(p => p.Latitude) + points.Max(p => p.Latitude)) / 2, (points.Min(p => p.Longitude) + points.Max(p => p.Longitude)) / 2);
    }

    private static List<Segment> Segments(IReadOnlyList<RoadFeature> roads, PlaneFrame frame)
    {
        var segments = new List<Segment>();
        foreach (var road in roads)
        {
            foreach (var line in road.Lines)
            {
                for (var i = 1; i < line.Count; i++)
                {
                    var segment = new Segment(frame.X(line[i - 1]), frame.Y(line[i - 1]), frame.X(line[i]), frame.Y(line[i]), road.Class, road.Name);
                    if (segment.Length > 0.5)
                    {
                        segments.Add(segment);
                    }
                }
            }
        }

        return segments;
    }

    /// <summary>
    /// Squares over the area the roads cover (their middles' 1st to 99th percentile each way, so a motorway running
    /// off into the countryside does not stretch the city), keeping those with enough road; bigger squares while too many.
    /// </summary>
    private static (double GridMeters, List<Cell> Cells) LayGrids(List<Segment> segments, RoadCityOptions options)
    {
        var xs = segments.Select(s => s.MidX).Order().ToList();
        var ys = segments.Select(s => s.MidY).Order().ToList();
        double Percentile(List<double> sorted, double p) => sorted[(int)Math.Clamp(Math.Round(p * (sorted.Count - 1)), 0, sorted.Count - 1)];
        var (minX, maxX) = (Percentile(xs, 0.01), Percentile(xs, 0.99));
        var (minY, maxY) = (Percentile(ys, 0.01), Percentile(ys, 0.99));
        var gridMeters = options.GridMeters;
        while (true)
        {
            var columns = Math.Max(1, (int)Math.Ceiling((maxX - minX) / gridMeters));
            var rows = Math.Max(1, (int)Math.Ceiling((maxY - minY) / gridMeters));
            // Centred on the covered area, so the outer squares are cut evenly on both sides.
            var x0 = ((minX + maxX) / 2) - (columns * gridMeters / 2);
            var y0 = ((minY + maxY) / 2) - (rows * gridMeters / 2);
            var inCell = new List<Segment>[columns, rows];
            foreach (var segment in segments)
            {
                var column = (int)Math.Floor((segment.MidX - x0) / gridMeters);
                var row = (int)Math.Floor((segment.MidY - y0) / gridMeters);
                if (column >= 0 && column < columns && row >= 0 && row < rows)
                {
                    (inCell[column, row] ??= []).Add(segment);
                }
            }

            // Row-major from the south-west, so ids run west to east, then south to north.
            var cells = new List<Cell>();
            for (var row = 0; row < rows; row++)
            {
                for (var column = 0; column < columns; column++)
                {
                    if (inCell[column, row] is { } held)
                    {
                        var cell = new Cell(column, row, x0 + (column * gridMeters), y0 + (row * gridMeters), held);
                        if (cell.RoadMeters >= options.MinRoadMetersPerGrid && held.Any(s => StreetClasses.Contains(s.Class)))
                        {
                            cells.Add(cell);
                        }
                    }
                }
            }

            if (cells.Count <= options.MaxGrids)
            {
                return (gridMeters, cells);
            }

            gridMeters *= 1.25;
        }
    }

    private static Polygon Square(Cell cell, double gridMeters, PlaneFrame frame)
    {
        Coordinate Corner(double x, double y)
        {
            var p = Round(frame.ToGeo(x, y));
            return new Coordinate(p.Longitude, p.Latitude);
        }

        var (x0, y0, x1, y1) = (cell.MinX, cell.MinY, cell.MinX + gridMeters, cell.MinY + gridMeters);
        return CityGeoJson.GeometryFactory.CreatePolygon([Corner(x0, y0), Corner(x1, y0), Corner(x1, y1), Corner(x0, y1), Corner(x0, y0)]);
    }

    /// <summary>The point of the cell's streets nearest its middle, and that street's name: where a station would stand.</summary>
    private static (GeoPoint At, string? RoadName) NearestStreetPoint(Cell cell, double gridMeters, PlaneFrame frame)
    {
        var (cx, cy) = (cell.MinX + (gridMeters / 2), cell.MinY + (gridMeters / 2));
        var streets = cell.Segments.Where(s => StreetClasses.Contains(s.Class)).ToList();
        var best = streets.Select(s => (Segment: s, Nearest: s.Nearest(cx, cy))).MinBy(p => p.Nearest.Distance);
        return (Round(frame.ToGeo(best.Nearest.X, best.Nearest.Y)), best.Segment.Name);
    }

    private static Segment Pick(List<Segment> preferred, List<Segment> fallback, Random random) =>
        PickByLength(preferred.Count > 0 ? preferred : fallback, random);

    /// <summary>A segment chosen with chances by length, so long roads get their share of units and cameras.</summary>
    private static Segment PickByLength(List<Segment> segments, Random random)
    {
        var total = segments.Sum(s => s.Length);
        var target = random.NextDouble() * total;
        foreach (var segment in segments)
        {
            target -= segment.Length;
            if (target <= 0)
            {
                return segment;
            }
        }

        return segments[^1];
    }

    private static GeoPoint PointOn(Segment segment, Random random, PlaneFrame frame)
    {
        var t = 0.1 + (random.NextDouble() * 0.8);
        return Round(frame.ToGeo(segment.X1 + (t * (segment.X2 - segment.X1)), segment.Y1 + (t * (segment.Y2 - segment.Y1))));
    }

    private static GeoPoint Round(GeoPoint p) => new(Math.Round(p.Latitude, CoordinateDecimals), Math.Round(p.Longitude, CoordinateDecimals));

    private static string CallSignMark(UnitKind kind) => kind switch
    {
        UnitKind.Car => "Car",
        UnitKind.Motorcycle => "Moto",
        UnitKind.Bicycle => "Bike",
        _ => "Foot",
    };
}
