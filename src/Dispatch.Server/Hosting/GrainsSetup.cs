using Dispatch.Domain.City;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;

namespace Dispatch.Server.Hosting;

/// <summary>The dispatch grains on the co-hosted silo, and the city seeded into them before requests are taken.</summary>
public static partial class GrainsSetup
{
    public static WebApplicationBuilder AddDispatchGrains(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DispatchGrainOptions>().Bind(builder.Configuration.GetSection(DispatchGrainOptions.SectionName));
        builder.UseOrleans(silo => silo.AddDispatchGrains());
        builder.Services.AddHostedService<CitySeeding>();
        return builder;
    }

    /// <summary>Registers the city's stations, units and cameras in the grains (idempotent, keeps live state).</summary>
    private sealed partial class CitySeeding(IGrainFactory grains, CityModel city, ILogger<CitySeeding> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var started = TimeProvider.System.GetTimestamp();
            await CitySeeder.SeedAsync(grains, city, cancellationToken);
            LogSeeded(logger, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information, Message = "City seeded into the grains in {ElapsedSeconds:F1} s")]
        private static partial void LogSeeded(ILogger logger, double elapsedSeconds);
    }
}
