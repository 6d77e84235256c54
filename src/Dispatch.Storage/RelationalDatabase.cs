using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Dispatch.Storage.Dialects;

namespace Dispatch.Storage;

/// <summary>
/// One database reached through one dialect: opens prepared connections, creates the tables once,
/// and queues this process's writers when the database takes a single writer.
/// </summary>
internal sealed class RelationalDatabase
{
    // Keyed by connection string so grain storage and journal on the same SQLite file share one queue.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly SemaphoreSlim? _writeGate;
    private readonly Lock _schemaLock = new();
    private Task? _schemaReady;

    public RelationalDatabase(RelationalDialect dialect, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Dialect = ISqlDialect.For(dialect);
        _connectionString = connectionString;
        _writeGate = Dialect.HasSingleWriter ? WriteGates.GetOrAdd(connectionString, _ => new SemaphoreSlim(1, 1)) : null;
    }

    public ISqlDialect Dialect { get; }

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

    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
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

internal static class DbCommandExtensions
{
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
