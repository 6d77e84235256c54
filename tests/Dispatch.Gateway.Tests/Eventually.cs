namespace Dispatch.Gateway.Tests;

internal static class Eventually
{
    /// <summary>Polls until the condition holds; fails with the message after the timeout.</summary>
    public static async Task True(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail(failure());
            }

            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
