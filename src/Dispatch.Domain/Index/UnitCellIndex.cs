using System.Globalization;
using Dispatch.Domain.Geo;

namespace Dispatch.Domain.Index;

/// <summary>A unit found by a spatial query, with its great-circle distance from the query point.</summary>
public readonly record struct IndexedUnit(string UnitId, GeoPoint Position, double DistanceMeters);

/// <summary>A cell of the uniform grid (row north, column east of the index origin).</summary>
public readonly record struct CellKey(int Row, int Column);

/// <summary>
/// Moving-point index of units on uniform square cells in a local metric frame. Moving inside a
/// cell is a position update only; callers use the returned flag to learn when a unit changed cell.
/// Not thread-safe: owned by one grain or one simulator.
/// </summary>
/// <remarks>
/// Cells are laid on an azimuthal-equidistant projection around the origin. Queries visit rings of
/// cells outward from the query point and stop once the nearest unvisited cell is farther than the
/// radius (or the k-th best found so far), allowing for the projection's stretch, so results are
/// exactly those of a scan of every unit by great-circle distance.
/// </remarks>
public sealed class UnitCellIndex
{
    /// <summary>Smallest cell allowed: keeps the cell number of any point on Earth inside an <see cref="int"/>.</summary>
    public const double MinCellSizeMeters = 0.1;

    private const int MaxSpareCellLists = 64;

    private static readonly IComparer<IndexedUnit> WorstFirst =
        Comparer<IndexedUnit>.Create(static (a, b) => NearestFirst(b, a));

    private readonly LocalProjection _projection;
    private readonly Dictionary<string, Entry> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<CellKey, List<Entry>> _cells = [];

    // Emptied cell lists are kept for reuse so units crossing cells do not allocate.
    private readonly Stack<List<Entry>> _spareCellLists = new();

    // Reused by every query; the index is single-threaded. A query that may return every unit collects
    // into a list and sorts once; a top-k query keeps its k best in a worst-first heap.
    private readonly PriorityQueue<IndexedUnit, IndexedUnit> _best = new(WorstFirst);
    private readonly List<IndexedUnit> _found = [];

    // Rows and columns of every cell occupied since the index was last empty. Only grows, which is
    // safe: it bounds the search, it never hides a unit.
    private int _minRow;
    private int _maxRow = -1;
    private int _minColumn;
    private int _maxColumn = -1;

    public UnitCellIndex(GeoPoint origin, double cellSizeMeters = 500)
    {
        if (!double.IsFinite(cellSizeMeters) || cellSizeMeters < MinCellSizeMeters)
        {
            throw new ArgumentOutOfRangeException(
                nameof(cellSizeMeters),
                cellSizeMeters,
                string.Create(CultureInfo.InvariantCulture, $"cellSizeMeters must be a finite number >= {MinCellSizeMeters}, got {cellSizeMeters}"));
        }

        _projection = new LocalProjection(origin);
        CellSizeMeters = cellSizeMeters;
    }

    public GeoPoint Origin => _projection.Origin;

    public double CellSizeMeters { get; }

    public int Count => _units.Count;

    /// <summary>How many units the last query measured; lets tests check that queries stay local.</summary>
    internal int LastQueryExaminedUnits { get; private set; }

    public CellKey CellOf(GeoPoint point)
    {
        var (x, y) = _projection.Project(point.Latitude, point.Longitude);
        return new CellKey(CellNumber(y), CellNumber(x));
    }

