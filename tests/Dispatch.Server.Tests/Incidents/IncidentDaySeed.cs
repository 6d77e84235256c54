using System.Globalization;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Incidents;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Incidents;

/// <summary>
/// A finished day of incidents written to a host's incident record as the incident grain writes them (state, journal,
/// the incident table's row): one every <see cref="GapMinutes"/> minutes from local midnight (UTC+8) of
/// <see cref="LocalDate"/>, cycling through the city's grids (near each grid's station) and a few types, all closed.
/// </summary>
public sealed class IncidentDaySeed
{
    public const int GapMinutes = 30;

    public static readonly TimeSpan Local = TimeSpan.FromHours(8);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] Types = ["theft", "disturbance", "traffic-accident", "assault"];

    public IncidentDaySeed(CityModel city, DateOnly localDate, string prefix = "DAY")
    {
        LocalDate = localDate;
        var midnight = new DateTimeOffset(localDate.ToDateTime(TimeOnly.MinValue), Local);
        Incidents = [.. Enumerable.Range(0, 24 * 60 / GapMinutes).Select(i =>
        {
            var grid = city.Grids[i % city.Grids.Count];
            var at = GreatCircle.Offset(city.FindStation(grid.StationId)!.Location, 60, 40);
            var created = midnight.AddMinutes(GapMinutes * i).ToUniversalTime();
            return new IncidentSummary(
                string.Create(CultureInfo.InvariantCulture, $"{prefix}-{localDate:yyyyMMdd}-{i:000}"),
                Types[i % Types.Length], (IncidentPriority)(1 + (i % 4)), IncidentSource.Call, IncidentStatus.Closed,
                at.Latitude, at.Longitude, created, created.AddMinutes(25), grid.Id, grid.StationId, 0, null,
                $"{Types[i % Types.Length]} reported by a caller near {grid.Name}");
        })];
    }

    public DateOnly LocalDate { get; }

    public IReadOnlyList<IncidentSummary> Incidents { get; }

    /// <summary>The seeded incidents of <paramref name="gridId"/> created in [<paramref name="fromLocal"/>, <paramref name="untilLocal"/>), newest first.</summary>
    public IReadOnlyList<IncidentSummary> Expected(string gridId, TimeOnly fromLocal, TimeOnly untilLocal)
    {
        var from = new DateTimeOffset(LocalDate.ToDateTime(fromLocal), Local);
        var until = new DateTimeOffset(LocalDate.ToDateTime(untilLocal), Local);
        return [.. Incidents.Where(i => i.GridId == gridId && i.CreatedAt >= from && i.CreatedAt < until)
            .OrderByDescending(i => i.CreatedAt).ThenByDescending(i => i.IncidentId, StringComparer.Ordinal)];
    }

    public async Task WriteAsync(IServiceProvider host)
    {
        var store = host.GetRequiredService<IIncidentStore>();
        var serializer = host.GetRequiredService<Orleans.Serialization.Serializer>();
        foreach (var s in Incidents)
        {
            var state = new IncidentState
            {
                Exists = true, Type = s.Type, Priority = s.Priority, Latitude = s.Latitude, Longitude = s.Longitude, Description = s.Description,
                Source = s.Source, Status = s.Status, CreatedAt = s.CreatedAt, EndedAt = s.EndedAt, Disposition = "resolved", TiersPlanned = true,
            };
            await store.CommitAsync(
                new IncidentCommit(s, 0, serializer.SerializeToArray(state),
                [
                    new JournalEntry(s.IncidentId, 1, s.CreatedAt, TimelineKinds.Created, "operator:seed", JsonSerializer.Serialize(new { text = s.Description }, Json)),
                    new JournalEntry(s.IncidentId, 2, s.EndedAt!.Value, TimelineKinds.Closed, "operator:seed", JsonSerializer.Serialize(new { text = "incident closed: resolved" }, Json)),
                ], [], []),
                TestContext.Current.CancellationToken);
        }
    }
}
