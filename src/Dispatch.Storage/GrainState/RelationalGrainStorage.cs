using System.Data;
using System.Data.Common;
using Dispatch.Storage.Dialects;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Dispatch.Storage.GrainState;

/// <summary>
/// Grain storage in one relational table, <c>grain_state</c>, keyed by (state name, grain id).
/// The ETag is the row's version number as text. Clearing keeps a tombstone row (payload NULL) and
/// bumps its version, so a writer holding an ETag from before the clear is refused, and the next
/// first write revives the row.
/// </summary>
public sealed class RelationalGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly string _name;
    private readonly RelationalDatabase _database;
    private readonly bool _groupCommit;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activatorProvider;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RelationalGrainStorage> _logger;

    public RelationalGrainStorage(
        string name,
        RelationalStorageOptions options,
        IActivatorProvider activatorProvider,
        ILogger<RelationalGrainStorage> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        RelationalOptionsRules.ThrowIfInvalid(options, RelationalOptionsRules.GrainStorageSubject(name));
        _name = name;
        _database = RelationalDatabase.For(options.Dialect, options.ConnectionString!);
        _groupCommit = options.GroupCommit;
        _serializer = options.GrainStorageSerializer;
        _activatorProvider = activatorProvider;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table now (it is otherwise created at first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.EnsureSchemaAsync(cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe($"{nameof(RelationalGrainStorage)}-{_name}", ServiceLifecycleStage.ApplicationServices, InitializeAsync);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var stored = await ReadRowAsync(connection, stateName, grainId, cancellationToken).ConfigureAwait(false);
        if (stored is { Payload: { } payload })
        {
            grainState.State = Deserialize<T>(payload, stateName, grainId);
            grainState.ETag = FormatETag(stored.Value.Version);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = _activatorProvider.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var expectedVersion = ParseETag(grainState.ETag, stateName, grainId);
        var sql = expectedVersion is null ? RelationalSql.InsertState : RelationalSql.UpdateState;
        var updatedAt = _timeProvider.GetUtcNow();
        void Bind(DbCommand command)
        {
            if (expectedVersion is not null)
            {
                command.With("@version", expectedVersion.Value, DbType.Int64);
            }

            command
                .With("@state_name", stateName, DbType.String)
                .With("@grain_id", grainId.ToString(), DbType.String)
                .With("@payload", payload, DbType.Binary)
                .With("@updated_at", updatedAt, DbType.DateTimeOffset);
        }

        var newVersion = ToVersion(await ExecuteWriteAsync(stateName, sql, Bind, cancellationToken).ConfigureAwait(false));
        if (newVersion is null)
        {
            throw await ConflictAsync("write", stateName, grainId, grainState.ETag, cancellationToken).ConfigureAwait(false);
        }

        grainState.ETag = FormatETag(newVersion.Value);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var expectedVersion = ParseETag(grainState.ETag, stateName, grainId);
        if (expectedVersion is null)
        {
            // Nothing was ever read or written by this caller: fine only if there is indeed nothing stored.
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            var stored = await ReadRowAsync(connection, stateName, grainId, cancellationToken).ConfigureAwait(false);
            if (stored is { Payload: not null })
            {
                throw Conflict("clear", stateName, grainId, FormatETag(stored.Value.Version), null);
            }
        }
        else
        {
            var updatedAt = _timeProvider.GetUtcNow();
            var newVersion = ToVersion(await ExecuteWriteAsync(
                stateName,
                RelationalSql.ClearState,
                command => command
                    .With("@state_name", stateName, DbType.String)
                    .With("@grain_id", grainId.ToString(), DbType.String)
                    .With("@version", expectedVersion.Value, DbType.Int64)
                    .With("@updated_at", updatedAt, DbType.DateTimeOffset),
                cancellationToken).ConfigureAwait(false));
            if (newVersion is null)
            {
                throw await ConflictAsync("clear", stateName, grainId, grainState.ETag, cancellationToken).ConfigureAwait(false);
            }
        }

        grainState.State = _activatorProvider.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>One conditional write: through the group commit where the database takes one writer, else on its own.</summary>
    private Task<object?> ExecuteWriteAsync(string stateName, string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        _database.WriteAsync<object?>(
            "grain-state:" + stateName,
            _groupCommit,
            async (connection, transaction, token) =>
            {
                await using var command = DbCommands.Command(connection, sql, transaction);
                bind(command);
                return await command.ExecuteScalarAsync(token).ConfigureAwait(false);
            },
            cancellationToken);

    private static async Task<(long Version, byte[]? Payload)?> ReadRowAsync(
        DbConnection connection, string stateName, GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = DbCommands.Command(connection, RelationalSql.SelectState)
            .With("@state_name", stateName, DbType.String)
            .With("@grain_id", grainId.ToString(), DbType.String);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var version = reader.GetInt64(0);
        var payload = await reader.IsDBNullAsync(1, cancellationToken).ConfigureAwait(false) ? null : reader.GetFieldValue<byte[]>(1);
        return (version, payload);
    }

    private async Task<InconsistentStateException> ConflictAsync(
        string operation, string stateName, GrainId grainId, string? expectedETag, CancellationToken cancellationToken)
    {
        // Read after the refusal only to explain it; the row may move on again meanwhile.
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var stored = await ReadRowAsync(connection, stateName, grainId, cancellationToken).ConfigureAwait(false);
        var storedETag = stored is { Payload: not null } ? FormatETag(stored.Value.Version) : null;
        return Conflict(operation, stateName, grainId, storedETag, expectedETag);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? storedETag, string? currentETag)
    {
        _logger.LogDebug(
            "Refused {Operation} of state {StateName} of {GrainId} in {Provider}: stored ETag {StoredETag}, caller's ETag {CurrentETag}",
            operation, stateName, grainId, _name, storedETag ?? "none", currentETag ?? "none");
        return new InconsistentStateException(
            $"Relational grain storage '{_name}' refused to {operation} state '{stateName}' of {grainId}: " +
            $"stored ETag is {storedETag ?? "none"}, the caller holds {currentETag ?? "none"}.",
            storedETag ?? string.Empty,
            currentETag ?? string.Empty);
    }

    private T Deserialize<T>(byte[] payload, string stateName, GrainId grainId)
    {
        try
        {
            return _serializer.Deserialize<T>(new BinaryData(payload)) ?? _activatorProvider.GetActivator<T>().Create();
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException(
                $"Relational grain storage '{_name}' could not read state '{stateName}' of {grainId} as {typeof(T).FullName}.", exception);
        }
    }

    private static long? ToVersion(object? scalar) => scalar is null or DBNull ? null : Convert.ToInt64(scalar, System.Globalization.CultureInfo.InvariantCulture);

    private static string FormatETag(long version) => version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private long? ParseETag(string? etag, string stateName, GrainId grainId)
    {
        if (etag is null)
        {
            return null;
        }

        return long.TryParse(etag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new InconsistentStateException(
                $"Relational grain storage '{_name}': ETag '{etag}' of state '{stateName}' of {grainId} is not a version number.",
                string.Empty,
                etag);
    }
}
