namespace Dispatch.Testing;

/// <summary>Waits (in real time) for something a host or its grains do asynchronously, e.g. dispatch after intake.</summary>
public static class Eventually
{
    /// <summary>Reads until <paramref name="done"/> holds, or fails after <paramref name="timeout"/> (15 s) with the last value.</summary>
    public static async Task<T> Get<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            T value;
            try
            {
                value = await read();
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                // A grain busy for a long time on an overloaded machine: ask again.
                continue;
            }

            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}; last value: {value}");
            }

            await Task.Delay(20);
        }
    }
}
