using Dispatch.Domain.City;
using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Roads;

/// <summary>
/// A Jinan-like road network over the demo city (10 km x 8 km around <see cref="DemoCity.JinanCenter"/>),
/// generated deterministically from a seed: 经/纬 arterials on a ~1 km grid, tertiary roads between them,
/// a lattice of local streets with some one-way pairs, a ring road (二环), a river west to east north of
/// the centre (like the 小清河) crossed only by a few road bridges and two footbridges, footpaths and
/// service spurs. About 20,000 features at <c>size</c> 1; fewer (coarser local streets) below 1.
/// </summary>
public static class DemoRoads
{
    public const double WidthMeters = 10_000;

    public const double HeightMeters = 8_000;

    private const double FullSizeStreetSpacingMeters = 81;

    private const double RiverHalfWidthMeters = 40;

    /// <summary>The river's centre line: north of the city centre, meandering gently.</summary>
    public static double RiverNorthMeters(double eastMeters) => 1200 + (300 * Math.Sin(2 * Math.PI * eastMeters / 7000));

    public static IReadOnlyList<RoadFeature> Generate(int seed = 7, double size = 1.0)
    {
        if (!double.IsFinite(size) || size <= 0 || size > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "size must be in (0, 4]; 1 gives about 20,000 roads");
        }

