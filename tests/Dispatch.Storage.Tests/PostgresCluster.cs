using System.Globalization;
using Dispatch.Testing;

namespace Dispatch.Storage.Tests;

/// <summary>
/// A throwaway PostgreSQL server for the class (<see cref="PostgresServer"/>: Debian's postgresql package, which
/// ./dispatch.sh test installs, run as an unprivileged user without durability). Each test takes a database of its own.
/// </summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync(TestContext.Current.CancellationToken);

    /// <summary>A new empty database; its connection string.</summary>
    public Task<string> NewDatabaseAsync() =>
        _server!.CreateDatabaseAsync(string.Create(CultureInfo.InvariantCulture, $"test_{Interlocked.Increment(ref _databases)}"), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
