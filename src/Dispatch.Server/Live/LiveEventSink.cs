using System.Collections.Concurrent;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Grains.Hosting;

namespace Dispatch.Server.Live;

/// <summary>
/// How the dispatch grains publish to live views: on the grain's own turn, each change (and each batch of positions)
/// is handed to the silo-local notifier (one-way), which batches and fans out to every host.
/// </summary>
public sealed class LiveEventSink(IGrainFactory grains, CityModel city) : IDispatchEventSink
{
    public async ValueTask UnitChangedAsync(UnitView unit) =>
        await grains.GetGrain<ILiveNotifierGrain>(0).PublishAsync(new UnitUpdate(LiveVersions.Next("unit:" + unit.UnitId), unit.ToLive(city)));

    public async ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended) =>
        await grains.GetGrain<ILiveNotifierGrain>(0)
            .PublishAsync(new IncidentUpdate(LiveVersions.Next("incident:" + incident.IncidentId), incident.ToLive(city)));

    public async ValueTask UnitsMovedAsync(IReadOnlyList<UnitPositionReport> positions) =>
        await grains.GetGrain<ILiveNotifierGrain>(0).PublishAsync(
            new UnitsMoved([.. positions.Select(p => new MovedUnit(p.UnitId, p.Position.Latitude, p.Position.Longitude, p.At))]));
}

/// <summary>
/// Per-entity versions: the current time in ticks, bumped past the last version handed out here, so the
/// versions of one entity grow even when its grain moves to another silo (clocks agree well enough there).
/// </summary>
public static class LiveVersions
{
    private static readonly ConcurrentDictionary<string, long> Last = new(StringComparer.Ordinal);

    public static long Next(string entityKey) =>
        Last.AddOrUpdate(entityKey, _ => DateTimeOffset.UtcNow.UtcTicks, (_, last) => Math.Max(last + 1, DateTimeOffset.UtcNow.UtcTicks));
}
