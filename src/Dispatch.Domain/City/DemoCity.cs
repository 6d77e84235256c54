using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.City;

/// <summary>A Jinan-like demo city generated deterministically from a seed.</summary>
public static class DemoCity
{
    public static readonly GeoPoint JinanCenter = new(36.66, 117.00);

    public const int Columns = 10;

    public const int Rows = 6;

    public const int UnitCount = 300;

    public const int CameraCount = 3000;

    public const int GatewayCount = 6;

    private const double WidthMeters = 10_000;

    private const double HeightMeters = 8_000;

    private const double CellWidthMeters = WidthMeters / Columns;

    private const double CellHeightMeters = HeightMeters / Rows;

    // Small enough that every cell stays a convex quadrilateral, large enough to look unplanned.
    private const double JitterFraction = 0.15;

    private const int CoordinateDecimals = 7;

    /// <summary>60 grids around the centre, each with its station; a few hundred patrol units; a few thousand cameras.</summary>
    public static CityModel Generate(int seed = 7)
    {
        var random = new Random(seed);
        var vertices = Lattice(random);
        var cells = new List<Cell>(Columns * Rows);
        var grids = new List<GridSpec>(Columns * Rows);
        var stations = new List<StationSpec>(Columns * Rows);
        var numberInDistrict = new Dictionary<string, int>(StringComparer.Ordinal);

        // Row-major from the south-west corner, so grid ids sort west to east, then south to north.
        for (var row = 0; row < Rows; row++)
        {
            for (var column = 0; column < Columns; column++)
            {
                var number = cells.Count + 1;
                var district = District(column, row);
                numberInDistrict[district] = numberInDistrict.GetValueOrDefault(district) + 1;
                var cell = new Cell(
                    column,
                    row,
                    vertices[column, row],
                    vertices[column + 1, row],
                    vertices[column + 1, row + 1],
                    vertices[column, row + 1])
                {
                    GridId = $"G-{number:00}",
                    StationId = $"S-{number:00}",
                    GridName = $"{district}-{numberInDistrict[district]:00}",
                    GridNameEn = $"{DistrictEn(district)}-{numberInDistrict[district]:00}",
                    StationU = 0.5 + Spread(random, 0.08),
                    StationV = 0.5 + Spread(random, 0.08),
                };
                cells.Add(cell);
                var boundary = CityGeoJson.GeometryFactory.CreatePolygon(
                    [cell.SouthWest.Copy(), cell.SouthEast.Copy(), cell.NorthEast.Copy(), cell.NorthWest.Copy(), cell.SouthWest.Copy()]);
                grids.Add(new GridSpec(cell.GridId, cell.GridName, cell.StationId, boundary, cell.GridNameEn));
                stations.Add(new StationSpec(
                    cell.StationId,
                    $"{cell.GridName}警务站",
                    cell.At(cell.StationU, cell.StationV),
                    cell.GridId,
                    OnDutyResponders: random.Next(2, 7),
                    NameEn: $"{cell.GridNameEn} Police Station"));
            }
        }

        var units = PatrolUnits(random, cells);
        var cameras = Cameras(random, cells);
        return new CityModel("济南(演示)", JinanCenter, grids, stations, units, cameras, "Jinan (demo)");
    }

    /// <summary>
    /// The shared corners of all cells, so neighbouring grids share edges exactly (no gaps, no overlaps).
    /// Outer corners stay put and outer edge vertices only slide along the edge, keeping the outline a rectangle in metres.
    /// </summary>
    private static Coordinate[,] Lattice(Random random)
    {
        var vertices = new Coordinate[Columns + 1, Rows + 1];
        for (var row = 0; row <= Rows; row++)
        {
            for (var column = 0; column <= Columns; column++)
            {
                var eastMeters = column * CellWidthMeters;
                var northMeters = row * CellHeightMeters;
                if (column > 0 && column < Columns)
                {
                    eastMeters += Spread(random, JitterFraction) * CellWidthMeters;
                }

                if (row > 0 && row < Rows)
                {
                    northMeters += Spread(random, JitterFraction) * CellHeightMeters;
                }

                var point = GreatCircle.Offset(JinanCenter, northMeters - (HeightMeters / 2), eastMeters - (WidthMeters / 2));
                vertices[column, row] = new Coordinate(
                    Math.Round(point.Longitude, CoordinateDecimals),
                    Math.Round(point.Latitude, CoordinateDecimals));
            }
        }

        return vertices;
    }

    private static List<PatrolUnitSpec> PatrolUnits(Random random, List<Cell> cells)
    {
        var units = new List<PatrolUnitSpec>(UnitCount);
        var perKind = new Dictionary<UnitKind, int>();
        for (var i = 1; i <= UnitCount; i++)
        {
            var roll = random.NextDouble();
            var kind = roll switch
            {
                < 0.60 => UnitKind.Car,
                < 0.75 => UnitKind.Motorcycle,
                < 0.87 => UnitKind.Bicycle,
                _ => UnitKind.Foot,
            };
            var cell = cells[random.Next(cells.Count)];

            // Cars and motorcycles roam the whole grid; bicycles the middle; foot patrols stay by the station square.
            var (u, v) = kind switch
            {
                UnitKind.Foot => (cell.StationU + Spread(random, 0.1), cell.StationV + Spread(random, 0.1)),
                UnitKind.Bicycle => (0.5 + Spread(random, 0.25), 0.5 + Spread(random, 0.25)),
                _ => (0.5 + Spread(random, 0.42), 0.5 + Spread(random, 0.42)),
            };
            perKind[kind] = perKind.GetValueOrDefault(kind) + 1;
            var callSign = $"鲁A-{CallSignMark(kind)}{perKind[kind]:000}";
            units.Add(new PatrolUnitSpec($"U-{i:0000}", callSign, kind, cell.StationId, cell.At(u, v)));
        }

        return units;
    }

