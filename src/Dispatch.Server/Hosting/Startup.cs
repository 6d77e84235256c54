using Dispatch.Domain.City;
using Dispatch.Domain.Roads;
using Dispatch.Server.City;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
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
            var grpc = Alerts.AlertsSetup.GrpcUrl(app.Configuration);
            var web = addresses.Select(a => a.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)
                    .Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/'))
                .FirstOrDefault(a => a != grpc) ?? "(no HTTP endpoint)";
            var m = city.Model;
            Console.WriteLine();
            Console.WriteLine($"Dispatch is up. City '{m.Name}' from {city.Source}: {m.Grids.Count} grids, " +
                $"{m.Stations.Count} stations, {m.Units.Count} patrol units, {m.Cameras.Count} cameras.");
            Console.WriteLine($"Roads: {app.Services.GetRequiredService<Roads.LoadedRoads>().Describe()}.");
            Console.WriteLine($"  Operator map:  {web}/");
            Console.WriteLine($"  Terminal:      {web}/terminal");
            Console.WriteLine($"  City GeoJSON:  {web}/api/city");
            Console.WriteLine($"  Coverage:      {web}/api/coverage");
            Console.WriteLine($"  Health:        {web}/health/ready");
            Console.WriteLine($"  Camera gRPC:   {grpc ?? "(no gRPC endpoint)"} (dispatch.v1.CameraGateway, reflection, grpc.health.v1)");
        });
        return app;
    }

    /// <summary>The banner's last line, after every other part has said its piece (register it first: started callbacks run last-registered first).</summary>
    public static WebApplication PrintStopHint(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            Console.WriteLine("Press Ctrl+C to stop.");
            Console.WriteLine();
        });
        return app;
    }

    /// <summary>
    /// Reads appsettings.json from beside the binary when the content root (the working directory)
    /// has none, so `dotnet Dispatch.Server.dll` from any folder runs with the shipped defaults.
    /// It is the lowest-priority source: environment variables and arguments still override it.
    /// </summary>
    public static WebApplicationBuilder AddSettingsBesideTheBinary(this WebApplicationBuilder builder)
    {
        const string FileName = "appsettings.json";
        if (File.Exists(Path.Combine(builder.Environment.ContentRootPath, FileName))
            || !File.Exists(Path.Combine(AppContext.BaseDirectory, FileName)))
        {
            return builder;
        }

        builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = FileName,
            Optional = true,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        });
        return builder;
    }

    /// <summary>A configuration, city-file or road-file error: reported as one message rather than a crash.</summary>
    public static bool IsConfigurationError(Exception ex) =>
        ex is OptionsValidationException or CityFormatException or RoadFormatException
        || IsUnconvertibleSetting(ex)
        || (ex is AggregateException all && all.InnerExceptions.Count > 0 && all.InnerExceptions.All(IsConfigurationError));

    /// <summary>A value the configuration binder could not turn into its setting's type; its message names the key and the value.</summary>
    private static bool IsUnconvertibleSetting(Exception ex) =>
        ex is InvalidOperationException { InnerException: FormatException or OverflowException or InvalidCastException }
        && ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    /// <summary>Prints the error (it names the bad key or feature) and gives the process exit code 2.</summary>
    public static async Task<int> ReportAsync(Exception ex)
    {
        // Validation at start gathers several options' failures into one AggregateException: report each once.
        var messages = ex is AggregateException all ? all.Flatten().InnerExceptions.Select(e => e.Message).Distinct() : [ex.Message];
        await Console.Error.WriteLineAsync($"Dispatch cannot start: {string.Join("; ", messages)}");
        return 2;
    }

    /// <summary>Runs the host; a configuration error found while starting is reported, exit code 2.</summary>
    public static async Task<int> RunWithStartupErrorsReportedAsync(this WebApplication app)
    {
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex) when (IsConfigurationError(ex))
        {
            return await ReportAsync(ex);
        }

        await app.WaitForShutdownAsync();
        return 0;
    }
}
