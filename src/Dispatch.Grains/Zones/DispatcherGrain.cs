using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Index;
using Dispatch.Domain.Units;
using Dispatch.Domain.Zones;

namespace Dispatch.Grains.Zones;

[GenerateSerializer]
[Alias("dispatch.state.zone-unit")]
public sealed class ZoneUnitState
{
    [Id(0)] public UnitKind Kind { get; set; }
    [Id(1)] public double Latitude { get; set; }
    [Id(2)] public double Longitude { get; set; }
    [Id(3)] public string HomeStationId { get; set; } = "";
}

[GenerateSerializer]
[Alias("dispatch.state.dispatcher")]
public sealed class DispatcherState
{
    [Id(0)] public Dictionary<string, ZoneUnitState> Units { get; set; } = [];
}

/// <summary>
/// The index of available units in one dispatch zone. Persisted (it changes only when a unit changes
/// availability, zone or sub-cell) so an idle deactivation does not forget units that are standing still.
/// </summary>
public sealed class DispatcherGrain(
    [PersistentState("dispatcher", DispatchStorage.ProviderName)] IPersistentState<DispatcherState> state) : Grain, IDispatcherGrain
{
    private UnitCellIndex? _index;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var origin = DispatchZone.TryParse(this.GetPrimaryKeyString(), out var zone) ? zone.SouthWest : new GeoPoint(0, 0);
        _index = new UnitCellIndex(origin);
        foreach (var (unitId, unit) in state.State.Units)
        {
            _index.Upsert(unitId, new GeoPoint(unit.Latitude, unit.Longitude));
        }

        return Task.CompletedTask;
    }

    public async Task UpsertAsync(AvailableUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        var entry = new ZoneUnitState
        {
            Kind = unit.Kind,
            Latitude = unit.Position.Latitude,
            Longitude = unit.Position.Longitude,
            HomeStationId = unit.HomeStationId,
        };
        if (state.State.Units.TryGetValue(unit.UnitId, out var existing)
            && existing.Kind == entry.Kind && existing.Latitude == entry.Latitude
            && existing.Longitude == entry.Longitude && existing.HomeStationId == entry.HomeStationId)
        {
            return;
        }

        state.State.Units[unit.UnitId] = entry;
        _index!.Upsert(unit.UnitId, unit.Position);
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string unitId)
    {
        if (state.State.Units.Remove(unitId))
        {
            _index!.Remove(unitId);
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<AvailableUnit>> FindWithinAsync(GeoPoint center, double radiusMeters)
    {
        var found = _index!.WithinRadius(center, radiusMeters);
        var units = new List<AvailableUnit>(found.Count);
        foreach (var hit in found)
        {
            var unit = state.State.Units[hit.UnitId];
            units.Add(new AvailableUnit(hit.UnitId, unit.Kind, hit.Position, unit.HomeStationId));
        }

        return Task.FromResult<IReadOnlyList<AvailableUnit>>(units);
    }

    public Task<int> CountAsync() => Task.FromResult(state.State.Units.Count);
}