    /// <summary>Inserts or moves a unit; true when the unit is new or changed cell.</summary>
    public bool Upsert(string unitId, GeoPoint position)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unitId);
        var cell = CellOf(position);
        if (_units.TryGetValue(unitId, out var entry))
        {
            entry.MoveTo(position);
            if (entry.Cell == cell)
            {
                return false;
            }

            RemoveFromCell(entry);
            entry.Cell = cell;
            AddToCell(entry);
            return true;
        }

        entry = new Entry(unitId, position, cell);
        _units.Add(unitId, entry);
        AddToCell(entry);
        return true;
    }

    public bool Remove(string unitId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unitId);
        if (!_units.Remove(unitId, out var entry))
        {
            return false;
        }

        RemoveFromCell(entry);
        if (_units.Count == 0)
        {
            (_minRow, _maxRow, _minColumn, _maxColumn) = (0, -1, 0, -1);
        }

        return true;
    }

    public bool TryGetPosition(string unitId, out GeoPoint position)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(unitId);
        if (_units.TryGetValue(unitId, out var entry))
        {
            position = entry.Position;
            return true;
        }

        position = default;
        return false;
    }

    /// <summary>Up to <paramref name="k"/> units within <paramref name="radiusMeters"/>, nearest first (ties by unit id).</summary>
    public IReadOnlyList<IndexedUnit> Nearest(GeoPoint center, int k, double radiusMeters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ValidateRadius(radiusMeters);
        return Search(center, k, radiusMeters);
    }

    /// <summary>Every unit within <paramref name="radiusMeters"/>, nearest first (ties by unit id).</summary>
    public IReadOnlyList<IndexedUnit> WithinRadius(GeoPoint center, double radiusMeters)
    {
        ValidateRadius(radiusMeters);
        return Search(center, int.MaxValue, radiusMeters);
    }

    private IReadOnlyList<IndexedUnit> Search(GeoPoint center, int k, double radiusMeters)
    {
        LastQueryExaminedUnits = 0;
        if (k == 0 || _units.Count == 0)
        {
            return [];
        }

        var (x, y) = _projection.Project(center.Latitude, center.Longitude);
        var row = CellNumber(y);
        var column = CellNumber(x);
        var size = CellSizeMeters;

        // Distance from the query point to the nearest edge of its own cell; ring r starts r - 1 cells beyond it.
        var edgeGapMeters = Math.Min(
            Math.Min(x - (column * size), ((column + 1.0) * size) - x),
            Math.Min(y - (row * size), ((row + 1.0) * size) - y));
        var centerFromOriginMeters = Math.Sqrt((x * x) + (y * y));

        var firstRing = Math.Max(
            Math.Max(Math.Max((long)_minRow - row, (long)row - _maxRow), Math.Max((long)_minColumn - column, (long)column - _maxColumn)),
            0L);
        var lastRing = Math.Max(
            Math.Max((long)row - _minRow, (long)_maxRow - row),
            Math.Max((long)column - _minColumn, (long)_maxColumn - column));

        _best.Clear();
        _found.Clear();
        var examined = 0;
        var ringCellsVisited = 0L;
        for (var ring = firstRing; ring <= lastRing && examined < _units.Count; ring++)
        {
            if (ring > 0)
            {
                var ringGapMeters = ((ring - 1) * size) + edgeGapMeters;
                var thresholdMeters = _best.Count == k ? Math.Min(radiusMeters, _best.Peek().DistanceMeters) : radiusMeters;
                if (ringGapMeters > MaxProjectedMeters(centerFromOriginMeters, thresholdMeters))
                {
                    break;
                }
            }

            // Once the rings have cost as many lookups as there are occupied cells, finishing with a pass
            // over the occupied cells bounds the work for sparse fleets and small cells.
            if (ringCellsVisited >= _cells.Count)
            {
                examined += ScanOccupiedCells(center, x, y, ring, k, radiusMeters, centerFromOriginMeters);
                break;
            }

            examined += ScanRing(center, row, column, ring, k, radiusMeters);
            ringCellsVisited += ring == 0 ? 1 : 8 * ring;
        }

        LastQueryExaminedUnits = examined;
        if (_found.Count > 0)
        {
            _found.Sort(NearestFirst);
            var all = _found.ToArray();
            _found.Clear();
            return all;
        }

        var results = new IndexedUnit[_best.Count];
        for (var i = results.Length - 1; i >= 0; i--)
        {
            results[i] = _best.Dequeue();
        }

        return results;
    }

    /// <summary>Visits the cells at Chebyshev distance <paramref name="ring"/> that lie inside the occupied bounds.</summary>
    private int ScanRing(GeoPoint center, int row, int column, long ring, int k, double radiusMeters)
    {
        var examined = 0;
        var rowLow = row - ring;
        var rowHigh = row + ring;
        var columnLow = column - ring;
        var columnHigh = column + ring;
        var fromColumn = Math.Max(columnLow, _minColumn);
        var toColumn = Math.Min(columnHigh, _maxColumn);

        // Bottom and top edges, then the left and right edges without their corners.
        if (rowLow >= _minRow && rowLow <= _maxRow)
        {
            for (var c = fromColumn; c <= toColumn; c++)
            {
                examined += ScanCell(center, new CellKey((int)rowLow, (int)c), k, radiusMeters);
            }
        }

        if (ring > 0 && rowHigh >= _minRow && rowHigh <= _maxRow)
        {
            for (var c = fromColumn; c <= toColumn; c++)
            {
                examined += ScanCell(center, new CellKey((int)rowHigh, (int)c), k, radiusMeters);
            }
        }

        if (ring > 0)
        {
            var fromRow = Math.Max(rowLow + 1, _minRow);
            var toRow = Math.Min(rowHigh - 1, _maxRow);
            for (var r = fromRow; r <= toRow; r++)
            {
                if (columnLow >= _minColumn)
                {
                    examined += ScanCell(center, new CellKey((int)r, (int)columnLow), k, radiusMeters);
                }

                if (columnHigh <= _maxColumn)
                {
                    examined += ScanCell(center, new CellKey((int)r, (int)columnHigh), k, radiusMeters);
                }
            }
        }

        return examined;
    }

    /// <summary>Visits occupied cells from ring <paramref name="fromRing"/> outward that may still hold a result.</summary>
    private int ScanOccupiedCells(GeoPoint center, double x, double y, long fromRing, int k, double radiusMeters, double centerFromOriginMeters)
    {
        var examined = 0;
        var size = CellSizeMeters;
        var row = CellNumber(y);
        var column = CellNumber(x);
        foreach (var (cell, entries) in _cells)
        {
            if (Math.Max(Math.Abs((long)cell.Row - row), Math.Abs((long)cell.Column - column)) < fromRing)
            {
                continue;
            }

            var dx = Math.Max(Math.Max((cell.Column * size) - x, x - ((cell.Column + 1.0) * size)), 0);
            var dy = Math.Max(Math.Max((cell.Row * size) - y, y - ((cell.Row + 1.0) * size)), 0);
            var thresholdMeters = _best.Count == k ? Math.Min(radiusMeters, _best.Peek().DistanceMeters) : radiusMeters;
            if (Math.Sqrt((dx * dx) + (dy * dy)) > MaxProjectedMeters(centerFromOriginMeters, thresholdMeters))
            {
                continue;
            }

            examined += ScanEntries(center, entries, k, radiusMeters);
        }

        return examined;
    }

    private int ScanCell(GeoPoint center, CellKey cell, int k, double radiusMeters) =>
        _cells.TryGetValue(cell, out var entries) ? ScanEntries(center, entries, k, radiusMeters) : 0;

    private int ScanEntries(GeoPoint center, List<Entry> entries, int k, double radiusMeters)
    {
        var centerLatitudeRadians = center.Latitude * GreatCircle.RadiansPerDegree;
        var centerCosLatitude = Math.Cos(centerLatitudeRadians);
        foreach (var entry in entries)
        {
            var distanceMeters = GreatCircle.DistanceMeters(
                centerLatitudeRadians, centerCosLatitude, center.Longitude, entry.LatitudeRadians, entry.CosLatitude, entry.Position.Longitude);
            if (distanceMeters > radiusMeters)
            {
                continue;
            }

            var found = new IndexedUnit(entry.UnitId, entry.Position, distanceMeters);
            if (k >= _units.Count)
            {
                _found.Add(found);
            }
            else if (_best.Count < k)
            {
                _best.Enqueue(found, found);
            }
            else if (NearestFirst(found, _best.Peek()) < 0)
            {
                _best.DequeueEnqueue(found, found);
            }
        }

        return entries.Count;
    }

    /// <summary>
    /// The largest projected distance a unit within <paramref name="thresholdMeters"/> (great circle) of the
    /// query point can have. The projection stretches lengths by at most c/sin(c), c being the angular
    /// distance from the origin, and the path to such a unit stays within the query's distance from the
    /// origin plus the threshold.
    /// </summary>
    private static double MaxProjectedMeters(double centerFromOriginMeters, double thresholdMeters)
    {
        var c = (centerFromOriginMeters + thresholdMeters) / GreatCircle.EarthRadiusMeters;
        if (c >= 3.0)
        {
            // Near the antipode of the origin the stretch is unbounded: search every occupied cell.
            return double.PositiveInfinity;
        }

        var stretch = c < 1e-8 ? 1.0 : c / Math.Sin(c);

        // Small slack for rounding in projection and distance arithmetic.
        return (thresholdMeters * stretch * (1 + 1e-9)) + 1e-6;
    }

    private static int NearestFirst(IndexedUnit a, IndexedUnit b)
    {
        var byDistance = a.DistanceMeters.CompareTo(b.DistanceMeters);
        return byDistance != 0 ? byDistance : string.CompareOrdinal(a.UnitId, b.UnitId);
    }

    private static void ValidateRadius(double radiusMeters)
    {
        if (!double.IsFinite(radiusMeters) || radiusMeters < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(radiusMeters),
                radiusMeters,
                string.Create(CultureInfo.InvariantCulture, $"radiusMeters must be a finite number >= 0, got {radiusMeters}"));
        }
    }

    private int CellNumber(double meters) => (int)Math.Floor(meters / CellSizeMeters);

    private void AddToCell(Entry entry)
    {
        if (!_cells.TryGetValue(entry.Cell, out var entries))
        {
            entries = _spareCellLists.TryPop(out var spare) ? spare : [];
            _cells.Add(entry.Cell, entries);
            GrowBounds(entry.Cell);
        }

        entry.Slot = entries.Count;
        entries.Add(entry);
    }

    private void RemoveFromCell(Entry entry)
    {
        var entries = _cells[entry.Cell];

        // Swap with the last entry so removal is O(1).
        var last = entries[^1];
        entries[entry.Slot] = last;
        last.Slot = entry.Slot;
        entries.RemoveAt(entries.Count - 1);
        if (entries.Count == 0)
        {
            _cells.Remove(entry.Cell);
            if (_spareCellLists.Count < MaxSpareCellLists)
            {
                _spareCellLists.Push(entries);
            }
        }
    }

    private void GrowBounds(CellKey cell)
    {
        if (_maxRow < _minRow)
        {
            (_minRow, _maxRow, _minColumn, _maxColumn) = (cell.Row, cell.Row, cell.Column, cell.Column);
            return;
        }

        _minRow = Math.Min(_minRow, cell.Row);
        _maxRow = Math.Max(_maxRow, cell.Row);
        _minColumn = Math.Min(_minColumn, cell.Column);
        _maxColumn = Math.Max(_maxColumn, cell.Column);
    }

    private sealed class Entry
    {
        public Entry(string unitId, GeoPoint position, CellKey cell)
        {
            UnitId = unitId;
            Cell = cell;
            MoveTo(position);
        }

        public string UnitId { get; }

        public GeoPoint Position { get; private set; }

        // Cached for the distance computation, which runs for every unit a query visits.
        public double LatitudeRadians { get; private set; }

        public double CosLatitude { get; private set; }

        public CellKey Cell { get; set; }

        /// <summary>Position in its cell's list, for O(1) removal.</summary>
        public int Slot { get; set; }

        public void MoveTo(GeoPoint position)
        {
            Position = position;
            LatitudeRadians = position.Latitude * GreatCircle.RadiansPerDegree;
            CosLatitude = Math.Cos(LatitudeRadians);
        }
    }
}
