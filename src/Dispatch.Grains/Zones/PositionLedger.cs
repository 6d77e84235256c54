using System.Collections.Concurrent;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Zones;

/// <summary>
/// Last known positions of the units whose fixes passed through this silo, saved in bulk: every
/// <see cref="DispatchGrainOptions.PositionPersistInterval"/> (with up to a tenth of it as random jitter, so silos do not
/// save in step), one commit holds every unit that moved since the last. Positions are soft state: a crash loses at
/// most one interval of movement, never an assignment.
/// </summary>
public sealed partial class PositionLedger(
    IUnitPositionStore store,
    IOptions<DispatchGrainOptions> options,
    TimeProvider clock,
    ILogger<PositionLedger> logger) : BackgroundService
{
    private ConcurrentDictionary<string, UnitPositionReport> _moved = new(StringComparer.Ordinal);

    public void Record(IReadOnlyList<UnitPositionReport> reports)
    {
        foreach (var report in reports)
        {
            _moved.AddOrUpdate(report.UnitId, report, (_, known) => known.At > report.At ? known : report);
        }
    }

    /// <summary>Saves what moved since the last save (also at shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_moved.IsEmpty)
        {
            return;
        }

        var batch = Interlocked.Exchange(ref _moved, new ConcurrentDictionary<string, UnitPositionReport>(StringComparer.Ordinal));
        try
        {
            await store.SavePositionsAsync([.. batch.Values], cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Keep them for the next round, unless a newer fix arrived meanwhile.
            Record([.. batch.Values]);
            LogSaveFailed(logger, exception, batch.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PositionPersistInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var jitter = TimeSpan.FromTicks((long)(interval.Ticks * 0.1 * Random.Shared.NextDouble()));
                await Task.Delay(interval + jitter, clock, stoppingToken);
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last positions are saved below.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving the last positions of {Count} units failed; they are kept for the next save")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, int count);
}
