using Dispatch.Abstractions.Common;
using Dispatch.Domain.City;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Dispatch.Storage;

namespace Dispatch.Server.Hosting;

/// <summary>The dispatch grains on the co-hosted silo, their storage, and the city seeded into them at start.</summary>
public static class GrainsSetup
{
    public static WebApplicationBuilder AddDispatchGrains(this WebApplicationBuilder builder)
    {
        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var databasePath = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        builder.UseOrleans(silo =>
        {
            silo.AddDispatchGrains();
            silo.AddRelationalGrainStorage(DispatchStorage.ProviderName, o =>
            {
                o.Dialect = RelationalDialect.Sqlite;
                o.ConnectionString = $"Data Source={databasePath}";
            });
        });
        builder.Services.AddHostedService<CitySeeding>();
        return builder;
    }

    /// <summary>Registers the city's stations, units and cameras in the grains before the host takes requests (idempotent).</summary>
    private sealed class CitySeeding(IGrainFactory grains, CityModel city, ILogger<CitySeeding> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var started = TimeProvider.System.GetTimestamp();
            await CitySeeder.SeedAsync(grains, city, cancellationToken);
            logger.LogInformation("City seeded into grains in {Elapsed}", TimeProvider.System.GetElapsedTime(started));
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
