using System.Globalization;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Incidents;
using Microsoft.Extensions.DependencyInjection;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;

namespace Dispatch.Server.Tests.EarlyWarning;

/// <summary>
/// Eight weeks of closed incidents written to a host's incident record as the incident grain writes them (state, journal
/// and the incident table's row): background spread over the city's grids at any hour, plus three a day at one spot
/// (near the second station) in the two local hours starting one hour from now. Returns the spot and that local hour.
/// </summary>
public static class HistorySeed
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Local = TimeSpan.FromHours(8);
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IServiceProvider, Task<(GeoPoint Spot, int LocalHour)>> Written = new();

    /// <summary>Writes the history into a host once, however many tests ask for it.</summary>
    public static Task<(GeoPoint Spot, int LocalHour)> OnceAsync(IServiceProvider host, CityModel city) =>
        Written.GetValue(host, _ => WriteAsync(host, city));

    public static async Task<(GeoPoint Spot, int LocalHour)> WriteAsync(IServiceProvider host, CityModel city)
    {
        var store = host.GetRequiredService<IIncidentStore>();
        var serializer = host.GetRequiredService<Orleans.Serialization.Serializer>();
        var now = DateTimeOffset.UtcNow;
        var random = new Random(5);
        var bounds = city.Grids.Select(g => g.Boundary.EnvelopeInternal).Aggregate((a, b) => { var e = a.Copy(); e.ExpandToInclude(b); return e; });
        var spot = GreatCircle.Offset(city.Stations[1].Location, 200, 150);
        var spotHour = (now.ToOffset(Local).Hour + 1) % 24;
        var commits = new List<IncidentCommit>();
        var n = 0;
        void Add(GeoPoint at, DateTimeOffset created, string type)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"HIST-{n++:00000}");
            var text = $"{type} reported by Call, priority Normal, at {at}: seeded history";
            var ended = created.AddMinutes(40);
            var state = new IncidentState
            {
                Exists = true, Type = type, Priority = IncidentPriority.Normal, Latitude = at.Latitude, Longitude = at.Longitude, Description = "seeded history",
                Source = IncidentSource.Call, Status = IncidentStatus.Closed, CreatedAt = created, EndedAt = ended, Disposition = "resolved", TiersPlanned = true,
            };
            commits.Add(new IncidentCommit(
                new IncidentSummary(id, type, IncidentPriority.Normal, IncidentSource.Call, IncidentStatus.Closed, at.Latitude, at.Longitude, created, ended,
                    city.FindGrid(at)?.Id, null, 0, null, "seeded history"),
                0,
                serializer.SerializeToArray(state),
                [
                    new JournalEntry(id, 1, created, TimelineKinds.Created, "operator:history", JsonSerializer.Serialize(new { text }, Json)),
                    new JournalEntry(id, 2, ended, TimelineKinds.Closed, "operator:history", JsonSerializer.Serialize(new { text = "incident closed: resolved" }, Json)),
                ],
                [],
                []));
        }

        for (var i = 0; i < 2500; i++)
        {
            var at = new GeoPoint(bounds.MinY + (random.NextDouble() * bounds.Height), bounds.MinX + (random.NextDouble() * bounds.Width));
            Add(at, now.AddDays(-56 * random.NextDouble()), "theft");
        }

        for (var day = 1; day <= 55; day++)
        {
            var date = now.ToOffset(Local).Date.AddDays(-day);
            for (var k = 0; k < 3; k++)
            {
                var local = new DateTimeOffset(date, Local).AddHours(spotHour + (2 * random.NextDouble()));
                Add(GreatCircle.Offset(spot, (random.NextDouble() - 0.5) * 80, (random.NextDouble() - 0.5) * 80), local, "disturbance");
            }
        }

        await Parallel.ForEachAsync(commits, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = TestContext.Current.CancellationToken },
            async (commit, token) => await store.CommitAsync(commit, token));

        return (spot, spotHour);
    }
}
