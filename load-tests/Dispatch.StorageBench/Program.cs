using System.Diagnostics;
using System.Globalization;
using Dispatch.Storage;
using Dispatch.Storage.GrainState;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

// W grains write their state N times each, every grain waiting for its own write as a grain does, on a fresh
// SQLite file per mode; the same run measures one transaction per write and the group commit.
// With "serializers": the incident state written and read back by each candidate state serializer instead.
if (args.Contains("serializers"))
{
    Dispatch.StorageBench.SerializerBench.Run(Option("--rounds", 50_000));
    return;
}

var writers = Option("--writers", 64);
var writes = Option("--writes", 40);
var payloadBytes = Option("--payload", 2048);
var directory = Directory.CreateTempSubdirectory("dispatch-storage-bench-");
using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
try
{
    var single = await RunAsync(groupCommit: false);
    var grouped = await RunAsync(groupCommit: true);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"group_commit_throughput_ratio={grouped.WritesPerSecond / single.WritesPerSecond:F2} group_commit_p99_ratio={grouped.P99Ms / single.P99Ms:F2}"));
}
finally
{
    SqliteConnection.ClearAllPools();
    directory.Delete(recursive: true);
}

async Task<(double WritesPerSecond, double P99Ms)> RunAsync(bool groupCommit)
{
    var file = Path.Combine(directory.FullName, groupCommit ? "grouped.db" : "single.db");
    var storage = new RelationalGrainStorage(
        "bench",
        new RelationalStorageOptions
        {
            Dialect = RelationalDialect.Sqlite,
            ConnectionString = new SqliteConnectionStringBuilder { DataSource = file }.ToString(),
            GrainStorageSerializer = new RawBytes(),
            GroupCommit = groupCommit,
        },
        services.GetRequiredService<IActivatorProvider>(),
        NullLogger<RelationalGrainStorage>.Instance);
    await storage.InitializeAsync();
    var payload = new byte[payloadBytes];
    Random.Shared.NextBytes(payload);
    var latenciesMs = new double[writers * writes];
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        var state = new GrainState<byte[]>(payload);
        var grain = GrainId.Create("bench", w.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < writes; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await storage.WriteStateAsync("state", grain, state);
            latenciesMs[(w * writes) + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    })));
    var seconds = watch.Elapsed.TotalSeconds;
    Array.Sort(latenciesMs);
    var perSecond = latenciesMs.Length / seconds;
    var p50 = latenciesMs[(int)(latenciesMs.Length * 0.50)];
    var p99 = latenciesMs[Math.Min(latenciesMs.Length - 1, (int)(latenciesMs.Length * 0.99))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"mode={(groupCommit ? "group" : "single")} writers={writers} writes={latenciesMs.Length} seconds={seconds:F2} writes_per_s={perSecond:F0} p50_ms={p50:F2} p99_ms={p99:F2}"));
    return (perSecond, p99);
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0)
    {
        return fallback;
    }

    var text = index + 1 < args.Length ? args[index + 1] : "";
    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
    {
        Console.Error.WriteLine($"{name} needs a whole number >= 1, got '{text}'");
        Environment.Exit(64);
    }

    return value;
}

/// <summary>The state is already bytes: stored as they are.</summary>
internal sealed class RawBytes : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new((byte[])(object)input!);

    public T Deserialize<T>(BinaryData input) => (T)(object)input.ToArray();
}
