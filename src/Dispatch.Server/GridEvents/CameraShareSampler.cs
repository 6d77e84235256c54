using Dispatch.Domain.City;
using Dispatch.Domain.SafetyIndex;
using Dispatch.Server.Cameras;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.GridEvents;

/// <summary>
/// The safety index's camera indicator: every <see cref="SafetyIndexOptions.CameraSampleMinutes"/> (on the host's
/// clock) this host counts, per grid, the cameras its gateways report online and those reported at all (online or
/// offline; a camera never heard of is left out), and adds both to that grid's sums of the local day. The index
/// divides the sums. Kept in memory for the longest range the index answers: a restarted host starts its sums again.
/// </summary>
public sealed partial class CameraShareSampler(
    CameraHealthBoard board, CityModel city, IOptions<SafetyIndexOptions> options, TimeProvider timeProvider, ILogger<CameraShareSampler> logger)
    : BackgroundService
{
    private readonly SafetyIndexOptions _options = options.Value;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string GridId, DateOnly Day), (long Online, long Reported)> _sums = [];
    private Dictionary<string, string>? _gridOfCamera;

    /// <summary>The sums so far, one per grid and local day.</summary>
    public IReadOnlyList<IndexCameraSample> Samples()
    {
        lock (_lock)
        {
            return [.. _sums.Select(s => new IndexCameraSample(s.Key.GridId, s.Key.Day, s.Value.Online, s.Value.Reported))];
        }
    }

    /// <summary>Adds one sample of <paramref name="states"/> taken at <paramref name="at"/>; cameras of no known grid are left out.</summary>
    public void Sample(CameraStates states, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(states);
        var gridOf = GridOfCamera();
        var day = DateOnly.FromDateTime(at.ToOffset(_options.UtcOffset).DateTime);
        var counts = new Dictionary<string, (long Online, long Reported)>(StringComparer.Ordinal);
        void Count(IEnumerable<string> cameras, bool online)
        {
            foreach (var camera in cameras)
            {
                if (gridOf.TryGetValue(camera, out var grid))
                {
                    var (o, r) = counts.GetValueOrDefault(grid);
                    counts[grid] = (o + (online ? 1 : 0), r + 1);
                }
            }
        }

        Count(states.Online, online: true);
        Count(states.Offline, online: false);
        lock (_lock)
        {
            foreach (var (grid, (online, reported)) in counts)
            {
                var (o, r) = _sums.GetValueOrDefault((grid, day));
                _sums[(grid, day)] = (o + online, r + reported);
            }

            var oldest = day.AddDays(-_options.MaxRangeDays - 1);
            foreach (var stale in _sums.Keys.Where(k => k.Day < oldest).ToList())
            {
                _sums.Remove(stale);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(_options.CameraSampleMinutes), timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    Sample(board.States(), timeProvider.GetUtcNow());
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSampleFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Each camera's grid: the city file's cameras by their station's grid, cameras gateways announced with a place by where they are.</summary>
    private Dictionary<string, string> GridOfCamera()
    {
        var known = _gridOfCamera;
        if (known is null)
        {
            var stations = city.Stations.ToDictionary(s => s.Id, s => s.GridId, StringComparer.Ordinal);
            known = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var camera in city.Cameras)
            {
                if (stations.TryGetValue(camera.StationId, out var grid))
                {
                    known[camera.Id] = grid;
                }
            }

            _gridOfCamera = known;
        }

        var all = new Dictionary<string, string>(known, StringComparer.Ordinal);
        foreach (var announced in board.Announced())
        {
            if (!all.ContainsKey(announced.CameraId) && announced.Location is { } place && city.FindGrid(place) is { } grid)
            {
                all[announced.CameraId] = grid.Id;
            }
        }

        return all;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera health sample for the safety index failed; the next one tries again")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception);
}