    private static List<CameraSpec> Cameras(Random random, List<Cell> cells)
    {
        var cameras = new List<CameraSpec>(CameraCount);
        var perGrid = new Dictionary<string, int>(StringComparer.Ordinal);
        double[] fieldsOfView = [30, 45, 60, 60, 75, 90, 90, 110, 120, 360];
        for (var i = 1; i <= CameraCount; i++)
        {
            var cell = cells[random.Next(cells.Count)];
            var atIntersection = random.NextDouble() < 0.35;
            double u, v;
            if (atIntersection)
            {
                // A few tens of metres from one of the grid's corners: the junctions carry most cameras.
                var corner = random.Next(4);
                var du = 0.02 + (random.NextDouble() * 0.08);
                var dv = 0.02 + (random.NextDouble() * 0.08);
                u = corner is 1 or 2 ? 1 - du : du;
                v = corner is 2 or 3 ? 1 - dv : dv;
            }
            else
            {
                u = 0.5 + Spread(random, 0.47);
                v = 0.5 + Spread(random, 0.47);
            }

            perGrid[cell.GridId] = perGrid.GetValueOrDefault(cell.GridId) + 1;
            var name = $"{cell.GridName} {(atIntersection ? "路口" : "点位")}{perGrid[cell.GridId]:000}";
            var nameEn = $"{cell.GridNameEn} {(atIntersection ? "junction" : "point")} {perGrid[cell.GridId]:000}";
            var headingDegrees = Math.Round(random.NextDouble() * 3600) / 10 % 360;
            var fieldOfViewDegrees = fieldsOfView[random.Next(fieldsOfView.Length)];
            cameras.Add(new CameraSpec(
                $"C-{i:00000}",
                name,
                cell.At(u, v),
                headingDegrees,
                fieldOfViewDegrees,
                cell.StationId,
                Gateway(cell.Column, cell.Row),
                nameEn));
        }

        return cameras;
    }

    /// <summary>Jinan's central districts laid out roughly as on the map: 槐荫 west, 天桥 north, 市中 south, 历下 centre-east, 历城 east.</summary>
    private static string District(int column, int row) => column switch
    {
        < 2 => "槐荫",
        < 5 => row >= Rows / 2 ? "天桥" : "市中",
        < 8 => "历下",
        _ => "历城",
    };

    /// <summary>The district names in pinyin, as English-language maps of Jinan write them.</summary>
    private static string DistrictEn(string district) => district switch
    {
        "槐荫" => "Huaiyin",
        "天桥" => "Tianqiao",
        "市中" => "Shizhong",
        "历下" => "Lixia",
        _ => "Licheng",
    };

    /// <summary>Six gateways, one per area: three bands west to east, two south to north.</summary>
    private static string Gateway(int column, int row)
    {
        var band = column < 4 ? 0 : column < 7 ? 1 : 2;
        var half = row < Rows / 2 ? 0 : 1;
        return $"GW-{(half * 3) + band + 1:00}";
    }

    private static string CallSignMark(UnitKind kind) => kind switch
    {
        UnitKind.Car => "巡",
        UnitKind.Motorcycle => "摩",
        UnitKind.Bicycle => "骑",
        _ => "步",
    };

    /// <summary>A uniform value in [-halfWidth, halfWidth).</summary>
    private static double Spread(Random random, double halfWidth) => ((random.NextDouble() * 2) - 1) * halfWidth;

    /// <summary>A quadrilateral cell; points inside are bilinear blends of its corners (inside because the cell is convex).</summary>
    private sealed record Cell(int Column, int Row, Coordinate SouthWest, Coordinate SouthEast, Coordinate NorthEast, Coordinate NorthWest)
    {
        public string GridId { get; init; } = "";

        public string StationId { get; init; } = "";

        public string GridName { get; init; } = "";

        public string GridNameEn { get; init; } = "";

        public double StationU { get; init; } = 0.5;

        public double StationV { get; init; } = 0.5;

        public GeoPoint At(double u, double v)
        {
            double Blend(Func<Coordinate, double> axis) =>
                ((1 - u) * (1 - v) * axis(SouthWest)) + (u * (1 - v) * axis(SouthEast))
                + (u * v * axis(NorthEast)) + ((1 - u) * v * axis(NorthWest));

            return new GeoPoint(
                Math.Round(Blend(c => c.Y), CoordinateDecimals),
                Math.Round(Blend(c => c.X), CoordinateDecimals));
        }
    }
}
