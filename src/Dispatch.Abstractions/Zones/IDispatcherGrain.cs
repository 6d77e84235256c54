using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Orleans.Concurrency;

namespace Dispatch.Abstractions.Zones;

/// <summary>An available unit as a zone indexes it.</summary>
[GenerateSerializer]
[Alias("dispatch.available-unit")]
public sealed record AvailableUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] UnitKind Kind,
    [property: Id(2)] GeoPoint Position,
    [property: Id(3)] string HomeStationId);

/// <summary>Where a unit on its way must get to: its incident and the arrival radius.</summary>
[GenerateSerializer]
[Alias("dispatch.arrival-target")]
public sealed record ArrivalTarget([property: Id(0)] GeoPoint Location, [property: Id(1)] double RadiusMeters);

/// <summary>
/// What a unit tells the zones that index it: what it is, whether it can be dispatched, where it last was and, while it
/// drives to an incident, where it must arrive. <see cref="Version"/> grows with every change, so a late message is ignored.
/// </summary>
[GenerateSerializer]
[Alias("dispatch.zone-unit")]
public sealed record ZoneUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] UnitKind Kind,
    [property: Id(2)] string HomeStationId,
    [property: Id(3)] bool Available,
    [property: Id(4)] GeoPoint Position,
    [property: Id(5)] DateTimeOffset PositionAt,
    [property: Id(6)] ArrivalTarget? Target,
    [property: Id(7)] long Version);

/// <summary>What one tier needs from a zone: how many units, within what target, searched how far.</summary>
[GenerateSerializer]
[Alias("dispatch.tier-need")]
public sealed record TierNeed(
    [property: Id(0)] string TierName,
    [property: Id(1)] TimeSpan Target,
    [property: Id(2)] int Count,
    [property: Id(3)] double RadiusMeters);

/// <summary>An incident asks its zone for units for several tiers at once, leaving out units already sent or refused.</summary>
[GenerateSerializer]
[Alias("dispatch.reserve-request")]
public sealed record ReserveRequest(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] GeoPoint Location,
    [property: Id(2)] IReadOnlyList<TierNeed> Tiers,
    [property: Id(3)] IReadOnlyList<string> Excluded);

/// <summary>One reserved unit with its ETA and the recorded reason it was picked.</summary>
[GenerateSerializer]
[Alias("dispatch.zone-pick")]
public sealed record ZonePick(
    [property: Id(0)] string UnitId,
    [property: Id(1)] double EtaSeconds,
    [property: Id(2)] bool WithinTarget,
    [property: Id(3)] string Reason);

/// <summary>The picks of one tier, fastest first, a recorded reason for every shortfall, and how far the search went.</summary>
[GenerateSerializer]
[Alias("dispatch.tier-picks")]
public sealed record TierPicks(
    [property: Id(0)] string TierName,
    [property: Id(1)] IReadOnlyList<ZonePick> Picks,
    [property: Id(2)] IReadOnlyList<string> Shortfalls,
    [property: Id(3)] double RadiusMeters);

/// <summary>
/// The live index of one dispatch zone (key: <c>DispatchZone.Key</c>): every unit within the search margin of the
/// zone, with its latest position and whether it can be dispatched, so any search around a point of the zone is
/// answered by this grain alone. Fed by batched positions (<see cref="IPositionRouterGrain"/>) and by units' own
/// changes; ranks by ETA and reserves in one turn; the unit's grain confirms each claim.
/// </summary>
[Alias("dispatch.IDispatcherGrain")]
public interface IDispatcherGrain : IGrainWithStringKey
{
    /// <summary>Latest positions of units around the zone (a batch of one host's terminals).</summary>
    [OneWay]
    [Alias("positions")]
    Task ApplyPositionsAsync(IReadOnlyList<UnitPositionReport> reports);

    [OneWay]
    [Alias("unit-changed")]
    Task UnitChangedAsync(ZoneUnit unit);

    /// <summary>The unit moved beyond the zone's margin.</summary>
    [OneWay]
    [Alias("unit-left")]
    Task UnitLeftAsync(string unitId, long version);

    /// <summary>Ranks the available, unreserved units for each tier in turn and reserves the picks for the incident.</summary>
    [Alias("reserve")]
    Task<IReadOnlyList<TierPicks>> FindAndReserveAsync(ReserveRequest request);

    /// <summary>Gives back reservations the incident did not use (a claim refused, a commit that failed).</summary>
    [OneWay]
    [Alias("release-reservations")]
    Task ReleaseReservationsAsync(string incidentId, IReadOnlyList<string> unitIds);

    /// <summary>Available units within <paramref name="radiusMeters"/> of <paramref name="center"/>, nearest first.</summary>
    [ReadOnly]
    [Alias("within")]
    Task<IReadOnlyList<AvailableUnit>> FindWithinAsync(GeoPoint center, double radiusMeters);

    /// <summary>How many units the zone indexes as available.</summary>
    [ReadOnly]
    [Alias("count")]
    Task<int> CountAsync();
}

/// <summary>
/// Where hosts hand batched GPS fixes (a stateless worker, key 0, on every silo): splits a batch by the zones that
/// index each position and sends each zone its part in one call, and passes the batch to live views.
/// </summary>
[Alias("dispatch.IPositionRouterGrain")]
public interface IPositionRouterGrain : IGrainWithIntegerKey
{
    [OneWay]
    [Alias("route")]
    Task RouteAsync(IReadOnlyList<UnitPositionReport> reports);
}
