using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Journal;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Roads;
using Dispatch.Domain.City;
using Dispatch.Grains.City;
using Dispatch.Grains.Records;
using Dispatch.Grains.Zones;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Storage;

namespace Dispatch.Grains.Hosting;

public static class DispatchGrainsRegistration
{
    /// <summary>
    /// Registers what the dispatch grains need, keeping anything already registered: the
    /// <see cref="ResponsePlan"/> (default 1/3/5 plan), an <see cref="IEtaEstimator"/> (straight line, with the
    /// <see cref="StraightLineEtaOptions"/> if bound; <see cref="AddRoadNetwork"/> replaces it by travel time on roads),
    /// the dispatch clock (the unkeyed <see cref="TimeProvider"/> if any, else the system clock), the incident record
    /// (<see cref="IIncidentStore"/> with its <see cref="IIncidentJournal"/> and <see cref="IUnitPositionStore"/>: in memory;
    /// hosts register the relational one), the <see cref="CityDirectory"/> (of the registered <see cref="CityModel"/>s), an
    /// <see cref="IDispatchEventSink"/> (none; hosts register one for live push), and a start-up step that
    /// wakes open incidents so their deadlines are re-armed after a restart. Grain storage is the
    /// host's: a provider named <see cref="DispatchStorage.ProviderName"/> if registered, else the default provider.
    /// </summary>
    public static IServiceCollection AddDispatchGrains(this IServiceCollection services, Action<DispatchGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DispatchGrainOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DispatchGrainOptions>, DispatchGrainOptionsValidator>());

        services.TryAddSingleton(_ => ResponsePlan.Default);
        services.TryAddSingleton<IEtaEstimator>(sp => new StraightLineEtaEstimator(StraightLineOptions(sp)));

        // The search around an incident must reach as far as the fastest unit gets within a target.
        options.PostConfigure<IServiceProvider>((o, sp) =>
            o.FastestUnitSpeedKmh = Math.Max(o.FastestUnitSpeedKmh, StraightLineFastestKmh(sp)));
        services.TryAddKeyedSingleton<TimeProvider>(DispatchClock.ServiceKey, (sp, _) => sp.GetService<TimeProvider>() ?? TimeProvider.System);
        services.TryAddSingleton(TimeProvider.System);

        // The incident record: in memory unless the host registered a store (the relational one in a deployment).
        services.TryAddSingleton<InMemoryIncidentStore>();
        services.TryAddSingleton<IIncidentStore>(sp => sp.GetRequiredService<InMemoryIncidentStore>());
        services.TryAddSingleton<IIncidentJournal>(sp => sp.GetRequiredService<IIncidentStore>() as IIncidentJournal
            ?? throw new InvalidOperationException("the incident store does not serve the journal: register an IIncidentJournal too"));
        services.TryAddSingleton<IUnitPositionStore>(sp => sp.GetRequiredService<IIncidentStore>() as IUnitPositionStore
            ?? throw new InvalidOperationException("the incident store does not keep positions: register an IUnitPositionStore too"));
        services.TryAddSingleton(sp => new CityDirectory([.. sp.GetServices<CityModel>()]));
        services.TryAddSingleton<PositionLedger>();
        services.AddHostedService(sp => sp.GetRequiredService<PositionLedger>());

        // Grain state in Orleans' binary format (older JSON rows stay readable), for every storage provider of the silo.
        services.AddSingleton<IGrainStorageSerializer>(sp => new DispatchStateSerializer(
            sp.GetRequiredService<Orleans.Serialization.Serializer>(),
            ActivatorUtilities.CreateInstance<JsonGrainStorageSerializer>(sp)));
        services.TryAddSingleton<IDispatchEventSink, NoDispatchEvents>();
        services.TryAddSingleton<DispatchMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, OpenIncidentsWakeup>());

        // Without a provider of its own name, dispatch state goes to the silo's default grain storage.
        services.TryAddKeyedSingleton<IGrainStorage>(
            DispatchStorage.ProviderName,
            (sp, _) => sp.GetKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME)
                ?? throw new InvalidOperationException(
                    $"The dispatch grains need grain storage: register a provider named '{DispatchStorage.ProviderName}' or a default one."));
        return services;
    }

    /// <summary>
    /// Dispatch ranks units by travel time on <paramref name="graph"/> (shared, immutable): a thread-safe pool of
    /// <see cref="RoadEtaEstimator"/>s replaces the straight-line model, which stays the fallback for positions too
    /// far from any road. <see cref="DispatchGrainOptions.FastestUnitSpeedKmh"/> is raised to the fastest speed any
    /// road class allows, so the search radius around an incident is consistent with the road speeds.
    /// </summary>
    public static IServiceCollection AddRoadNetwork(this IServiceCollection services, RoadGraph graph, RoadEtaOptions? roadOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(graph);
        services.Replace(ServiceDescriptor.Singleton(graph));
        services.Replace(ServiceDescriptor.Singleton<IEtaEstimator>(sp =>
            new RoadEtaEstimatorPool(graph, roadOptions, new StraightLineEtaEstimator(StraightLineOptions(sp)))));
        services.AddOptions<DispatchGrainOptions>().PostConfigure(o =>
            o.FastestUnitSpeedKmh = Math.Max(o.FastestUnitSpeedKmh, graph.Speeds.FastestKmh()));
        return services;
    }

    private static double StraightLineFastestKmh(IServiceProvider services)
    {
        try
        {
            return StraightLineOptions(services).FastestKmh();
        }
        catch (OptionsValidationException)
        {
            // Invalid straight-line options are reported by their own validation at start, once.
            return 0;
        }
    }

    private static StraightLineEtaOptions StraightLineOptions(IServiceProvider services) =>
        services.GetService<IOptions<StraightLineEtaOptions>>()?.Value ?? new StraightLineEtaOptions();

    /// <inheritdoc cref="AddDispatchGrains(IServiceCollection, Action{DispatchGrainOptions}?)"/>
    public static ISiloBuilder AddDispatchGrains(this ISiloBuilder silo, Action<DispatchGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddDispatchGrains(configure);
        return silo;
    }
}