        return new Layout(seed, size).Roads();
    }

    private sealed class Layout
    {
        private readonly Random _random;
        private readonly PlaneFrame _frame = new(DemoCity.JinanCenter);
        private readonly int _columns;
        private readonly int _rows;
        private readonly double _dx;
        private readonly double _dy;
        private readonly int _arterialEvery;
        private readonly double[,] _x;
        private readonly double[,] _y;
        private readonly bool[,] _inWater;
        private readonly HashSet<int> _bridgeColumns = [];
        private readonly HashSet<int> _footbridgeColumns = [];
        private readonly (int Left, int Right, int Bottom, int Top) _ring;
        private readonly List<RoadFeature> _roads = [];

        public Layout(int seed, double size)
        {
            _random = new Random(seed);
            var spacing = FullSizeStreetSpacingMeters / Math.Sqrt(size);
            _columns = Math.Max(4, (int)Math.Round(WidthMeters / spacing));
            _rows = Math.Max(4, (int)Math.Round(HeightMeters / spacing));
            _dx = WidthMeters / _columns;
            _dy = HeightMeters / _rows;
            _arterialEvery = Math.Max(2, (int)Math.Round(1000 / _dx));
            _ring = (
                NearestArterial(_columns * 0.15), NearestArterial(_columns * 0.85),
                NearestArterial(_rows * 0.15), NearestArterial(_rows * 0.85));

            _x = new double[_columns + 1, _rows + 1];
            _y = new double[_columns + 1, _rows + 1];
            _inWater = new bool[_columns + 1, _rows + 1];
            for (var i = 0; i <= _columns; i++)
            {
                for (var j = 0; j <= _rows; j++)
                {
                    // Arterial and tertiary lines stay straight; local streets wander a little.
                    _x[i, j] = (i * _dx) - (WidthMeters / 2) + (IsStraight(i) ? 0 : Jitter(_dx));
                    _y[i, j] = (j * _dy) - (HeightMeters / 2) + (IsStraight(j) ? 0 : Jitter(_dy));
                    _inWater[i, j] = Math.Abs(_y[i, j] - RiverNorthMeters(_x[i, j])) < RiverHalfWidthMeters;
                }
            }

            // The ring road and three more arterials bridge the river; two footbridges between them.
            _bridgeColumns.Add(_ring.Left);
            _bridgeColumns.Add(_ring.Right);
            var arterialColumns = Enumerable.Range(1, (_columns / _arterialEvery) - 1).Select(a => a * _arterialEvery)
                .Where(c => c != _ring.Left && c != _ring.Right).ToList();
            foreach (var column in arterialColumns.OrderBy(_ => _random.Next()).Take(3))
            {
                _bridgeColumns.Add(column);
            }

            while (_footbridgeColumns.Count < 2)
            {
                var column = _random.Next(1, _columns);
                if (!IsStraight(column))
                {
                    _footbridgeColumns.Add(column);
                }
            }
        }

        public List<RoadFeature> Roads()
        {
            for (var j = 0; j <= _rows; j++)
            {
                if (IsStraight(j))
                {
                    MainRoadRow(j);
                }
                else
                {
                    LocalRow(j);
                }
            }

            for (var i = 0; i <= _columns; i++)
            {
                if (IsStraight(i))
                {
                    MainRoadColumn(i);
                }
                else
                {
                    LocalColumn(i);
                }
            }

            BlockInteriors();
            return _roads;
        }

        private bool IsStraight(int line) => line % Math.Max(1, _arterialEvery / 2) == 0;

        private bool IsArterial(int line) => line % _arterialEvery == 0;

        private int NearestArterial(double line) => (int)Math.Round(line / _arterialEvery) * _arterialEvery;

        private double Jitter(double spacing) => (_random.NextDouble() - 0.5) * 0.3 * spacing;

        private bool HorizontalOpen(int i, int j) =>
            !_inWater[i, j] && !_inWater[i + 1, j]
            && Math.Sign(_y[i, j] - RiverNorthMeters(_x[i, j])) == Math.Sign(_y[i + 1, j] - RiverNorthMeters(_x[i + 1, j]));

        private bool CrossesRiver(int i, int j) =>
            Math.Sign(_y[i, j] - RiverNorthMeters(_x[i, j])) != Math.Sign(_y[i, j + 1] - RiverNorthMeters(_x[i, j + 1]));

        private bool VerticalOpen(int i, int j) =>
            _bridgeColumns.Contains(i) || (!_inWater[i, j] && !_inWater[i, j + 1] && !CrossesRiver(i, j));

        private void MainRoadRow(int j)
        {
            var number = (j / Math.Max(1, _arterialEvery / 2)) + 1;
            var onRing = j == _ring.Bottom || j == _ring.Top;
            Chains(
                _columns,
                i => HorizontalOpen(i, j),
                i => (i, j),
                i => onRing && i >= _ring.Left && i < _ring.Right ? Ring() : Main(j, $"经{Numeral(number)}路"));
        }

        private void MainRoadColumn(int i)
        {
            var number = (i / Math.Max(1, _arterialEvery / 2)) + 1;
            var onRing = i == _ring.Left || i == _ring.Right;
            Chains(
                _rows,
                j => VerticalOpen(i, j),
                j => (i, j),
                j => onRing && j >= _ring.Bottom && j < _ring.Top ? Ring() : Main(i, $"纬{Numeral(number)}路"));
        }

        private (RoadClass Class, double? MaxSpeedKmh, string Name) Ring() => (RoadClass.Trunk, 80, "二环路");

        private (RoadClass Class, double? MaxSpeedKmh, string Name) Main(int line, string name) =>
            !IsArterial(line) ? (RoadClass.Tertiary, 40, name)
            : line / _arterialEvery % 2 == 0 ? (RoadClass.Primary, 60, name)
            : (RoadClass.Secondary, 50, name);

        /// <summary>
        /// Emits a straight road line as ways of several blocks each, split where a block is missing
        /// (the river), where the class changes (the ring road) and at every arterial crossing, as OSM ways are.
        /// </summary>
        private void Chains(
            int steps,
            Func<int, bool> open,
            Func<int, (int I, int J)> vertex,
            Func<int, (RoadClass Class, double? MaxSpeedKmh, string Name)> kind)
        {
            var chain = new List<GeoPoint>();
            (RoadClass Class, double? MaxSpeedKmh, string Name) chainKind = default;
            for (var step = 0; step < steps; step++)
            {
                var stepKind = kind(step);
                var split = !open(step) || (chain.Count > 0 && (stepKind != chainKind || step % _arterialEvery == 0));
                if (split && chain.Count > 1)
                {
                    _roads.Add(new RoadFeature(chainKind.Class, chainKind.MaxSpeedKmh, OneWay.No, chainKind.Name, [chain.ToArray()], English(chainKind.Name)));
                }

                if (split)
                {
                    chain.Clear();
                }

                if (!open(step))
                {
                    continue;
                }

                if (chain.Count == 0)
                {
                    chain.Add(Point(vertex(step)));
                    chainKind = stepKind;
                }

                chain.Add(Point(vertex(step + 1)));
            }

            if (chain.Count > 1)
            {
                _roads.Add(new RoadFeature(chainKind.Class, chainKind.MaxSpeedKmh, OneWay.No, chainKind.Name, [chain.ToArray()], English(chainKind.Name)));
            }
        }

        private void LocalRow(int j)
        {
            // Every third local street is one-way, alternating east- and westbound.
            var oneWay = j % 3 == 1 ? (j / 3 % 2 == 0 ? OneWay.Forward : OneWay.Backward) : OneWay.No;
            for (var i = 0; i < _columns; i++)
            {
                if (HorizontalOpen(i, j) && _random.NextDouble() >= 0.08)
                {
                    LocalStreet((i, j), (i + 1, j), oneWay);
                }
            }
        }

        private void LocalColumn(int i)
        {
            var oneWay = i % 5 == 2 ? (i / 5 % 2 == 0 ? OneWay.Forward : OneWay.Backward) : OneWay.No;
            for (var j = 0; j < _rows; j++)
            {
                if (VerticalOpen(i, j))
                {
                    if (_random.NextDouble() >= 0.08)
                    {
                        LocalStreet((i, j), (i, j + 1), oneWay);
                    }
                }
                else if (_footbridgeColumns.Contains(i) && CrossesRiver(i, j))
                {
                    _roads.Add(new RoadFeature(RoadClass.Footway, null, OneWay.No, "人行桥", [[Point((i, j)), Point((i, j + 1))]], "Footbridge"));
                }
            }
        }

        private void LocalStreet((int I, int J) from, (int I, int J) to, OneWay oneWay)
        {
            // Some one-way streets are drawn against their direction and tagged "-1", as mappers do.
            if (oneWay != OneWay.No && _random.NextDouble() < 0.3)
            {
                (from, to) = (to, from);
                oneWay = oneWay == OneWay.Forward ? OneWay.Backward : OneWay.Forward;
            }

            var roadClass = _random.NextDouble() < 0.05 ? RoadClass.LivingStreet : RoadClass.Residential;
            _roads.Add(new RoadFeature(roadClass, roadClass == RoadClass.LivingStreet ? 20 : null, oneWay, null, [[Point(from), Point(to)]]));
        }

        /// <summary>Footpaths across some blocks (parks, compounds) and service spurs into others.</summary>
        private void BlockInteriors()
        {
            for (var i = 0; i < _columns; i++)
            {
                for (var j = 0; j < _rows; j++)
                {
                    if (_inWater[i, j] || _inWater[i + 1, j + 1] || _inWater[i + 1, j] || _inWater[i, j + 1] || CrossesRiver(i, j) || CrossesRiver(i + 1, j))
                    {
                        continue;
                    }

                    var roll = _random.NextDouble();
                    if (roll < 0.05)
                    {
                        var footClass = _random.NextDouble() < 0.5 ? RoadClass.Footway : RoadClass.Pedestrian;
                        _roads.Add(new RoadFeature(footClass, null, OneWay.No, null, [[Point((i, j)), Point((i + 1, j + 1))]]));
                    }
                    else if (roll < 0.10)
                    {
                        var x = _x[i, j] + (0.5 * (_x[i + 1, j] - _x[i, j]));
                        var y = _y[i, j] + (0.5 * (_y[i, j + 1] - _y[i, j]));
                        _roads.Add(new RoadFeature(RoadClass.Service, null, OneWay.No, null, [[Point((i, j)), _frame.ToGeo(x, y)]]));
                    }
                }
            }
        }

        private GeoPoint Point((int I, int J) v) => _frame.ToGeo(_x[v.I, v.J], _y[v.I, v.J]);

        /// <summary>The English name of a demo road: 经十路 is Jingshi Road, 二环路 the 2nd Ring Road.</summary>
        private static string? English(string? name)
        {
            if (name is null)
            {
                return null;
            }

            if (name == "二环路")
            {
                return "2nd Ring Road";
            }

            string[] syllables = ["", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu"];
            var direction = name[0] == '经' ? "Jing" : "Wei";
            var numeral = name[1..^1];
            var pinyin = string.Concat(numeral.Select(c => c == '十' ? "shi" : syllables[Array.IndexOf(Digits, c.ToString())]));
            return $"{direction}{pinyin} Road";
        }

        private static readonly string[] Digits = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

        private static string Numeral(int n)
        {
            string[] digits = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
            return n switch
            {
                < 10 => digits[n],
                10 => "十",
                < 20 => "十" + digits[n % 10],
                _ => digits[n / 10] + "十" + digits[n % 10],
            };
        }
    }
}
