using Dispatch.Abstractions.Journal;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dispatch.Grains.Hosting;

public static class DispatchGrainsRegistration
{
    /// <summary>
    /// Registers what the dispatch grains need, keeping anything already registered: the
    /// <see cref="ResponsePlan"/> (default 1/3/5 plan), an <see cref="IEtaEstimator"/> (straight line),
    /// the dispatch clock (the unkeyed <see cref="TimeProvider"/> if any, else the system clock) and an
    /// <see cref="IIncidentJournal"/> (in memory; hosts register the relational one). Grain storage is the
    /// host's: register a provider named <c>DispatchStorage.ProviderName</c>.
    /// </summary>
    public static IServiceCollection AddDispatchGrains(this IServiceCollection services, Action<DispatchGrainOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DispatchGrainOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(_ => ResponsePlan.Default);
        services.TryAddSingleton<IEtaEstimator>(_ => new StraightLineEtaEstimator());
        services.TryAddKeyedSingleton<TimeProvider>(DispatchClock.ServiceKey, (sp, _) => sp.GetService<TimeProvider>() ?? TimeProvider.System);
        services.TryAddSingleton<IIncidentJournal, InMemoryIncidentJournal>();
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
