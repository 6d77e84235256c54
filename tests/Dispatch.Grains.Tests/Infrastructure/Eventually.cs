namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>Waits (in real time) for something the grains do asynchronously, e.g. dispatch after intake.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        var value = await read();
        while (!done(value))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}; last value: {value}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
            value = await read();
        }

        return value;
    }
}
