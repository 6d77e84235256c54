using Dispatch.Grains.Hosting;
using Dispatch.Server.Hosting;

namespace Dispatch.Server.Cameras;

/// <summary>
/// Whether camera health is one view for the whole cluster: on with Redis membership (hosts on several machines),
/// off embedded, where the board is this host's and nothing more runs.
/// </summary>
public sealed record CameraHealthScope(bool ClusterWide)
{
    public static CameraHealthScope From(IConfiguration configuration)
    {
        var silo = configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
        return new CameraHealthScope(silo.Membership == SiloMembership.Redis);
    }
}

/// <summary>
/// In a cluster, once a second: sends what changed on this host's board to the cluster's board grain and takes the
/// merged view back into the board (whose reads then show the whole cluster), telling this host's pages which cameras
/// went online or offline. A board grain that cannot be reached leaves the host serving its own view (the merged one
/// goes stale after <see cref="CameraHealthBoard.MergedViewFreshFor"/>), logged and counted, and the report is tried
/// again with the changes kept.
/// </summary>
public sealed partial class CameraHealthSync(
    IGrainFactory grains,
    CameraHealthBoard board,
    CameraHealthFeed feed,
    DispatchMetrics metrics,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    ILogger<CameraHealthSync> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private long _failures;
    private long _reportedCameras;
    private string? _generation;
    private long _version;
    private bool _full = true;
    private bool _failing;

    /// <summary>This host on the board: unique per process and start.</summary>
    public string HostId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        metrics.Meter.CreateObservableCounter("dispatch.camera_health.report_failures", () => Volatile.Read(ref _failures), "{report}",
            "Camera health reports that did not reach the cluster's board (the host shows its own cameras meanwhile).");
        metrics.Meter.CreateObservableCounter("dispatch.camera_health.reported_cameras", () => Volatile.Read(ref _reportedCameras), "{camera}",
            "Camera states this host sent to the cluster's board (changes only, after the first report).");
        metrics.Meter.CreateObservableGauge("dispatch.camera_health.cluster_view", () => board.ShowsClusterView ? 1 : 0, "{view}",
            "1 while this host shows the cluster's merged camera health, 0 while it shows only its own gateways' cameras.");
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(Interval, clock);
        try
        {
            do
            {
                await ReportAsync(stoppingToken);
            }
            while (await tick.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // host stopping
        }
    }

    /// <summary>One report and the merged changes it brings back; a board that asks for everything gets it at once.</summary>
    public async Task ReportAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var full = _full;
            var gateways = board.TakeReport(full);
            CameraHealthMergedDelta delta;
            try
            {
                delta = await grains.GetGrain<ICameraHealthBoardGrain>(0)
                    .ReportAsync(new CameraHealthReport(HostId, full, gateways, _generation, _version))
                    .WaitAsync(CallTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                board.Requeue(gateways);
                Interlocked.Increment(ref _failures);
                if (!_failing)
                {
                    _failing = true;
                    LogBoardUnreachable(logger, ex);
                }

                return;
            }

            Interlocked.Add(ref _reportedCameras, gateways.Sum(g => g.Cameras.Count));
            if (delta.FullReportNeeded)
            {
                _full = true;
                continue;
            }

            _full = false;
            _generation = delta.Generation;
            _version = delta.Version;
            if (_failing)
            {
                _failing = false;
                LogBoardReachable(logger);
            }

            await feed.PublishHereAsync(board.ApplyMerged(delta));
            return;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster's camera health board cannot be reached; this host shows its own gateways' cameras and keeps trying")]
    private static partial void LogBoardUnreachable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "The cluster's camera health board answers again")]
    private static partial void LogBoardReachable(ILogger logger);
}

public static class CameraHealthClusterSetup
{
    /// <summary>The scope; in a cluster also the report to the cluster's board every second.</summary>
    public static IServiceCollection AddClusterCameraHealth(this IServiceCollection services, IConfiguration configuration)
    {
        var scope = CameraHealthScope.From(configuration);
        services.AddSingleton(scope);
        if (scope.ClusterWide)
        {
            services.AddSingleton<CameraHealthSync>();
            services.AddHostedService(sp => sp.GetRequiredService<CameraHealthSync>());
        }

        return services;
    }
}
