using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Microsoft.Extensions.Logging;

namespace Dispatch.Grains.Hosting;

/// <summary>
/// When a silo becomes active, wakes every open incident (from the incident table) so its ack and tier deadlines are
/// re-armed from its record; otherwise an incident nobody asks about would miss its breach after a restart.
/// In a cluster the same happens when a silo is declared dead: the incidents that were active there had their
/// deadline timers with them, and come back on a survivor only when called. One survivor (the active silo with the
/// lowest address) does the waking, so the cluster wakes them once. This stands in for a reminder per incident,
/// which would add a durable write per incident and dispatch step to the alert path.
/// Runs in the background: start-up does not wait for it.
/// </summary>
internal sealed partial class OpenIncidentsWakeup(
    IGrainFactory grains,
    IIncidentStore store,
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    ILogger<OpenIncidentsWakeup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OpenIncidentsWakeup), ServiceLifecycleStage.Active, OnActiveAsync, OnStopAsync);

    private Task OnActiveAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(WakeOpenIncidentsAsync, CancellationToken.None);
        _ = Task.Run(WatchForDeadSilosAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private Task OnStopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task WakeOpenIncidentsAsync()
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
    }

    private async Task WatchForDeadSilosAsync()
    {
        var known = membership.CurrentSnapshot;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(_stopping.Token))
            {
                var died = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead
                        && known.Members.TryGetValue(m.SiloAddress, out var before)
                        && before.Status != SiloStatus.Dead)
                    .Select(m => m.SiloAddress)
                    .ToList();
                known = snapshot;
                if (died.Count == 0 || !IsFirstActive(snapshot))
                {
                    continue;
                }

                LogSiloDied(logger, string.Join(", ", died));
                await WakeOpenIncidentsAsync();
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    private bool IsFirstActive(ClusterMembershipSnapshot snapshot)
    {
        var first = snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .OrderBy(a => a.ToParsableString(), StringComparer.Ordinal)
            .FirstOrDefault();
        return first is not null && first.Equals(localSilo.SiloAddress);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waking open incidents failed; they re-arm their deadlines when next called")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silos} declared dead: waking open incidents so their deadlines run on the survivors")]
    private static partial void LogSiloDied(ILogger logger, string silos);
}
