using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class LiveEventTests(SharedCluster cluster)
{
    [Fact]
    public async Task Every_timeline_entry_and_unit_change_is_published_for_live_views()
    {
        var city = cluster.NewCity("live");
        var unit = city.AddUnit("u", 0, 300);
        await cluster.SeedAsync(city);

        var incident = await cluster.ReportAsync(city.At(0, 0));

        var published = cluster.Dispatch.Events.Incidents
            .Where(e => e.Incident.IncidentId == incident.IncidentId)
            .SelectMany(e => e.Appended)
            .Select(e => e.Sequence)
            .ToList();
        Assert.Equal(incident.Timeline.Select(e => e.Sequence), published);
        Assert.Contains(cluster.Dispatch.Events.Units, u => u.UnitId == unit && u.Status == UnitStatus.Dispatched && u.Assignment?.IncidentId == incident.IncidentId);
    }
}
