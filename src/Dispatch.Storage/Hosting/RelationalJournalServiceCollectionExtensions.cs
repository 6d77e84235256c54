using Dispatch.Abstractions.Journal;
using Dispatch.Storage.Incidents;
using Dispatch.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dispatch.Storage;

public static class RelationalJournalServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RelationalIncidentJournal"/> as the singleton <see cref="IIncidentJournal"/>.
    /// Options are validated when the host starts; the table is created at first use.
    /// </summary>
    public static IServiceCollection AddRelationalIncidentJournal(this IServiceCollection services, Action<RelationalJournalOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<RelationalJournalOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RelationalJournalOptions>, RelationalJournalOptionsValidator>());
        services.TryAddSingleton(provider => new RelationalIncidentJournal(
            provider.GetRequiredService<IOptions<RelationalJournalOptions>>().Value,
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton<IIncidentJournal>(provider => provider.GetRequiredService<RelationalIncidentJournal>());
        return services;
    }
}

public static class RelationalIncidentStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="Incidents.RelationalIncidentStore"/> as the engine's incident record: the
    /// <see cref="Abstractions.Records.IIncidentStore"/>, the <see cref="IIncidentJournal"/> (same tables) and the
    /// <see cref="Abstractions.Records.IUnitPositionStore"/>. The tables are created at first use.
    /// </summary>
    public static IServiceCollection AddRelationalIncidentStore(this IServiceCollection services, Action<RelationalIncidentStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RelationalIncidentStoreOptions();
        configure(options);
        RelationalOptionsRules.ThrowIfInvalid(options, RelationalOptionsRules.IncidentStoreSubject);
        services.AddSingleton(provider => new Incidents.RelationalIncidentStore(options, provider.GetService<TimeProvider>()));
        services.AddSingleton<Abstractions.Records.IIncidentStore>(provider => provider.GetRequiredService<Incidents.RelationalIncidentStore>());
        services.AddSingleton<Abstractions.Records.IUnitPositionStore>(provider => provider.GetRequiredService<Incidents.RelationalIncidentStore>());
        services.AddSingleton<IIncidentJournal>(_ => new RelationalIncidentJournal(
            new RelationalJournalOptions { Dialect = options.Dialect, ConnectionString = options.ConnectionString }));
        return services;
    }
}
