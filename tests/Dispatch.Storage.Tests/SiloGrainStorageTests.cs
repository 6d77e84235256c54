using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Dispatch.Storage.Tests;

/// <summary>The provider as grains meet it: registered on a real in-process silo.</summary>
public sealed class SiloGrainStorageTests : IDisposable
{
    private static readonly DateTimeOffset VisitAt = new(2026, 11, 23, 9, 45, 0, TimeSpan.FromHours(8));

    private readonly SqliteFile _file = new();

    public void Dispose() => _file.Dispose();

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo
            .AddRelationalGrainStorage(PatrolLogGrain.StorageName, options =>
            {
                options.Dialect = RelationalDialect.Sqlite;
                options.ConnectionString = _file.ConnectionString;
            })
            .AddRelationalGrainStorageAsDefault(options => options.ConnectionString = _file.ConnectionString));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    [Fact]
    public async Task Grain_state_written_through_the_silo_is_read_back_after_reactivation()
    {
        await using var cluster = await StartClusterAsync();
        var grain = cluster.Client.GetGrain<IPatrolLogGrain>("unit-7");
        await grain.Visit("station-3", VisitAt);
        await grain.Visit("school-gate-12", VisitAt.AddMinutes(4));

        await cluster.DeactivateAsync(grain);
        var log = await grain.Get();

        Assert.True(await grain.RecordExists());
        Assert.Equal("unit-7", log.UnitId);
        Assert.Equal(["station-3", "school-gate-12"], log.Stops);
        Assert.Equal(VisitAt.AddMinutes(4), log.LastVisitAt);
    }

    [Fact]
    public async Task Grain_state_survives_a_restart_of_the_cluster_on_the_same_file()
    {
        await using (var first = await StartClusterAsync())
        {
            await first.Client.GetGrain<IPatrolLogGrain>("unit-7").Visit("station-3", VisitAt);
            await first.Client.GetGrain<IDefaultStoredPatrolLogGrain>("unit-8").Visit("square-1", VisitAt);
            await first.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }

        await using var second = await StartClusterAsync();
        var named = await second.Client.GetGrain<IPatrolLogGrain>("unit-7").Get();
        var byDefault = await second.Client.GetGrain<IDefaultStoredPatrolLogGrain>("unit-8").Get();

        Assert.Equal(["station-3"], named.Stops);
        Assert.Equal(["square-1"], byDefault.Stops);
    }

    [Fact]
    public async Task Many_grains_writing_at_once_through_the_silo_all_keep_their_state()
    {
        await using var cluster = await StartClusterAsync();
        var units = Enumerable.Range(0, 25).Select(i => $"unit-{i}").ToList();

        await Task.WhenAll(units.Select(async unit =>
        {
            var grain = cluster.Client.GetGrain<IPatrolLogGrain>(unit);
            await grain.Visit("a", VisitAt);
            await grain.Visit("b", VisitAt);
        }));
        await Task.WhenAll(units.Select(unit => cluster.DeactivateAsync(cluster.Client.GetGrain<IPatrolLogGrain>(unit))));

        foreach (var unit in units)
        {
            Assert.Equal(["a", "b"], (await cluster.Client.GetGrain<IPatrolLogGrain>(unit).Get()).Stops);
        }
    }

    [Fact]
    public async Task A_grain_never_written_has_no_record()
    {
        await using var cluster = await StartClusterAsync();

        var grain = cluster.Client.GetGrain<IPatrolLogGrain>("unit-never-seen");

        Assert.False(await grain.RecordExists());
        Assert.Empty((await grain.Get()).Stops);
    }

    [Fact]
    public async Task Missing_connection_string_stops_silo_start_naming_the_provider_and_the_option()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering()
            .AddRelationalGrainStorage("incidents", options => options.Dialect = RelationalDialect.Sqlite));
        using var host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("'incidents'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(RelationalStorageOptions.ConnectionString), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_validates_only_its_own_provider_name()
    {
        var services = new ServiceCollection();
        services.AddRelationalGrainStorage("complete", options => options.ConnectionString = _file.ConnectionString);
        services.AddRelationalGrainStorage("empty", _ => { });
        services.AddSerializer();
        services.AddSingleton<IGrainStorageSerializer>(provider => new OrleansGrainStorageSerializer(provider.GetRequiredService<Serializer>()));
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<RelationalStorageOptions>>();

        var complete = monitor.Get("complete");
        var failure = Assert.Throws<OptionsValidationException>(() => monitor.Get("empty"));

        Assert.NotNull(complete.GrainStorageSerializer);
        Assert.Contains("'empty'", failure.Message, StringComparison.Ordinal);
    }
}
