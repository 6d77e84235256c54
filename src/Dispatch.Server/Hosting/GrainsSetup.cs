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

    /// <summary>
    /// Brings the city's dispatch zones up before requests are taken: each zone asks the units around it what they are.
    /// Nothing is written; the city itself is read from its file.
    /// </summary>
    private sealed partial class CitySeeding(IGrainFactory grains, CityModel city, ILogger<CitySeeding> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var started = TimeProvider.System.GetTimestamp();
            await CityStartup.WakeZonesAsync(grains, city, cancellationToken);
            LogSeeded(logger, city.Units.Count, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch zones up with {Units} units in {ElapsedSeconds:F1} s")]
        private static partial void LogSeeded(ILogger logger, int units, double elapsedSeconds);
    }
}
