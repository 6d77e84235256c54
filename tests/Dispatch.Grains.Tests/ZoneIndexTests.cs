using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Tests.Infrastructure;
using Dispatch.Testing;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class ZoneIndexTests(SharedCluster cluster)
{
    /// <summary>The test cluster's search reach, which is also each zone's margin.</summary>
    private const double MarginMeters = 5_000;

    private IDispatcherGrain Zone(DispatchZone zone) => cluster.Grains.GetGrain<IDispatcherGrain>(zone.Key);

    private async Task<AvailableUnit?> IndexedAsync(DispatchZone zone, string unitId, GeoPoint near) =>
        (await Zone(zone).FindWithinAsync(near, MarginMeters)).SingleOrDefault(u => u.UnitId == unitId);

    private Task<AvailableUnit?> EventuallyIndexedAsync(DispatchZone zone, string unitId, GeoPoint near, Func<AvailableUnit?, bool> done, string what) =>
        Eventually.Get(() => IndexedAsync(zone, unitId, near), done, what);

    [Fact]
    public async Task A_unit_near_a_zone_corner_is_indexed_by_every_zone_within_the_margin_so_each_answers_alone()
    {
        var city = cluster.NewCity("corner");
        var corner = DispatchZone.Of(city.Origin).SouthWest;
        var start = GreatCircle.Offset(corner, 1_000, 1_000);
        var unit = city.AddUnitAt("u", start);
        await cluster.SeedAsync(city);

        var covering = DispatchZone.Within(start, MarginMeters);
        Assert.Equal(4, covering.Count);
        foreach (var zone in covering)
        {
            Assert.NotNull(await EventuallyIndexedAsync(zone, unit, start, u => u is not null, $"unit in {zone}"));
        }

        Assert.Null(await IndexedAsync(new DispatchZone(covering[0].Row + 5, covering[0].Column), unit, start));
    }

    [Fact]
    public async Task Positions_move_the_unit_in_the_index_and_beyond_the_margin_the_old_zones_let_it_go()
    {
        var city = cluster.NewCity("mover");
        var start = city.At(0, 0);
        var unit = city.AddUnitAt("u", start);
        await cluster.SeedAsync(city);
        var home = DispatchZone.Of(start);
        var near = GreatCircle.Offset(start, 200, 200);

        Assert.True((await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit).ReportPositionAsync(near)).Ok);
        await EventuallyIndexedAsync(home, unit, near, u => u?.Position == near, "the new position in the home zone");

        var far = GreatCircle.Offset(start, 0, 45_000);
        Assert.True((await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit).ReportPositionAsync(far)).Ok);
        var there = DispatchZone.Of(far);
        Assert.DoesNotContain(home, DispatchZone.Within(far, MarginMeters));
        Assert.Equal(far, (await EventuallyIndexedAsync(there, unit, far, u => u is not null, "the unit in its new zone"))!.Position);
        await EventuallyIndexedAsync(home, unit, start, u => u is null, "the old zone letting the unit go");
    }

    [Fact]
    public async Task Out_of_service_unit_leaves_the_index_and_returns_when_back_in_service()
    {
        var city = cluster.NewCity("oos");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var grain = cluster.Grains.GetGrain<IPatrolUnitGrain>(unit);
        var zone = DispatchZone.Of(city.At(0, 300));

        Assert.True((await grain.PerformAsync(TerminalAction.OutOfService, Actors.Unit(unit))).Ok);
        await EventuallyIndexedAsync(zone, unit, city.At(0, 300), u => u is null, "the unit leaving the index");
        var incident = await cluster.ReportAsync(city.At(0, 0));
        Assert.True((await grain.PerformAsync(TerminalAction.BackInService, Actors.Unit(unit))).Ok);

        Assert.Empty(incident.ActiveAssignments);
        Assert.True(incident.Tier("patrol").AtRisk);
        await EventuallyIndexedAsync(zone, unit, city.At(0, 300), u => u is not null, "the unit back in the index");
    }

    [Fact]
    public async Task Assigned_unit_leaves_the_index_and_returns_when_released()
    {
        var city = cluster.NewCity("busy");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var zone = DispatchZone.Of(city.At(0, 300));

        var incident = await cluster.ReportAsync(city.At(0, 0));
        await EventuallyIndexedAsync(zone, unit, city.At(0, 300), u => u is null, "the assigned unit leaving the index");
        await cluster.Grains.GetGrain<Abstractions.Incidents.IIncidentGrain>(incident.IncidentId).CloseAsync("false alarm", Actors.Operator("duty"));

        await EventuallyIndexedAsync(zone, unit, city.At(0, 300), u => u is not null, "the released unit back in the index");
    }
}
