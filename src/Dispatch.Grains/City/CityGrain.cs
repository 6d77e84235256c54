using Dispatch.Abstractions.City;
using Dispatch.Abstractions.Common;
using Dispatch.Domain.Geo;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;
using NetTopologySuite.IO;

namespace Dispatch.Grains.City;

[GenerateSerializer]
[Alias("dispatch.state.city")]
public sealed class CityState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public double CenterLatitude { get; set; }
    [Id(3)] public double CenterLongitude { get; set; }
    [Id(4)] public List<GridRegistration> Grids { get; set; } = [];
    [Id(5)] public List<string> StationIds { get; set; } = [];
    [Id(6)] public List<string> UnitIds { get; set; } = [];
    [Id(7)] public List<string> CameraIds { get; set; } = [];
}

/// <summary>The city registry: grids with their stations (indexed for point lookups) and the ids of everything seeded.</summary>
public sealed class CityGrain(
    [PersistentState("city", DispatchStorage.ProviderName)] IPersistentState<CityState> state) : Grain, ICityGrain
{
    private STRtree<(string GridId, string StationId, Geometry Boundary)>? _grids;

    private CityState S => state.State;

    public async Task RegisterAsync(CityRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var reader = new WKTReader();
        foreach (var grid in registration.Grids)
        {
            // Refuse a bad boundary before anything is stored.
            _ = reader.Read(grid.BoundaryWkt);
        }

        S.Registered = true;
        S.Name = registration.Name;
        S.CenterLatitude = registration.Center.Latitude;
        S.CenterLongitude = registration.Center.Longitude;
        var incoming = registration.Grids.Select(g => g.GridId).ToHashSet(StringComparer.Ordinal);
        S.Grids = [.. S.Grids.Where(g => !incoming.Contains(g.GridId)), .. registration.Grids];
        S.StationIds = [.. S.StationIds.Union(registration.StationIds, StringComparer.Ordinal)];
        S.UnitIds = [.. S.UnitIds.Union(registration.UnitIds, StringComparer.Ordinal)];
        S.CameraIds = [.. S.CameraIds.Union(registration.CameraIds, StringComparer.Ordinal)];
        _grids = null;
        await state.WriteStateAsync();
    }

    public Task<CityRegistration?> GetAsync() => Task.FromResult(S.Registered
        ? new CityRegistration(
            S.Name, new GeoPoint(S.CenterLatitude, S.CenterLongitude), [.. S.Grids], [.. S.StationIds], [.. S.UnitIds], [.. S.CameraIds])
        : null);

    public Task<string?> FindStationAsync(GeoPoint point)
    {
        _grids ??= BuildIndex(S.Grids);
        var location = new Point(point.Longitude, point.Latitude);
        var hit = _grids.Query(location.EnvelopeInternal)
            .Where(g => g.Boundary.Covers(location))
            .OrderBy(g => g.GridId, StringComparer.Ordinal) // a point on a shared border belongs to the lowest grid id, as in CityModel
            .Select(g => g.StationId)
            .FirstOrDefault();
        return Task.FromResult(hit);
    }

    private static STRtree<(string GridId, string StationId, Geometry Boundary)> BuildIndex(IEnumerable<GridRegistration> grids)
    {
        var reader = new WKTReader();
        var tree = new STRtree<(string, string, Geometry)>();
        foreach (var grid in grids)
        {
            var boundary = reader.Read(grid.BoundaryWkt);
            tree.Insert(boundary.EnvelopeInternal, (grid.GridId, grid.StationId, boundary));
        }

        tree.Build();
        return tree;
    }
}
