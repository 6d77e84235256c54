using Dispatch.Contracts;
using Dispatch.Domain.City;
using Dispatch.Grains.Cameras;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Archive;
using Dispatch.Server.Cameras;
using Dispatch.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Alerts;

/// <summary>Camera alerts over gRPC: the CameraGateway service, reflection, grpc.health.v1, and the alert and camera-health REST views.</summary>
public static class AlertsSetup
{
    /// <summary>The Kestrel endpoint (HTTP/2 without TLS) that serves gRPC; the "Web" endpoint stays HTTP/1.1.</summary>
    public const string GrpcEndpointKey = "Kestrel:Endpoints:Grpc:Url";

    public static WebApplicationBuilder AddCameraAlerts(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var intakeOptions = Bind<AlertIntakeOptions>(configuration, AlertIntakeOptions.SectionName);
        var grainOptions = Bind<CameraAlertOptions>(configuration, CameraAlertOptions.SectionName);
        var healthOptions = Bind<CameraHealthOptions>(configuration, CameraHealthOptions.SectionName);
        var gateways = new GatewayOptions();
        foreach (var (id, registration) in configuration.GetSection(GatewayOptions.SectionName).Get<Dictionary<string, GatewayRegistration>>() ?? [])
        {
            gateways.Gateways[id] = registration;
        }

        var errors = intakeOptions.Validate().Concat(grainOptions.Validate()).Concat(healthOptions.Validate()).Concat(gateways.Validate()).ToList();
        if (intakeOptions.MaxAgeSeconds + intakeOptions.MaxClockSkewSeconds > grainOptions.IdempotencyRetentionSeconds)
        {
            errors.Add($"{CameraAlertOptions.SectionName}:IdempotencyRetentionSeconds ({grainOptions.IdempotencyRetentionSeconds}) must cover MaxAgeSeconds + MaxClockSkewSeconds ({intakeOptions.MaxAgeSeconds + intakeOptions.MaxClockSkewSeconds}), or a late re-send could open a second incident");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(AlertIntakeOptions.SectionName, typeof(AlertIntakeOptions), errors);
        }

        var services = builder.Services;
        services.AddSingleton(Options.Create(intakeOptions));
        services.AddSingleton(Options.Create(grainOptions));
        services.AddSingleton(Options.Create(healthOptions));
        services.AddSingleton(gateways);
        services.AddSingleton<GatewayWindows>();
        services.AddSingleton<AlertAdmission>();
        services.AddSingleton<AlertIntake>();
        services.AddSingleton<OperatorAlertFeed>();
        // In cluster mode (PostgreSQL storage) the archive is the cluster's, so any host answers for any alert.
        var archivePath = ArchivePath(builder, intakeOptions);
        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        services.AddSingleton(_ => new AlertArchive(ArchiveDatabase.For(storage, archivePath, fullSync: false)));
        services.AddSingleton(sp => new CameraHealthBoard(
            sp.GetRequiredKeyedService<TimeProvider>(DispatchClock.ServiceKey),
            healthOptions,
            () => sp.GetRequiredService<CityModel>().Cameras.Count));
        services.AddSingleton<CameraHealthFeed>();
        services.AddHostedService<CameraHealthSweep>();
        services.AddClusterCameraHealth(configuration);

        // A 1 MiB snapshot plus the rest of the alert; larger messages never get here (OversizedMessageGuard).
        services.AddGrpc(o => o.MaxReceiveMessageSize = AlertLimits.MaxMessageBytes);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks();
        return builder;
    }

    public static WebApplication MapCameraAlerts(this WebApplication app)
    {
        app.UseOversizedMessageGuard();
        app.MapGrpcService<CameraGatewayService>();

        // The service list is the public contract, yet only for someone with credentials (a gateway or a person).
        app.MapGrpcReflectionService().RequireAuthorization(Security.Policies.Authenticated);

        // Load balancers and orchestrators probe without credentials (like /health/live).
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapAlertApi();
        app.MapCameraHealthApi();
        app.MapCameraApprovalApi();
        return app;
    }

    /// <summary>The configured gRPC address as a client would dial it, or null when no gRPC endpoint is configured.</summary>
    public static string? GrpcUrl(IConfiguration configuration) =>
        configuration[GrpcEndpointKey]?.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)
            .Replace("[::]", "localhost", StringComparison.Ordinal).Replace("*", "localhost", StringComparison.Ordinal).TrimEnd('/');

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : new() => configuration.GetSection(section).Get<T>() ?? new T();

    private static string ArchivePath(WebApplicationBuilder builder, AlertIntakeOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ArchivePath))
        {
            return Path.GetFullPath(options.ArchivePath, builder.Environment.ContentRootPath);
        }

        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var database = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        return Path.Combine(Path.GetDirectoryName(database)!, "alerts.db");
    }
}
