using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Orleans.Concurrency;

namespace Dispatch.Abstractions.Zones;

/// <summary>An available unit as a zone dispatcher indexes it (position as of its last cell change).</summary>
[GenerateSerializer]
[Alias("dispatch.available-unit")]
public sealed record AvailableUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] UnitKind Kind,
    [property: Id(2)] GeoPoint Position,
    [property: Id(3)] string HomeStationId);

/// <summary>
/// The live index of available units in one dispatch zone (key: <c>DispatchZone.Key</c>, e.g. "zone:1629:3900").
/// Units tell it when they enter or leave availability, the zone, or a sub-cell; incidents query it.
/// </summary>
[Alias("dispatch.IDispatcherGrain")]
public interface IDispatcherGrain : IGrainWithStringKey
{
    [Alias("upsert")]
    Task UpsertAsync(AvailableUnit unit);

    [Alias("remove")]
    Task RemoveAsync(string unitId);

    /// <summary>Available units within <paramref name="radiusMeters"/> of <paramref name="center"/>, nearest first.</summary>
    [ReadOnly]
    [Alias("within")]
    Task<IReadOnlyList<AvailableUnit>> FindWithinAsync(GeoPoint center, double radiusMeters);

    [ReadOnly]
    [Alias("count")]
    Task<int> CountAsync();
}
