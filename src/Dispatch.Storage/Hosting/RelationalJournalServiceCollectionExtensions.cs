using Dispatch.Abstractions.Journal;
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
