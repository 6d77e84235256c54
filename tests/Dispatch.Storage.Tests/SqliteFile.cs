using Microsoft.Data.Sqlite;

namespace Dispatch.Storage.Tests;

/// <summary>A SQLite database file in its own temporary directory, deleted on dispose.</summary>
public sealed class SqliteFile : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "dispatch-storage-tests", Guid.NewGuid().ToString("N"));

    public SqliteFile()
    {
        Directory.CreateDirectory(_directory);
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "dispatch.db") }.ToString();
    }

    public string ConnectionString { get; }

    public void Dispose()
    {
        // Pooled connections keep the file (and its -wal, -shm) open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
