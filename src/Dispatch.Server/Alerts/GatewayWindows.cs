using System.Collections.Concurrent;

namespace Dispatch.Server.Alerts;

/// <summary>
/// Alerts each gateway has sent and not yet had acknowledged, across all its streams on this host. Beyond its
/// window an alert is refused at once instead of being buffered, so a flooding gateway cannot grow memory.
/// </summary>
public sealed class GatewayWindows
{
    private readonly ConcurrentDictionary<string, Counter> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Takes a place in the gateway's window; false when <paramref name="window"/> alerts are already awaiting acks.</summary>
    public bool TryEnter(string gatewayId, int window)
    {
        var counter = _inFlight.GetOrAdd(gatewayId, _ => new Counter());
        while (true)
        {
            var current = Volatile.Read(ref counter.Value);
            if (current >= window)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter.Value, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Frees the place once the ack has been handed to the stream.</summary>
    public void Leave(string gatewayId)
    {
        if (_inFlight.TryGetValue(gatewayId, out var counter))
        {
            Interlocked.Decrement(ref counter.Value);
        }
    }

    public int InFlight(string gatewayId) => _inFlight.TryGetValue(gatewayId, out var counter) ? Volatile.Read(ref counter.Value) : 0;

    private sealed class Counter
    {
        public int Value;
    }
}
