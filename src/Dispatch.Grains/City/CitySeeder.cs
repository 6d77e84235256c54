using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.City;
using Dispatch.Abstractions.Stations;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;

namespace Dispatch.Grains.City;

/// <summary>
/// Registers a city into the grains: the city registry (grids), stations, units with their start positions,
/// and cameras. Idempotent: on a restart it refreshes descriptions but keeps every unit's status,
/// assignment, history and last position, and every station's committed responders.
/// </summary>
public static class CitySeeder
{
    /// <summary>How many registrations run at once.</summary>
    private const int Parallelism = 64;

    public static async Task SeedAsync(IGrainFactory grains, CityModel city, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(city);

        var gridById = city.Grids.ToDictionary(g => g.Id, StringComparer.Ordinal);
        await grains.GetGrain<ICityGrain>(ICityGrain.DefaultKey).RegisterAsync(new CityRegistration(
            city.Name,
            city.Center,
            [.. city.Grids.Select(g => new GridRegistration(g.Id, g.Name, g.StationId, g.Boundary.AsText()))],
            [.. city.Stations.Select(s => s.Id)],
            [.. city.Units.Select(u => u.Id)],
            [.. city.Cameras.Select(c => c.Id)]));

        var unitsByStation = city.Units.ToLookup(u => u.HomeStationId, StringComparer.Ordinal);
        var camerasByStation = city.Cameras.ToLookup(c => c.StationId, StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };

        await Parallel.ForEachAsync(city.Stations, parallel, async (station, _) =>
            await grains.GetGrain<IStationGrain>(station.Id).RegisterAsync(new StationRegistration(
                station.Name,
                station.Location,
                station.GridId,
                gridById.TryGetValue(station.GridId, out var grid) ? grid.Boundary.AsText() : "",
                station.OnDutyResponders,
                [.. unitsByStation[station.Id].Select(u => u.Id)],
                [.. camerasByStation[station.Id].Select(c => c.Id)])));

        await Parallel.ForEachAsync(city.Units, parallel, async (unit, _) =>
            await grains.GetGrain<IPatrolUnitGrain>(unit.Id)
                .RegisterAsync(new UnitRegistration(unit.CallSign, unit.Kind, unit.HomeStationId, unit.Start)));

        await Parallel.ForEachAsync(city.Cameras, parallel, async (camera, _) =>
            await grains.GetGrain<ICameraFeedGrain>(camera.Id).RegisterAsync(new CameraRegistration(
                camera.Name, camera.Location, camera.HeadingDegrees, camera.FieldOfViewDegrees, camera.StationId, camera.GatewayId)));
    }
}
