using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Dispatch.Storage.Dialects;

namespace Dispatch.Storage;

/// <summary>
/// One database reached through one dialect: opens prepared connections, creates the tables once, queues this
/// process's writers when the database takes a single writer, and commits units of work (one transaction each, or
/// grouped). One instance per database per process (<see cref="For"/>), so grain state, incident records and the
/// journal on one SQLite file share one writer queue, one group commit and one set of counters.
/// </summary>
internal sealed class RelationalDatabase
{
    private static readonly ConcurrentDictionary<(RelationalDialect, string), RelationalDatabase> Shared = new();

    private readonly string _connectionString;
    private readonly SemaphoreSlim? _writeGate;
    private readonly Lock _schemaLock = new();
    private readonly Lazy<GroupCommit> _groupCommit;
    private Task? _schemaReady;

    private RelationalDatabase(RelationalDialect dialect, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Dialect = ISqlDialect.For(dialect);
        _connectionString = connectionString;
        _writeGate = Dialect.HasSingleWriter ? new SemaphoreSlim(1, 1) : null;
        _groupCommit = new Lazy<GroupCommit>(() => new GroupCommit(this));
    }

    /// <summary>The process's one instance for this database.</summary>
    public static RelationalDatabase For(RelationalDialect dialect, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return Shared.GetOrAdd((dialect, connectionString), key => new RelationalDatabase(key.Item1, key.Item2));
    }

    public ISqlDialect Dialect { get; }

    /// <summary>What this process committed to the database.</summary>
    public StorageStatistics Statistics { get; } = new();

    /// <summary>Creates the tables on first call; later calls share the result. A failed attempt is retried next time.</summary>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        Task schemaReady;
        lock (_schemaLock)
        {
            if (_schemaReady is null || _schemaReady.IsFaulted || _schemaReady.IsCanceled)
            {
                // Not tied to the first caller's token: one impatient caller must not fail the others.
                _schemaReady = CreateSchemaAsync(CancellationToken.None);
            }

            schemaReady = _schemaReady;
        }

        return schemaReady.IsCompletedSuccessfully ? schemaReady : schemaReady.WaitAsync(cancellationToken);
    }

    /// <summary>Opens a connection with the dialect's per-connection settings applied, after the schema exists.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        return await OpenUncheckedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for this process's turn to write; dispose the result to let the next writer in.</summary>
    public async ValueTask<WriteTurn> EnterWriteAsync(CancellationToken cancellationToken)
    {
        if (_writeGate is null)
        {
            return default;
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new WriteTurn(_writeGate);
    }

    /// <summary>
    /// Makes one unit of work durable and returns its result once committed. With <paramref name="grouped"/> on a
    /// single-writer database it joins the group commit (its own savepoint in a shared transaction); otherwise it gets
    /// a transaction of its own. <paramref name="kind"/> names the unit in the statistics ("incident", "grain-state:unit").
    /// </summary>
    public async Task<T> WriteAsync<T>(
        string kind, bool grouped, Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        T result;
        if (grouped && Dialect.HasSingleWriter)
        {
            result = await _groupCommit.Value.ExecuteAsync(work, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var turn = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            result = await work(connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Statistics.TransactionCommitted();
        }

        Statistics.UnitCommitted(kind);
        return result;
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenUncheckedAsync(cancellationToken).ConfigureAwait(false);
        await using var turn = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        if (Dialect.DatabaseSetupSql is { } setupSql)
        {
            await ExecuteAsync(connection, null, setupSql, cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, Dialect.SchemaSql, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<DbConnection> OpenUncheckedAsync(CancellationToken cancellationToken)
    {
        var connection = Dialect.CreateConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (Dialect.ConnectionSetupSql is { } setupSql)
            {
                await ExecuteAsync(connection, null, setupSql, cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Turn of one writer; the default value (no queue) releases nothing.</summary>
    public readonly struct WriteTurn(SemaphoreSlim? gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate?.Release();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// What a process committed to one database: transactions (each one a durable commit, an fsync on SQLite) and
/// units of work by kind (each a durable step: an incident's dispatch step, a unit's state, a journal append).
/// With group commit several units share one transaction.
/// </summary>
public sealed class StorageStatistics
{
    private readonly ConcurrentDictionary<string, long> _units = new(StringComparer.Ordinal);
    private long _transactions;

    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Units of work committed, by kind.</summary>
    public IReadOnlyDictionary<string, long> Units => _units.ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal);

    internal void TransactionCommitted() => Interlocked.Increment(ref _transactions);

    internal void UnitCommitted(string kind) => _units.AddOrUpdate(kind, 1, static (_, n) => n + 1);
}

/// <summary>Commands on an open connection, the same for every dialect; the host's archives use them too.</summary>
public static class DbCommands
{
    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a named parameter; <see cref="DbType"/> maps to each provider's column type (BLOB/BYTEA, INTEGER/BIGINT...).</summary>
    public static DbCommand With(this DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }
}
