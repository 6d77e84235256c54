using Microsoft.Extensions.Options;

namespace Dispatch.Server.GridEvents;

/// <summary>Looks for open grid events past their time limit every few seconds (on the host's clock) and escalates them to their district.</summary>
public sealed partial class GridEventSlaWatch(GridEventDesk desk, IOptions<GridEventOptions> options, TimeProvider timeProvider, ILogger<GridEventSlaWatch> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SlaSweepSeconds), timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var escalated = await desk.EscalateOverdueAsync(stoppingToken);
                    if (escalated > 0)
                    {
                        LogEscalated(logger, escalated);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next sweep tries again; an event past its limit stays found until escalated.
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Escalated {Count} grid events past their time limit to their districts")]
    private static partial void LogEscalated(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grid event time-limit sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
