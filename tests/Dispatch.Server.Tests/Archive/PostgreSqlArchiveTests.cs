using System.Globalization;
using Dispatch.Server.Alerts;
using Dispatch.Server.Archive;
using Dispatch.Server.Live;
using Dispatch.Server.Video;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Archive;

/// <summary>A throwaway PostgreSQL server for the class (<see cref="PostgresServer"/>); each test takes a database of its own.</summary>
public sealed class ArchivePostgres : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync(TestContext.Current.CancellationToken);

    public Task<string> NewDatabaseAsync() =>
        _server!.CreateDatabaseAsync(string.Create(CultureInfo.InvariantCulture, $"archive_{Interlocked.Increment(ref _databases)}"), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// The contract on the cluster's PostgreSQL, plus what only a shared database has: several hosts creating the tables and
/// writing at once, and the database going away and coming back.
/// </summary>
public sealed class PostgreSqlArchiveTests(ArchivePostgres postgres) : ArchiveContract, IClassFixture<ArchivePostgres>
{
    private string? _connectionString;

    protected override async Task<ArchiveDatabase> DatabaseAsync(bool fullSync)
    {
        // The archive and the audit share the cluster's database, as in cluster mode.
        _connectionString ??= await postgres.NewDatabaseAsync();
        return ArchiveDatabase.PostgreSql(_connectionString);
    }

    [Fact]
    public async Task Two_hosts_starting_together_create_the_tables_once_and_each_reads_the_alerts_clips_and_views_the_other_wrote()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        await using var hostA = new AlertArchive(ArchiveDatabase.PostgreSql(connectionString));
        await using var hostB = new AlertArchive(ArchiveDatabase.PostgreSql(connectionString));
        var auditA = new VideoAudit(ArchiveDatabase.PostgreSql(connectionString));
        var auditB = new VideoAudit(ArchiveDatabase.PostgreSql(connectionString));

        // Every first call at once: four schema creations race on an empty database.
        const int PerHost = 120;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var saves = Enumerable.Range(0, PerHost).SelectMany(i => new[]
        {
            hostA.SaveAsync(Alert($"a-{i:000}", observedAt: At.AddSeconds(i)), i % 10 == 0 ? Snapshots((byte)i) : NoSnapshots, Token),
            hostB.SaveAsync(Alert($"b-{i:000}", observedAt: At.AddSeconds(i).AddMilliseconds(500)), NoSnapshots, Token),
        }).ToList();
        var views = new[]
        {
            auditA.StartAsync(VideoAuditKinds.Live, "t-operator", null, "cam-1", null, At, null),
            auditB.StartAsync(VideoAuditKinds.Clip, "t-supervisor", null, "cam-2", "a-000", At.AddSeconds(1), null),
        };
        // The same alert through both hosts at once (a gateway re-sending after a failover): one row, no error.
        saves.Add(hostA.SaveAsync(Alert("both", incidentId: "INC-A"), Snapshots(90), Token));
        saves.Add(hostB.SaveAsync(Alert("both", incidentId: "INC-A"), Snapshots(90), Token));
        await Task.WhenAll(saves);
        var ids = await Task.WhenAll(views);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{saves.Count} alerts ({PerHost / 10 + 2} with three snapshots) through two hosts on an empty database, tables created on the way: {started.Elapsed.TotalMilliseconds:F0} ms"));

        var listedOnA = await hostA.ForIncidentAsync("INC-1", Token);
        Assert.Equal(2 * PerHost, listedOnA.Count);
        Assert.Equal(listedOnA.OrderBy(a => a.ObservedAt).ThenBy(a => a.AlertId, StringComparer.Ordinal).Select(a => a.AlertId), listedOnA.Select(a => a.AlertId));
        Assert.Equal(listedOnA.Select(a => a.AlertId), (await hostB.ForIncidentAsync("INC-1", Token)).Select(a => a.AlertId));
        Assert.Equal(Snapshots(10)[SnapshotVariant.Annotated], await hostB.SnapshotAsync("gw-1", "a-010", SnapshotVariant.Annotated, Token));
        Assert.Equal("both", Assert.Single(await hostB.ForIncidentAsync("INC-A", Token)).AlertId);

        var clip = new ArchivedClip("gw-1", "b-001", "cam-7", "video/webm", At, At.AddSeconds(8), 320, 180, 80, 0, At.AddSeconds(10));
        Assert.True(await hostB.SaveClipAsync(clip, Bytes(4096, 5), Token));
        Assert.False(await hostA.SaveClipAsync(clip, Bytes(4096, 6), Token));
        Assert.Equal(Bytes(4096, 5), await hostA.ClipBytesAsync("gw-1", "b-001", Token));
        await hostA.DecideAsync("gw-1", "b-001", AlertState.Dismissed, null, "seen on host A", "t-operator");
        Assert.Equal("seen on host A", (await hostB.DecisionAsync("gw-1", "b-001", Token))!.Reason);

        Assert.True(await auditA.EndAsync(ids[1], At.AddSeconds(20), 19));
        var listedOnB = await auditB.QueryAsync(new VideoAuditQuery(null, null, null, null, null, 10), Token);
        Assert.Equal([ids[1], ids[0]], listedOnB.Select(e => e.Id));
        Assert.Equal(19, listedOnB[0].Seconds);
    }

    [Fact]
    public async Task While_PostgreSQL_is_down_reads_fail_as_unavailable_a_batch_is_tried_again_and_lands_once_it_is_back()
    {
        // Durable: an immediate stop of a server without fsync may lose what was committed just before it.
        await using var server = await PostgresServer.StartAsync(Token, durable: true);
        var connectionString = await server.CreateDatabaseAsync("archive", Token);
        await using var archive = new AlertArchive(ArchiveDatabase.PostgreSql(connectionString), retryFor: TimeSpan.FromSeconds(60));
        await using var impatient = new AlertArchive(ArchiveDatabase.PostgreSql(connectionString), retryFor: TimeSpan.Zero);
        var audit = new VideoAudit(ArchiveDatabase.PostgreSql(connectionString));
        await archive.SaveAsync(Alert("before"), Snapshots(1), Token);
        var view = await audit.StartAsync(VideoAuditKinds.Live, "t-operator", null, "cam-1", null, At, null);

        await server.StopAsync(Token);
        var read = await Assert.ThrowsAnyAsync<Exception>(() => archive.FindAsync("before", null, Token));
        Assert.True(ArchiveDatabase.IsUnavailable(read), read.ToString());
        var auditRead = await Assert.ThrowsAnyAsync<Exception>(() => audit.QueryAsync(new VideoAuditQuery(null, null, null, null, null, 10), Token));
        Assert.True(ArchiveDatabase.IsUnavailable(auditRead), auditRead.ToString());
        var lost = await Assert.ThrowsAnyAsync<Exception>(() => impatient.SaveAsync(Alert("refused"), NoSnapshots, Token));
        Assert.True(ArchiveDatabase.IsUnavailable(lost), lost.ToString());

        var saving = archive.SaveAsync(Alert("during"), Snapshots(2), Token);
        await Task.Delay(TimeSpan.FromSeconds(1), Token);
        Assert.False(saving.IsCompleted, "the save should wait for PostgreSQL, not fail or pretend");
        await server.StartAgainAsync(Token);
        await saving.WaitAsync(TimeSpan.FromSeconds(60), Token);

        Assert.Equal(Snapshots(2)[SnapshotVariant.Original], await archive.SnapshotAsync("gw-1", "during", SnapshotVariant.Original, Token));
        Assert.NotNull(await impatient.FindAsync("before", null, Token));
        Assert.Null(await impatient.FindAsync("refused", null, Token));
        Assert.True(await audit.EndAsync(view, At.AddSeconds(5), 5));
    }
}
