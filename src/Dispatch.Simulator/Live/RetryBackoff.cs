using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Simulator.Live;

/// <summary>
/// Exponential backoff with jitter between attempts to reach the host: 0.5 s, 1 s, 2 s ... up to a cap, each
/// spread by ±20 % so many terminals that lost the host together do not come back in one burst. Also the
/// SignalR reconnect policy: it never gives up, a terminal keeps trying until the run ends.
/// </summary>
public sealed class RetryBackoff(TimeSpan max, Random random) : IRetryPolicy
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(500);

    private readonly Lock _lock = new();

    public TimeSpan Max { get; } = max > First ? max : First;

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (attempt 0 is the first retry).</summary>
    public TimeSpan Delay(int attempt)
    {
        var exponent = Math.Min(Math.Max(0, attempt), 16);
        var seconds = Math.Min(Max.TotalSeconds, First.TotalSeconds * Math.Pow(2, exponent));
        double jitter;
        lock (_lock)
        {
            jitter = 0.8 + (0.4 * random.NextDouble());
        }

        return TimeSpan.FromSeconds(Math.Min(Max.TotalSeconds, seconds * jitter));
    }

    public TimeSpan? NextRetryDelay(RetryContext retryContext) => Delay((int)Math.Min(int.MaxValue, retryContext.PreviousRetryCount));
}
