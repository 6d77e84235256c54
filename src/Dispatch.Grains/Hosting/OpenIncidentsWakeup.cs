using Dispatch.Abstractions.Incidents;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Hosting;

/// <summary>
/// When a silo becomes active, wakes every open incident so its ack and tier deadlines are re-armed from
/// persisted state; otherwise an incident nobody asks about would miss its breach after a restart.
/// Runs in the background: start-up does not wait for it.
/// </summary>
internal sealed partial class OpenIncidentsWakeup(IGrainFactory grains, ILogger<OpenIncidentsWakeup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OpenIncidentsWakeup), ServiceLifecycleStage.Active, OnActiveAsync);

    private Task OnActiveAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await Task.WhenAll(IOpenIncidentsGrain.AllKeys.Select(key => grains.GetGrain<IOpenIncidentsGrain>(key).WakeAllAsync()));
                }
                catch (Exception exception)
                {
                    LogWakeFailed(logger, exception);
                }
            },
            CancellationToken.None);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking open incidents after start-up failed; they re-arm their deadlines when next called")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception);
}
