using Dispatch.Storage.GrainState;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Dispatch.Storage;

/// <summary>Registers <see cref="RelationalGrainStorage"/> as a named (or the default) grain storage provider.</summary>
public static class RelationalStorageSiloBuilderExtensions
{
    /// <summary>Adds relational grain storage as the provider grains get when they name none.</summary>
    public static ISiloBuilder AddRelationalGrainStorageAsDefault(this ISiloBuilder builder, Action<RelationalStorageOptions> configure) =>
        builder.AddRelationalGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>
    /// Adds relational grain storage named <paramref name="name"/> (the storage name in
    /// <c>[PersistentState("state", name)]</c>). Options are validated when the host starts.
    /// </summary>
    public static ISiloBuilder AddRelationalGrainStorage(this ISiloBuilder builder, string name, Action<RelationalStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddRelationalGrainStorage(name, configure);
        return builder;
    }

    /// <summary>The same registration on a service collection (for hosts that configure silo services directly).</summary>
    public static IServiceCollection AddRelationalGrainStorage(this IServiceCollection services, string name, Action<RelationalStorageOptions> configure)
    {
        services.AddOptions<RelationalStorageOptions>(name).Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RelationalStorageOptions>>(new RelationalStorageOptionsValidator(name));
        // Fills GrainStorageSerializer from the silo's default when the caller left it null.
        services.TryAddEnumerable(ServiceDescriptor.Transient<
            IPostConfigureOptions<RelationalStorageOptions>,
            DefaultStorageProviderSerializerOptionsConfigurator<RelationalStorageOptions>>());
        services.AddGrainStorage(name, static (provider, providerName) => new RelationalGrainStorage(
            providerName,
            provider.GetRequiredService<IOptionsMonitor<RelationalStorageOptions>>().Get(providerName),
            provider.GetRequiredService<IActivatorProvider>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<RelationalGrainStorage>>(),
            provider.GetService<TimeProvider>()));
        return services;
    }
}
