using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Hosting;
using Dispatch.Grains.Incidents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Dispatch.StorageBench;

/// <summary>
/// The incident's state as every dispatch step stores it (three tiers, four assignments), written and read back by
/// each candidate state serializer in turn, in one process: Orleans' JSON grain storage serializer (Newtonsoft with
/// type names, the default the engine used before), System.Text.Json with source generation, and Orleans' binary
/// serializer behind the one-byte marker (<see cref="DispatchStateSerializer"/>, what the engine uses now).
/// </summary>
internal static class SerializerBench
{
    public static void Run(int rounds)
    {
        var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(IncidentState).Assembly))
            .BuildServiceProvider();
        var newtonsoft = new JsonGrainStorageSerializer(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions())));
        var binary = new DispatchStateSerializer(services.GetRequiredService<Serializer>(), newtonsoft);
        var state = Sample();

        var candidates = new (string Name, Func<IncidentState, byte[]> Write, Func<byte[], IncidentState> Read)[]
        {
            ("newtonsoft_typenames", s => newtonsoft.Serialize(s).ToArray(), b => newtonsoft.Deserialize<IncidentState>(new BinaryData(b))!),
            ("stj_sourcegen", s => JsonSerializer.SerializeToUtf8Bytes(s, StateJson.Default.IncidentState), b => JsonSerializer.Deserialize(b, StateJson.Default.IncidentState)!),
            ("orleans_binary", s => binary.Serialize(s).ToArray(), b => binary.Deserialize<IncidentState>(new BinaryData(b))),
        };

        var results = new Dictionary<string, double>();
        foreach (var (name, write, read) in candidates)
        {
            var bytes = write(state);
            var back = read(bytes);
            if (back.Assignments.Count != state.Assignments.Count || back.Tiers[2].Deadline != state.Tiers[2].Deadline || back.Description != state.Description)
            {
                throw new InvalidOperationException($"{name} did not round-trip the incident state");
            }

            // Warm-up: as a long-running host, the serializers are compiled before they are timed.
            for (var i = 0; i < Math.Min(rounds, 2000); i++)
            {
                read(write(state));
            }

            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < rounds; i++)
            {
                read(write(state));
            }

            var seconds = watch.Elapsed.TotalSeconds;
            var allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)rounds;
            var microseconds = seconds * 1_000_000 / rounds;
            results[name] = microseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"serializer={name} bytes={bytes.Length} write_read_us={microseconds:F2} allocated_bytes={allocated:F0} rounds={rounds}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"speedup_binary_vs_newtonsoft={results["newtonsoft_typenames"] / results["orleans_binary"]:F2} speedup_binary_vs_stj={results["stj_sourcegen"] / results["orleans_binary"]:F2}"));
    }

    private static IncidentState Sample()
    {
        var at = new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero);
        TierState Tier(string name, TierKind kind, int minutes, int requested) => new()
        {
            Name = name, Kind = kind, Requested = requested, Target = TimeSpan.FromMinutes(minutes), Deadline = at.AddMinutes(minutes),
            Shortfalls = ["no unit free within 3 min"], StationId = kind == TierKind.StationResponders ? "ST-03" : null,
            StationResponders = kind == TierKind.StationResponders ? 2 : 0, Filled = true,
        };
        AssignmentRecord Assignment(int n, string tier) => new()
        {
            UnitId = $"U-{n:0000}", TierName = tier, AssignmentNumber = 40 + n, State = AssignmentState.Acknowledged,
            AssignedAt = at.AddSeconds(n), AckDeadline = at.AddSeconds(n + 30), EtaSeconds = 95.5 + n,
        };
        return new IncidentState
        {
            Exists = true, Type = "assault", Priority = IncidentPriority.High, Latitude = 36.6512, Longitude = 117.1201,
            Description = "camera CAM-00412: fight detected (confidence 0.91)", Source = IncidentSource.Camera, CreatedAt = at,
            TiersPlanned = true, GridId = "G-0007", LastAlertAt = at,
            Tiers = [Tier("1min", TierKind.StationResponders, 1, 2), Tier("3min", TierKind.NearestUnits, 3, 2), Tier("5min", TierKind.NearestUnits, 5, 2)],
            Assignments = [Assignment(1, "3min"), Assignment(2, "3min"), Assignment(3, "5min"), Assignment(4, "5min")],
        };
    }
}

[JsonSerializable(typeof(IncidentState))]
internal sealed partial class StateJson : JsonSerializerContext;
