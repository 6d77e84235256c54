using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Zones;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class ZoneIndexTests(SharedCluster cluster)
{
    private IDispatcherGrain Dispatcher(GeoPoint point) => cluster.Grains.GetGrain<IDispatcherGrain>(DispatchZone.Of(point).Key);

    private async Task<AvailableUnit?> IndexedAsync(string unitId, GeoPoint near) =>
        (await Dispatcher(near).FindWithinAsync(near, 5_000)).SingleOrDefault(u => u.UnitId == unitId);

    /// <summary>The middle of the sub-cell holding <paramref name="point"/>, so small moves stay inside it.</summary>
    private static GeoPoint SubCellMiddle(GeoPoint point)
    {
        var (row, column) = DispatchZone.SubCellOf(point);
        return new GeoPoint(
            (row + 0.5) * DispatchZone.LatitudeStepDegrees / DispatchZone.CellsPerSide,
            (column + 0.5) * DispatchZone.LongitudeStepDegrees / DispatchZone.CellsPerSide);
    }

    [Fact]
    public async Task Moving_inside_a_sub_cell_does_not_update_the_zone_dispatcher()
    {
        var city = cluster.NewCity("still");
        var start = SubCellMiddle(city.Origin);
        var unit = city.AddUnitAt("u", start);
        await cluster.SeedAsync(city);

        Assert.True((await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit).ReportPositionAsync(GreatCircle.Offset(start, 30, 30))).Ok);

        Assert.Equal(start, (await IndexedAsync(unit, start))!.Position);
    }

    [Fact]
    public async Task Moving_into_another_zone_moves_the_unit_between_zone_dispatchers()
    {
        var city = cluster.NewCity("mover");
        var start = city.At(0, 0);
        var unit = city.AddUnitAt("u", start);
        await cluster.SeedAsync(city);
        var destination = GreatCircle.Offset(start, 0, 6_000);

        Assert.True((await cluster.Grains.GetGrain<IPatrolUnitGrain>(unit).ReportPositionAsync(destination)).Ok);

        Assert.NotEqual(DispatchZone.Of(start), DispatchZone.Of(destination));
        Assert.Null(await IndexedAsync(unit, start));
        Assert.Equal(destination, (await IndexedAsync(unit, destination))!.Position);
    }

    [Fact]
    public async Task Out_of_service_unit_leaves_the_index_and_returns_when_back_in_service()
    {
        var city = cluster.NewCity("oos");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);
        var grain = cluster.Grains.GetGrain<IPatrolUnitGrain>(unit);

        Assert.True((await grain.PerformAsync(TerminalAction.OutOfService, Actors.Unit(unit))).Ok);
        var whileOut = await IndexedAsync(unit, city.At(0, 300));
        var incident = await cluster.ReportAsync(city.At(0, 0));
        Assert.True((await grain.PerformAsync(TerminalAction.BackInService, Actors.Unit(unit))).Ok);

        Assert.Null(whileOut);
        Assert.Empty(incident.ActiveAssignments);
        Assert.True(incident.Tier("patrol").AtRisk);
        Assert.NotNull(await IndexedAsync(unit, city.At(0, 300)));
    }

    [Fact]
    public async Task Assigned_unit_leaves_the_index_and_returns_when_released()
    {
        var city = cluster.NewCity("busy");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.At(0, 0));
        var whileAssigned = await IndexedAsync(unit, city.At(0, 300));
        await cluster.Grains.GetGrain<Abstractions.Incidents.IIncidentGrain>(incident.IncidentId).CloseAsync("false alarm", Actors.Operator("duty"));

        Assert.Null(whileAssigned);
        Assert.NotNull(await IndexedAsync(unit, city.At(0, 300)));
    }
}
