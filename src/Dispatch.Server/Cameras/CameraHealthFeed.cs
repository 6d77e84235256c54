using Dispatch.Domain.City;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Live;

namespace Dispatch.Server.Cameras;

/// <summary>
/// Passes the camera health board's changes on: to the camera gauges of <see cref="DispatchMetrics"/> and, through the
/// live notifier, to every host's operators as <see cref="CameraUpdate"/>s. The gateway service hands over what
/// Hello and heartbeats changed; <see cref="CameraHealthSweep"/> hands over outages once their debounce time has passed.
/// In a cluster (<see cref="CameraHealthScope"/>) a host's own changes are not what pages are told: the merged view is,
/// and <see cref="CameraHealthSync"/> hands its changes to each host's own pages (<see cref="PublishHereAsync"/>).
/// </summary>
public sealed class CameraHealthFeed(IGrainFactory grains, DispatchMetrics metrics, CityModel city, CameraHealthScope scope, IServiceProvider services)
{
    private readonly Dictionary<string, CameraSpec> _cityCameras = city.Cameras.ToDictionary(c => c.Id, StringComparer.Ordinal);

    public async Task PublishAsync(IReadOnlyList<CameraHealthChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            metrics.CameraHealthChanged(change.CameraId, change.Online);
            if (scope.ClusterWide)
            {
                continue;
            }

            await grains.GetGrain<ILiveNotifierGrain>(0).PublishAsync(new CameraUpdate(LiveVersions.Next("camera:" + change.CameraId), ToLive(change)));
        }
    }

    /// <summary>The cluster's merged changes, to this host's pages only (every host gets them from the board itself).</summary>
    public async Task PublishHereAsync(IReadOnlyList<CameraHealthChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return;
        }

        var observer = services.GetRequiredService<LiveHostObserver>();
        foreach (var batch in changes.Chunk(LiveNotifierGrain.MaxBatch))
        {
            await observer.ReceiveAsync([.. batch.Select(c => new CameraUpdate(LiveVersions.Next("camera:" + c.CameraId), ToLive(c)))]);
        }
    }

    /// <summary>City cameras are drawn from the city file already; a camera only a gateway knows carries its place.</summary>
    private LiveCamera ToLive(CameraHealthChange change)
    {
        var cityCamera = _cityCameras.ContainsKey(change.CameraId);
        var gridId = change.Location is { } at ? city.FindGrid(at)?.Id : null;
        return cityCamera || change.Location is not { } location
            ? new LiveCamera(change.CameraId, change.Online, change.At, gridId ?? GridOfCityCamera(change.CameraId))
            : new LiveCamera(change.CameraId, change.Online, change.At, gridId, change.Name ?? change.CameraId, location.Latitude, location.Longitude);
    }

    private string? GridOfCityCamera(string cameraId) =>
        _cityCameras.TryGetValue(cameraId, out var camera) ? city.GridOfStation(camera.StationId) : null;
}

/// <summary>Looks for cameras whose debounce time has passed, every second of the dispatch clock.</summary>
public sealed partial class CameraHealthSweep(
    CameraHealthBoard board,
    CameraHealthFeed feed,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    ILogger<CameraHealthSweep> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(Interval, clock);
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await feed.PublishAsync(board.Sweep());
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera health changes could not be passed on")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
