using System.Collections.Concurrent;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Tests.Infrastructure;

namespace Dispatch.Grains.Tests;

[Collection(SharedClusterCollection.Name)]
public sealed class ConcurrencyTests(SharedCluster cluster)
{
    private const int IncidentCount = 1_000;
    private const int UnitCount = 50;

    [Fact]
    public async Task A_thousand_concurrent_incidents_never_give_one_unit_two_assignments_at_once()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var city = cluster.NewCity("storm", stationResponders: 10);
        var unitIds = Enumerable.Range(0, UnitCount)
            .Select(i => city.AddUnit($"u{i:D2}", ((i / 10) - 2) * 300.0, ((i % 10) - 5) * 250.0))
            .ToList();
        await cluster.SeedAsync(city);
        var random = new Random(11);
        var locations = Enumerable.Range(0, IncidentCount)
            .Select(_ => city.At(random.Next(-1_500, 1_500), random.Next(-1_500, 1_500)))
            .ToList();
        var intake = cluster.Grains.GetGrain<IIntakeGrain>(0);
        var opened = new ConcurrentBag<string>();

        // Reports arrive 100 at a time while operators close settled incidents and the clock runs past ack deadlines,
        // so units are claimed, released for not acknowledging, re-dispatched, freed and re-claimed all at once.
        using var stopClock = new CancellationTokenSource();
        var clockRunning = Task.Run(async () =>
        {
            while (!stopClock.IsCancellationRequested)
            {
                cluster.Dispatch.Clock.Advance(TimeSpan.FromSeconds(10));
                await Task.Delay(25, CancellationToken.None);
            }
        }, CancellationToken.None);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, IncidentCount),
            new ParallelOptions { MaxDegreeOfParallelism = 100, CancellationToken = cancellation },
            async (i, _) =>
            {
                var report = new IncidentReport("brawl", (IncidentPriority)(1 + (i % 4)), locations[i].Latitude, locations[i].Longitude, "", IncidentSource.Call, Actors.Operator("call-taker"));
                var result = await intake.ReportAsync(report);
                Assert.True(result.Ok, result.Error);
                opened.Add(result.IncidentId!);
                if (i % 3 != 0)
                {
                    var settled = await cluster.SettledAsync(result.IncidentId!);
                    var closed = await cluster.Grains.GetGrain<IIncidentGrain>(settled.IncidentId).CloseAsync("handled", Actors.Operator("duty"));
                    Assert.True(closed.Ok, closed.Error);
                }
            });

        await stopClock.CancelAsync();
        await clockRunning;
        var incidents = new List<IncidentView>();
        foreach (var id in opened)
        {
            incidents.Add(await cluster.SettledAsync(id));
        }

        // The units' own histories: in each unit's event order, an assignment ends before the next one starts.
        var histories = new Dictionary<string, IReadOnlyList<UnitAssignmentRecord>>();
        foreach (var unitId in unitIds)
        {
            var history = await cluster.Grains.GetGrain<IPatrolUnitGrain>(unitId).GetHistoryAsync();
            histories[unitId] = history;
            var ordered = history.OrderBy(r => r.StartSequence).ToList();
            for (var k = 1; k < ordered.Count; k++)
            {
                Assert.True(
                    ordered[k - 1].EndSequence is { } end && end < ordered[k].StartSequence,
                    $"{unitId}: assignment #{ordered[k - 1].AssignmentNumber} ({ordered[k - 1].IncidentId}) still held when #{ordered[k].AssignmentNumber} ({ordered[k].IncidentId}) started");
                Assert.True(ordered[k - 1].EndedAt <= ordered[k].StartedAt);
            }

            Assert.Equal(history.Count, history.Select(r => r.AssignmentNumber).Distinct().Count());
        }

        // Every assignment an incident believes it got is the unit's own record of it, never handed out twice.
        var claimed = incidents.SelectMany(v => v.Assignments.Select(a => (a.UnitId, a.AssignmentNumber, v.IncidentId))).ToList();
        Assert.Equal(claimed.Count, claimed.Select(c => (c.UnitId, c.AssignmentNumber)).Distinct().Count());
        foreach (var (unitId, number, incidentId) in claimed)
        {
            Assert.Equal(incidentId, Assert.Single(histories[unitId], r => r.AssignmentNumber == number).IncidentId);
        }

        // The journal agrees: one "unit-assigned" entry per assignment in the units' histories.
        var journaled = new List<(string IncidentId, string UnitId)>();
        await foreach (var entry in cluster.Dispatch.Journal.ReadAllAsync(cancellation))
        {
            if (entry.Kind == TimelineKinds.UnitAssigned && opened.Contains(entry.IncidentId))
            {
                var unitId = unitIds.Single(u => entry.PayloadJson.Contains($"\"unitId\":\"{u}\"", StringComparison.Ordinal));
                journaled.Add((entry.IncidentId, unitId));
            }
        }

        var fromHistories = histories.SelectMany(h => h.Value.Select(r => (r.IncidentId, UnitId: h.Key))).Order().ToList();
        Assert.Equal(fromHistories, journaled.Order().ToList());

        // The storm really contended: units were reused, and some claims lost the race or found nobody free.
        Assert.True(fromHistories.Count > UnitCount * 2, $"only {fromHistories.Count} assignments");
        Assert.Contains(incidents, v => v.Tiers.Any(t => t.AtRisk));
        Assert.Contains(incidents, v => v.Timeline.Any(e => e.Kind == TimelineKinds.AckTimeout));
    }
}
