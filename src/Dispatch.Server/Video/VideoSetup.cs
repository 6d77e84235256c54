using Dispatch.Server.Archive;
using Dispatch.Server.Hosting;
using Dispatch.Server.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>Live views of cameras and event clips: the CameraVideo gRPC service, the /api/video endpoints, the audit.</summary>
public static class VideoSetup
{
    public static WebApplicationBuilder AddVideo(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(VideoOptions.SectionName).Get<VideoOptions>() ?? new VideoOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(VideoOptions.SectionName, typeof(VideoOptions), errors);
        }

        var services = builder.Services;
        services.AddSingleton(Options.Create(options));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayLinks>();
        services.AddSingleton(sp => new VideoMetrics(sp.GetRequiredService<MetricsSetup.ScrapeRegistry>().Registry));
        services.AddSingleton<LiveCameras>();
        services.AddSingleton<VideoCameras>();
        services.AddSingleton<VideoAccess>();
        // In cluster mode (PostgreSQL storage) the audit is the cluster's, so an auditor on any host sees every host's views.
        var auditPath = AuditPath(builder, options);
        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        services.AddSingleton(_ => new VideoAudit(ArchiveDatabase.For(storage, auditPath, fullSync: true)));
        services.AddHostedService<LiveVideoSweep>();
        return builder;
    }

    public static WebApplication MapVideo(this WebApplication app)
    {
        // The live picture is a WebSocket of its own (not a hub): binary JPEG frames, no JSON or base64 on the way.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.MapGrpcService<CameraVideoService>();
        app.MapVideoApi();
        return app;
    }

    private static string AuditPath(WebApplicationBuilder builder, VideoOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.AuditPath))
        {
            return Path.GetFullPath(options.AuditPath, builder.Environment.ContentRootPath);
        }

        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var database = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        return Path.Combine(Path.GetDirectoryName(database)!, "video-audit.db");
    }
}

/// <summary>Stops live cameras nobody watches, marks stalled ones and asks again, twice a second.</summary>
public sealed partial class LiveVideoSweep(LiveCameras live, TimeProvider clock, ILogger<LiveVideoSweep> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(Interval, clock);
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    live.Sweep();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // host stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live video upkeep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
