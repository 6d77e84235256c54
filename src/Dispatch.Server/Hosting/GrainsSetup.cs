using Dispatch.Domain.City;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;

namespace Dispatch.Server.Hosting;

/// <summary>The dispatch grains on the co-hosted silo and the city seeded into them at start.</summary>
public static class GrainsSetup
{
    public static WebApplicationBuilder AddDispatchGrains(this WebApplicationBuilder builder)
    {
        // Dispatch state goes to the silo's default grain storage (SQLite or PostgreSQL, see SiloSetup).
        builder.UseOrleans(silo => silo.AddDispatchGrains());
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
