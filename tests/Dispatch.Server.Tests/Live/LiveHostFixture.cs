namespace Dispatch.Server.Tests.Live;

/// <summary>
/// One real host (Kestrel on loopback, websockets) for a whole test class: starting the host and its silo is the
/// slow part. Tests of a class share it, so each test uses its own units, alerts and incidents.
/// </summary>
public sealed class LiveHostFixture : IAsyncLifetime
{
    public LiveCluster Cluster { get; } = new();

    public LiveTestHost Host { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Host = LiveTestHost.StartPrimary(Cluster);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Cluster.Dispose();
    }
}
