using Dispatch.Grains.Hosting;
using Dispatch.Grains.Units;
using Dispatch.Storage.GrainState;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Dispatch.Storage.Tests;

/// <summary>
/// Rows stored before the binary state format (Orleans' JSON grain storage serializer, Newtonsoft with type names)
/// stay readable by <see cref="DispatchStateSerializer"/> and are rewritten in the binary format at their next write.
/// </summary>
public sealed class StateFormatMigrationTests : IDisposable
{
    private const string StateName = "unit";

    private readonly SqliteFile _file = new();
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(PatrolUnitState).Assembly))
        .BuildServiceProvider();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _services.Dispose();
        _file.Dispose();
    }

    private static JsonGrainStorageSerializer Json() => new(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions())));

    private RelationalGrainStorage Storage(IGrainStorageSerializer serializer) => new(
        "test",
        new RelationalStorageOptions { Dialect = RelationalDialect.Sqlite, ConnectionString = _file.ConnectionString, GrainStorageSerializer = serializer },
        _services.GetRequiredService<IActivatorProvider>(),
        NullLogger<RelationalGrainStorage>.Instance);

    private DispatchStateSerializer Binary(IGrainStorageSerializer? legacy) => new(_services.GetRequiredService<Serializer>(), legacy);

    private async Task<byte[]> StoredBytesAsync(GrainId grain)
    {
        await using var connection = new SqliteConnection(_file.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM grain_state WHERE grain_id = $id";
        command.Parameters.AddWithValue("$id", grain.ToString());
        return (byte[])(await command.ExecuteScalarAsync(Cancel))!;
    }

    [Fact]
    public async Task A_json_row_from_before_is_read_and_rewritten_in_the_binary_format_at_its_next_write()
    {
        var grain = GrainId.Create("patrolunit", "U-0042");
        var before = new GrainState<PatrolUnitState>(new PatrolUnitState
        {
            Registered = true, CallSign = "Lixia 42", HomeStationId = "ST-03", Status = Dispatch.Domain.Units.UnitStatus.OutOfService,
            Latitude = 36.65, Longitude = 117.12, OutOfServiceReason = "vehicle repair (officer:li)", RecentActionIds = ["oos-1"],
        });
        await Storage(Json()).WriteStateAsync(StateName, grain, before, Cancel);
        Assert.Equal((byte)'{', (await StoredBytesAsync(grain))[0]);

        var storage = Storage(Binary(Json()));
        var read = new GrainState<PatrolUnitState>();
        await storage.ReadStateAsync(StateName, grain, read, Cancel);

        Assert.True(read.RecordExists);
        Assert.Equal("Lixia 42", read.State!.CallSign);
        Assert.Equal(Dispatch.Domain.Units.UnitStatus.OutOfService, read.State.Status);
        Assert.Equal("vehicle repair (officer:li)", read.State.OutOfServiceReason);
        Assert.Equal(["oos-1"], read.State.RecentActionIds);

        read.State!.OutOfServiceReason = null;
        await storage.WriteStateAsync(StateName, grain, read, Cancel);
        Assert.Equal(DispatchStateSerializer.BinaryMarker, (await StoredBytesAsync(grain))[0]);
        var again = new GrainState<PatrolUnitState>();
        await Storage(Binary(legacy: null)).ReadStateAsync(StateName, grain, again, Cancel);
        Assert.Equal("Lixia 42", again.State!.CallSign);
        Assert.Null(again.State.OutOfServiceReason);
    }

    [Fact]
    public async Task A_json_row_without_a_json_reader_is_refused_naming_the_state_not_read_as_garbage()
    {
        var grain = GrainId.Create("patrolunit", "U-0043");
        await Storage(Json()).WriteStateAsync(StateName, grain, new GrainState<PatrolUnitState>(new PatrolUnitState { CallSign = "x" }), Cancel);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Storage(Binary(legacy: null)).ReadStateAsync(StateName, grain, new GrainState<PatrolUnitState>(), Cancel));

        Assert.Contains("PatrolUnitState", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("binary format", error.ToString(), StringComparison.Ordinal);
    }
}
