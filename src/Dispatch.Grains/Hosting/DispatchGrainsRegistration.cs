using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Journal;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Journal;
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
    /// <see cref="ResponsePlan"/> (default 1/3/5 plan), an <see cref="IEtaEstimator"/> (straight line),
    /// the dispatch clock (the unkeyed <see cref="TimeProvider"/> if any, else the system clock) and an
    /// <see cref="IIncidentJournal"/> (in memory; hosts register the relational one), an
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
        services.TryAddSingleton<IEtaEstimator>(_ => new StraightLineEtaEstimator());
        services.TryAddKeyedSingleton<TimeProvider>(DispatchClock.ServiceKey, (sp, _) => sp.GetService<TimeProvider>() ?? TimeProvider.System);
        services.TryAddSingleton<IIncidentJournal, InMemoryIncidentJournal>();
        services.TryAddSingleton<IDispatchEventSink, NoDispatchEvents>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, OpenIncidentsWakeup>());

        // Without a provider of its own name, dispatch state goes to the silo's default grain storage.
        services.TryAddKeyedSingleton<IGrainStorage>(
            DispatchStorage.ProviderName,
            (sp, _) => sp.GetKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME)
                ?? throw new InvalidOperationException(
                    $"The dispatch grains need grain storage: register a provider named '{DispatchStorage.ProviderName}' or a default one."));
        return services;
    }

    /// <inheritdoc cref="AddDispatchGrains(IServiceCollection, Action{DispatchGrainOptions}?)"/>
    public static ISiloBuilder AddDispatchGrains(this ISiloBuilder silo, Action<DispatchGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddDispatchGrains(configure);
        return silo;
    }
}
