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
public sealed class UnitCellIndex
{
    public UnitCellIndex(GeoPoint origin, double cellSizeMeters = 500) => throw new NotImplementedException();

    public double CellSizeMeters { get; }

    public int Count => throw new NotImplementedException();

    public CellKey CellOf(GeoPoint point) => throw new NotImplementedException();

    /// <summary>Inserts or moves a unit; true when the unit is new or changed cell.</summary>
    public bool Upsert(string unitId, GeoPoint position) => throw new NotImplementedException();

    public bool Remove(string unitId) => throw new NotImplementedException();

    public bool TryGetPosition(string unitId, out GeoPoint position) => throw new NotImplementedException();

    /// <summary>Up to <paramref name="k"/> units within <paramref name="radiusMeters"/>, nearest first (ties by unit id).</summary>
    public IReadOnlyList<IndexedUnit> Nearest(GeoPoint center, int k, double radiusMeters) => throw new NotImplementedException();

    /// <summary>Every unit within <paramref name="radiusMeters"/>, nearest first (ties by unit id).</summary>
    public IReadOnlyList<IndexedUnit> WithinRadius(GeoPoint center, double radiusMeters) => throw new NotImplementedException();
}
