using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Testing;

namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>One two-silo cluster for the tests of a collection; each test gets its own patch of the map.</summary>
public class SharedCluster : IAsyncLifetime
{
    private int _areas;

    public DispatchTestCluster Dispatch { get; private set; } = null!;

    public IGrainFactory Grains => Dispatch.Grains;

    public async ValueTask InitializeAsync() => Dispatch = await StartClusterAsync();

    protected virtual Task<DispatchTestCluster> StartClusterAsync() => DispatchTestCluster.StartAsync();

    public ValueTask DisposeAsync() => Dispatch.DisposeAsync();

    /// <summary>A fresh city 20 km north of the previous one, well south of the demo city at Jinan (36.66 N), so its zones and grid are its own.</summary>
    public TestCity NewCity(string prefix, int stationResponders = 2)
    {
        var area = Interlocked.Increment(ref _areas);
        return new TestCity($"{prefix}{area}", new GeoPoint(20.0 + (area * 0.2), 117.0), stationResponders: stationResponders);
    }

    public Task SeedAsync(TestCity city) => Dispatch.AddCityAsync(city.Build());

    /// <summary>Reports an incident and waits until dispatch has settled.</summary>
    public async Task<IncidentView> ReportAsync(GeoPoint location, IncidentPriority priority = IncidentPriority.Normal, string type = "theft")
    {
        var result = await Grains.GetGrain<IIntakeGrain>(0).ReportAsync(
            new IncidentReport(type, priority, location.Latitude, location.Longitude, "reported in a test", IncidentSource.Call, Actors.Operator("call-taker")));
        Assert.True(result.Ok, result.Error);
        return await SettledAsync(result.IncidentId!);
    }

    /// <summary>
    /// Waits until every tier is filled as far as it goes and every assigned unit holds its confirmed assignment: the
    /// incident confirms its claims to the units after its commit, so a unit's terminal may briefly hear "being
    /// recorded; try again" after the incident already reads as settled.
    /// </summary>
    public async Task<IncidentView> SettledAsync(string incidentId)
    {
        var settled = (await Eventually.Get(
            () => Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync()!,
            view => view is { DispatchSettled: true },
            $"dispatch of {incidentId} to settle",
            TimeSpan.FromSeconds(60)))!;
        foreach (var assignment in settled.ActiveAssignments)
        {
            await Eventually.Get(
                () => Grains.GetGrain<IPatrolUnitGrain>(assignment.UnitId).GetAsync()!,
                unit => unit?.Assignment?.IncidentId == incidentId || unit?.Assignment is null && unit?.Status == UnitStatus.Available,
                $"unit {assignment.UnitId} to hold its confirmed assignment to {incidentId}",
                TimeSpan.FromSeconds(30));
        }

        return settled;
    }

    public Task<IncidentView> WaitForAsync(string incidentId, Func<IncidentView, bool> done, string what) => Eventually.Get(
        async () => (await Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync())!,
        done,
        what);
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "shared dispatch cluster";
}
