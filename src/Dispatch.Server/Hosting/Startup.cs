using Dispatch.Domain.City;
using Dispatch.Server.City;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Hosting;

public static class Startup
{
    /// <summary>Prints where the service can be reached once it listens.</summary>
    public static WebApplication PrintStartupBanner(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var city = app.Services.GetRequiredService<LoadedCity>();
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var web = addresses.Select(a => a.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)
                    .Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/'))
                .FirstOrDefault() ?? "(no HTTP endpoint)";
            var m = city.Model;
            Console.WriteLine();
            Console.WriteLine($"Dispatch is up. City '{m.Name}' from {city.Source}: {m.Grids.Count} grids, " +
                $"{m.Stations.Count} stations, {m.Units.Count} patrol units, {m.Cameras.Count} cameras.");
            Console.WriteLine($"  City GeoJSON:  {web}/api/city");
            Console.WriteLine($"  Health:        {web}/health/ready");
            Console.WriteLine("Press Ctrl+C to stop.");
            Console.WriteLine();
        });
        return app;
    }

    /// <summary>
    /// Runs the host; a configuration or city-file error found while starting is printed as one
    /// clear message (naming the bad key or feature) and the process exits with code 2.
    /// </summary>
    public static async Task RunWithStartupErrorsReportedAsync(this WebApplication app)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex) when (ex is OptionsValidationException or CityFormatException)
        {
            await Console.Error.WriteLineAsync($"Dispatch cannot start: {ex.Message}");
            Environment.ExitCode = 2;
            return;
        }

        await app.WaitForShutdownAsync();
    }
}
