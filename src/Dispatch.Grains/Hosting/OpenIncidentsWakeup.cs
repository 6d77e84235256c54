using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Hosting;

/// <summary>
/// When a silo becomes active, wakes every open incident (from the incident table) so its ack and tier deadlines are
/// re-armed from its record; otherwise an incident nobody asks about would miss its breach after a restart.
/// Runs in the background: start-up does not wait for it.
/// </summary>
internal sealed partial class OpenIncidentsWakeup(IGrainFactory grains, IIncidentStore store, ILogger<OpenIncidentsWakeup> logger) : ILifecycleParticipant<ISiloLifecycle>
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
                    var open = await store.FindAsync(new IncidentFilter { Status = IncidentStatus.Open, Limit = 100_000 });
                    foreach (var incident in open)
                    {
                        grains.GetGrain<IIncidentGrain>(incident.IncidentId).WakeAsync().Ignore();
                    }
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
