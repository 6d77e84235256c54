using System.Data.Common;
using System.Threading.Channels;

namespace Dispatch.Storage;

/// <summary>
/// Group commit for a single-writer database: writes that arrive while a commit is under way wait and then go
/// together, each in its own savepoint, in one transaction, so a burst of grain writes costs one commit (one
/// fsync) instead of one each. Every write still sees its own result (a refused ETag, an error) and is
/// acknowledged only once the transaction that holds it has committed.
/// </summary>
internal sealed class GroupCommit(RelationalDatabase database)
{
    /// <summary>Bounds one transaction, so a commit never waits on an unbounded batch.</summary>
    public const int MaxBatch = 256;

    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private int _draining;

    /// <summary>Runs <paramref name="sql"/> (bound by <paramref name="bind"/>) in the next group; its scalar result once committed.</summary>
    public Task<object?> ExecuteScalarAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        var write = new PendingWrite(sql, bind, cancellationToken);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new InvalidOperationException("the write queue is closed");
        }

        StartDrainingIfIdle();
        return write.Done.Task;
    }

    private void StartDrainingIfIdle()
    {
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync);
        }
    }

    /// <summary>Commits groups until the queue is empty, then stops; the next write starts it again.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (true)
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Done.TrySetCanceled(write.CancellationToken);
                }
                else
                {
                    batch.Add(write);
                }
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch).ConfigureAwait(false);
                batch.Clear();
                continue;
            }

            Volatile.Write(ref _draining, 0);

            // A write queued after the last read but before the flag dropped found us still draining: take it.
            if (!_queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        var results = new object?[batch.Count];
        var failed = new Exception?[batch.Count];
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using var turn = await database.EnterWriteAsync(CancellationToken.None).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                // A savepoint per write: one write's error undoes that write alone.
                await transaction.SaveAsync("w", CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await using var command = RelationalDatabase.Command(connection, batch[i].Sql, transaction);
                    batch[i].Bind(command);
                    results[i] = await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
                    await transaction.ReleaseAsync("w", CancellationToken.None).ConfigureAwait(false);
                }
                catch (DbException exception)
                {
                    failed[i] = exception;
                    await transaction.RollbackAsync("w", CancellationToken.None).ConfigureAwait(false);
                    await transaction.ReleaseAsync("w", CancellationToken.None).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Nothing of the group is committed: every write in it fails with the reason.
            foreach (var write in batch)
            {
                write.Done.TrySetException(exception);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (failed[i] is { } error)
            {
                batch[i].Done.TrySetException(error);
            }
            else
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
    }

    private sealed record PendingWrite(string Sql, Action<DbCommand> Bind, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
