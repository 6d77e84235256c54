using System.Collections.Concurrent;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Live;

/// <summary>
/// Publishes a unit's or an incident's new state after every call that may change it. It runs inside the
/// grain's own turn (an incoming call filter), so what it reads is exactly what the call left, and the
/// dispatch grains need no knowledge of pages. Reads (Get...) publish nothing.
/// </summary>
public sealed class LivePublishingFilter(IGrainFactory grains, CityModel city, ILogger<LivePublishingFilter> logger)
    : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        if (context.Grain is not (IPatrolUnitGrain or IIncidentGrain) || context.MethodName.StartsWith("Get", StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            var notifier = grains.GetGrain<ILiveNotifierGrain>(0);
            switch (context.Grain)
            {
                case IPatrolUnitGrain unit when await unit.GetAsync() is { } view:
                    await notifier.PublishAsync(new UnitUpdate(LiveVersions.Next("unit:" + view.UnitId), view.ToLive(city)));
                    break;
                case IIncidentGrain incident when await incident.GetAsync() is { } view:
                    await notifier.PublishAsync(new IncidentUpdate(LiveVersions.Next("incident:" + view.IncidentId), view.ToLive(city)));
                    if (context.MethodName is nameof(IIncidentGrain.OpenAsync))
                    {
                        await grains.GetGrain<IIncidentRosterGrain>(IIncidentRosterGrain.DefaultKey).AddAsync(view.IncidentId);
                    }

                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The live map is a view: failing to publish must never undo or fail a dispatch command.
            logger.LogWarning(ex, "Could not publish the live state after {Method}", context.MethodName);
        }
    }
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
