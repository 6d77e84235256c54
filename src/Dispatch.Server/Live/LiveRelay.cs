namespace Dispatch.Server.Live;

/// <summary>
/// A change that is not the live board's but travels the same way, so pages on every host get it live: the notifier
/// fans it out, each host's observer hands it to <see cref="LiveRelay"/>, and the feature that made it pushes it to its
/// own hub's clients there. The host it came from pushed it already and passes over its own.
/// </summary>
[GenerateSerializer]
[Alias("live.relayed")]
public abstract record RelayedMessage([property: Id(0)] string OriginHostId) : LiveMessage(0)
{
    public override string EntityKey => "";
}

/// <summary>Where relayed changes arrive on this host; features subscribe to <see cref="Received"/>.</summary>
public sealed partial class LiveRelay(ILogger<LiveRelay> logger)
{
    /// <summary>This host as the origin of what it relays: unique per process and start.</summary>
    public string HostId { get; } = Guid.NewGuid().ToString("N");

    public event Action<RelayedMessage>? Received;

    /// <summary>Hands another host's changes to the subscribers; this host's own are passed over.</summary>
    public void Deliver(IEnumerable<RelayedMessage> messages)
    {
        foreach (var message in messages)
        {
            if (message.OriginHostId == HostId)
            {
                continue;
            }

            try
            {
                Received?.Invoke(message);
            }
            catch (Exception ex)
            {
                // One feature's failure must not keep the rest of the batch from the others.
                LogDeliveryFailed(logger, message.GetType().Name, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A relayed {Kind} could not be pushed on this host")]
    private static partial void LogDeliveryFailed(ILogger logger, string kind, Exception exception);
}
