using Orleans.Concurrency;

namespace Dispatch.Server.Live;

/// <summary>One per web host: receives batches of changes and pushes them to that host's SignalR clients.</summary>
[Alias("live.ILiveHostObserver")]
public interface ILiveHostObserver : IGrainObserver
{
    [OneWay]
    [Alias("receive")]
    Task ReceiveAsync(IReadOnlyList<LiveMessage> batch);
}

/// <summary>The hosts that want live changes (key 0). Hosts re-register periodically; silent hosts expire.</summary>
[Alias("live.ILiveHostRegistryGrain")]
public interface ILiveHostRegistryGrain : IGrainWithIntegerKey
{
    [Alias("register")]
    Task RegisterAsync(string hostId, ILiveHostObserver observer);

    [Alias("unregister")]
    Task UnregisterAsync(string hostId);

    [Alias("hosts")]
    Task<IReadOnlyList<ILiveHostObserver>> GetHostsAsync();

    [Alias("host-ids")]
    Task<IReadOnlyList<string>> GetHostIdsAsync();
}

/// <summary>
/// Where grains publish changes (key 0, a stateless worker on each silo, so publishing never crosses
/// the network to one hot grain). Batches, then fans out to every registered host.
/// </summary>
[Alias("live.ILiveNotifierGrain")]
public interface ILiveNotifierGrain : IGrainWithIntegerKey
{
    [OneWay]
    [Alias("publish")]
    Task PublishAsync(LiveMessage message);
}

/// <summary>The registered hosts as stored, so a registry that moves to another silo (its silo died) still knows them.</summary>
[GenerateSerializer]
[Alias("live.LiveHostRegistryState")]
public sealed class LiveHostRegistryState
{
    [Id(0)]
    public Dictionary<string, ILiveHostObserver> Hosts { get; set; } = new(StringComparer.Ordinal);
}

public sealed class LiveHostRegistryGrain(
    [PersistentState("hosts")] IPersistentState<LiveHostRegistryState> stored,
    TimeProvider clock) : Grain, ILiveHostRegistryGrain
{
    /// <summary>Three missed re-registrations and the host is presumed gone.</summary>
    internal static readonly TimeSpan Expiry = LiveHostService.RegistrationInterval * 3;

    private readonly Dictionary<string, (ILiveHostObserver Observer, DateTimeOffset SeenAt)> _hosts = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Hosts known before a move count as just seen: each re-registers within its interval or expires as usual.
        var now = clock.GetUtcNow();
        foreach (var (hostId, observer) in stored.State.Hosts)
        {
            _hosts[hostId] = (observer, now);
        }

        return Task.CompletedTask;
    }

    public async Task RegisterAsync(string hostId, ILiveHostObserver observer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        ArgumentNullException.ThrowIfNull(observer);
        var known = _hosts.ContainsKey(hostId);
        _hosts[hostId] = (observer, clock.GetUtcNow());

        // Written when the set of hosts changes (a host starts), not on every re-registration.
        if (!known)
        {
            await SaveAsync();
        }
    }

    public async Task UnregisterAsync(string hostId)
    {
        if (_hosts.Remove(hostId))
        {
            await SaveAsync();
        }
    }

    public Task<IReadOnlyList<ILiveHostObserver>> GetHostsAsync()
    {
        Expire();
        return Task.FromResult<IReadOnlyList<ILiveHostObserver>>([.. _hosts.Values.Select(h => h.Observer)]);
    }

    public Task<IReadOnlyList<string>> GetHostIdsAsync()
    {
        Expire();
        return Task.FromResult<IReadOnlyList<string>>([.. _hosts.Keys.Order(StringComparer.Ordinal)]);
    }

    private Task SaveAsync()
    {
        stored.State.Hosts = _hosts.ToDictionary(h => h.Key, h => h.Value.Observer, StringComparer.Ordinal);
        return stored.WriteStateAsync();
    }

    private void Expire()
    {
        var cutoff = clock.GetUtcNow() - Expiry;
        foreach (var stale in _hosts.Where(h => h.Value.SeenAt < cutoff).Select(h => h.Key).ToList())
        {
            _hosts.Remove(stale);
        }
    }
}

/// <summary>
/// Collects published changes and sends them on every <see cref="FlushInterval"/> or every
/// <see cref="MaxBatch"/> changes, whichever comes first, to every registered host.
/// One activation per silo keeps each grain's changes in order on their way out.
/// </summary>
[StatelessWorker(1)]
[Reentrant]
public sealed class LiveNotifierGrain(ILogger<LiveNotifierGrain> logger) : Grain, ILiveNotifierGrain
{
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(15);
    internal const int MaxBatch = 100;

    /// <summary>A new host is found within this long.</summary>
    internal static readonly TimeSpan HostListAge = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan HostListTimeout = TimeSpan.FromSeconds(2);

    private List<LiveMessage> _pending = [];
    private IReadOnlyList<ILiveHostObserver> _hosts = [];
    private DateTimeOffset _hostsFetchedAt = DateTimeOffset.MinValue;
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A steady tick rather than a one-shot timer re-armed per message: re-arming a grain timer from a
        // call that interleaves with its running callback can be undone when that callback completes.
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(FlushInterval, FlushInterval) { Interleave = true });
        return Task.CompletedTask;
    }

    /// <summary>Changes still waiting when the activation is collected go out first.</summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => FlushAsync(cancellationToken);

    public Task PublishAsync(LiveMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _pending.Add(message);
        return _pending.Count >= MaxBatch ? FlushAsync(CancellationToken.None) : Task.CompletedTask;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = _pending;
        _pending = [];
        var now = DateTimeOffset.UtcNow;
        if (now - _hostsFetchedAt > HostListAge || _hosts.Count == 0)
        {
            try
            {
                // Bounded, so a slow registry never holds up the tick (and with it every later change) for long.
                _hosts = await GrainFactory.GetGrain<ILiveHostRegistryGrain>(0).GetHostsAsync().WaitAsync(HostListTimeout, cancellationToken);
                _hostsFetchedAt = now;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Keep the last known hosts: a registry that is moving between silos must not stop the map.
                logger.LogWarning(ex, "Live host registry unavailable; using {Count} known hosts", _hosts.Count);
            }
        }

        foreach (var host in _hosts)
        {
            try
            {
                await host.ReceiveAsync(batch);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogDebug(ex, "A live host did not take a batch of {Count} changes", batch.Count);
            }
        }
    }
}
