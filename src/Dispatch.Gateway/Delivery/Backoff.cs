namespace Dispatch.Gateway.Delivery;

/// <summary>
/// Reconnect delays: doubling from <see cref="Initial"/> up to <see cref="Max"/>, each randomised
/// to between half and all of its nominal value, so a city's gateways restarted together do not
/// reconnect in lock-step.
/// </summary>
public sealed class Backoff(TimeSpan initial, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    public TimeSpan Initial { get; } = initial > TimeSpan.Zero ? initial : throw new ArgumentOutOfRangeException(nameof(initial), initial, "initial backoff must be positive");

    public TimeSpan Max { get; } = max >= initial ? max : throw new ArgumentOutOfRangeException(nameof(max), max, $"max backoff must be at least the initial {initial}");

    /// <summary>The nominal (un-jittered) delay before attempt number <paramref name="attempt"/> (0 = first retry).</summary>
    public TimeSpan Nominal(int attempt)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt, 0, 30));
        return TimeSpan.FromTicks((long)Math.Min(Max.Ticks, Initial.Ticks * factor));
    }

    /// <summary>The delay to wait before attempt number <paramref name="attempt"/>: half the nominal value plus up to another half at random.</summary>
    public TimeSpan Delay(int attempt)
    {
        var nominal = Nominal(attempt);
        return (nominal / 2) + (nominal / 2 * _random.NextDouble());
    }
}
