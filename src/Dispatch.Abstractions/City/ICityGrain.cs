using Dispatch.Domain.Geo;
using Orleans.Concurrency;

namespace Dispatch.Abstractions.City;

/// <summary>A grid (网格) and its station, boundary as WKT in longitude/latitude.</summary>
[GenerateSerializer]
[Alias("dispatch.grid-registration")]
public sealed record GridRegistration(
    [property: Id(0)] string GridId,
    [property: Id(1)] string Name,
    [property: Id(2)] string StationId,
    [property: Id(3)] string BoundaryWkt);

/// <summary>The city's registry: its grids (for "which station's grid holds this point") and the ids of everything seeded.</summary>
[GenerateSerializer]
[Alias("dispatch.city-registration")]
public sealed record CityRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] GeoPoint Center,
    [property: Id(2)] IReadOnlyList<GridRegistration> Grids,
    [property: Id(3)] IReadOnlyList<string> StationIds,
    [property: Id(4)] IReadOnlyList<string> UnitIds,
    [property: Id(5)] IReadOnlyList<string> CameraIds);

/// <summary>The city registry (key: <see cref="DefaultKey"/>).</summary>
[Alias("dispatch.ICityGrain")]
public interface ICityGrain : IGrainWithStringKey
{
    public const string DefaultKey = "city";

    /// <summary>Adds or updates grids (by grid id) and ids; never removes any, so re-seeding after a restart is idempotent.</summary>
    [Alias("register")]
    Task RegisterAsync(CityRegistration registration);

    /// <summary>Null before the city is seeded.</summary>
    [ReadOnly]
    [Alias("get")]
    Task<CityRegistration?> GetAsync();

    /// <summary>The station whose grid holds <paramref name="point"/>, or null outside every grid.</summary>
    [ReadOnly]
    [Alias("station-for")]
    Task<string?> FindStationAsync(GeoPoint point);
}
