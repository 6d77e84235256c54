using System.Data.Common;
using System.Threading.Channels;

namespace Dispatch.Storage;

/// <summary>
/// Group commit for a single-writer database: units of work that arrive while a commit is under way wait and then
/// go together, each in its own savepoint, in one transaction, so a burst of writes costs one commit (one fsync)
/// instead of one each. Every unit still sees its own result (a refused version, a constraint, an error) and is
/// acknowledged only once the transaction that holds it has committed. One instance per database file, shared by
/// everything that writes to it (grain state, incident records, the journal).
/// </summary>
internal sealed class GroupCommit(RelationalDatabase database)
{
    /// <summary>Bounds one transaction, so a commit never waits on an unbounded batch.</summary>
    public const int MaxBatch = 256;

    private readonly Channel<PendingWork> _queue = Channel.CreateUnbounded<PendingWork>(new UnboundedChannelOptions { SingleReader = true });
    private int _draining;

    /// <summary>Runs <paramref name="work"/> in the next group, in its own savepoint; its result once the group has committed.</summary>
    public async Task<T> ExecuteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var pending = new PendingWork(async (connection, transaction, token) => await work(connection, transaction, token).ConfigureAwait(false), cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("the write queue is closed");
        }

        StartDrainingIfIdle();
        return (T)(await pending.Done.Task.ConfigureAwait(false))!;
    }

    private void StartDrainingIfIdle()
    {
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainAsync);
        }
    }

    /// <summary>Commits groups until the queue is empty, then stops; the next unit starts it again.</summary>
    private async Task DrainAsync()
    {
        var batch = new List<PendingWork>(MaxBatch);
        while (true)
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var work))
            {
                if (work.CancellationToken.IsCancellationRequested)
                {
                    work.Done.TrySetCanceled(work.CancellationToken);
                }
                else
                {
                    batch.Add(work);
                }
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch).ConfigureAwait(false);
                batch.Clear();
                continue;
            }

            Volatile.Write(ref _draining, 0);

            // A unit queued after the last read but before the flag dropped found us still draining: take it.
            if (!_queue.Reader.TryPeek(out _) || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    private async Task CommitAsync(List<PendingWork> batch)
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
                // A savepoint per unit: one unit's refusal or error undoes that unit alone.
                await transaction.SaveAsync("w", CancellationToken.None).ConfigureAwait(false);
                try
                {
                    results[i] = await batch[i].Work(connection, transaction, CancellationToken.None).ConfigureAwait(false);
                    await transaction.ReleaseAsync("w", CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is DbException or Dispatch.Abstractions.Records.RecordRefusedException)
                {
                    failed[i] = exception;
                    await transaction.RollbackAsync("w", CancellationToken.None).ConfigureAwait(false);
                    await transaction.ReleaseAsync("w", CancellationToken.None).ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            database.Statistics.TransactionCommitted();
        }
        catch (Exception exception)
        {
            // Nothing of the group is committed: every unit in it fails with the reason.
            foreach (var work in batch)
            {
                work.Done.TrySetException(exception);
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

    private sealed record PendingWork(Func<DbConnection, DbTransaction, CancellationToken, Task<object?>> Work, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
