using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.City;
using Dispatch.Domain.Zones;

namespace Dispatch.Grains.City;

/// <summary>
/// Brings a city's dispatch zones up: each zone activates, reads the units last seen around it and the units that
/// start there, and asks each what it is; then every unit of the city tells its zones once more, for zones that were
/// already active. Nothing is written: what the city is lives in the <see cref="CityDirectory"/>. Idempotent.
/// </summary>
public static class CityStartup
{
    /// <summary>How many zones are woken at once.</summary>
    private const int Parallelism = 16;

    public static async Task WakeZonesAsync(IGrainFactory grains, CityModel city, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(city);
        var zones = city.Units.Select(u => DispatchZone.Of(u.Start))
            .Concat(city.Stations.Select(s => DispatchZone.Of(s.Location)))
            .Distinct()
            .ToList();
        await Parallel.ForEachAsync(zones, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (zone, _) => await grains.GetGrain<IDispatcherGrain>(zone.Key).CountAsync());
        await Parallel.ForEachAsync(city.Units, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
            async (unit, _) => await grains.GetGrain<IPatrolUnitGrain>(unit.Id).WakeAsync());
    }
}
