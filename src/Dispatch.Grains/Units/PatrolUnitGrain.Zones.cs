using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Domain.Zones;

namespace Dispatch.Grains.Units;

/// <summary>
/// The zones that index the unit: every zone whose search margin holds its position. The unit tells them when it
/// changes (whether it can be dispatched, where it must arrive); positions reach them in batches without the unit.
/// A zone meeting the unit's position for the first time asks it to join, and the unit then recomputes the set.
/// </summary>
public sealed partial class PatrolUnitGrain
{
    private HashSet<string> _zones = new(StringComparer.Ordinal);

    /// <summary>Grows with every change told to zones, so a zone ignores a message that arrives after a newer one.</summary>
    private long _zoneVersion;

    public async Task JoinZoneAsync(string zoneKey, GeoPoint position, DateTimeOffset at)
    {
        if (!_known)
        {
            return;
        }

        MovedTo(position, at);
        await TellZonesAsync(recompute: true);
    }

    public Task<ZoneUnit?> DescribeForZoneAsync(string zoneKey)
    {
        if (!_known || _position is null)
        {
            return Task.FromResult<ZoneUnit?>(null);
        }

        _zones.Add(zoneKey);
        return Task.FromResult<ZoneUnit?>(ZoneView());
    }

    public async Task ConfirmFromRecordAsync(string incidentId, long assignmentNumber)
    {
        if (_assignment is not { Pending: true } held || held.IncidentId != incidentId || held.AssignmentNumber != assignmentNumber)
        {
            return;
        }

        var stored = await store.ReadUnitAsync(UnitId, 1);
        var committed = stored.Active is { } active && active.IncidentId == incidentId && active.AssignmentNumber == assignmentNumber;
        await ConfirmAssignmentAsync(incidentId, assignmentNumber, committed);
    }

    /// <summary>After a change: tells the zones (recomputing which when the position may have moved) and publishes the view.</summary>
    private async Task ChangedAsync(bool zonesMayChange, bool publish = true)
    {
        await TellZonesAsync(recompute: zonesMayChange || _zones.Count == 0);
        if (publish)
        {
            await PublishAsync();
        }
    }

    private Task TellZonesAsync(bool recompute)
    {
        if (_position is not { } position)
        {
            return Task.CompletedTask;
        }

        var view = ZoneView();
        if (recompute)
        {
            var covering = DispatchZone.Within(position, _options.ZoneMarginMeters).Select(z => z.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var left in _zones.Where(z => !covering.Contains(z)))
            {
                GrainFactory.GetGrain<IDispatcherGrain>(left).UnitLeftAsync(UnitId, view.Version).Ignore();
            }

            _zones = covering;
        }

        foreach (var zone in _zones)
        {
            GrainFactory.GetGrain<IDispatcherGrain>(zone).UnitChangedAsync(view).Ignore();
        }

        return Task.CompletedTask;
    }

    private ZoneUnit ZoneView()
    {
        _zoneVersion = Math.Max(_zoneVersion + 1, clock.GetUtcNow().UtcTicks);
        var target = _assignment is { Pending: false } held && _status is not UnitStatus.OnScene
            ? new ArrivalTarget(new GeoPoint(held.IncidentLatitude, held.IncidentLongitude), held.ArrivalRadiusMeters)
            : null;
        return new ZoneUnit(
            UnitId, _kind, _homeStationId, UnitStatusMachine.IsAvailableForDispatch(_status), _position!.Value,
            _positionAt ?? DateTimeOffset.MinValue, target, _zoneVersion);
    }
}
