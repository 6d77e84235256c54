using Orleans.Runtime;

namespace Dispatch.Storage.Tests;

/// <summary>Grain state used to exercise the provider: a unit's visited stops.</summary>
[GenerateSerializer]
[Alias("Dispatch.Storage.Tests.PatrolLog")]
public sealed class PatrolLog
{
    [Id(0)] public string UnitId { get; set; } = "";
    [Id(1)] public List<string> Stops { get; set; } = [];
    [Id(2)] public DateTimeOffset? LastVisitAt { get; set; }
}

[Alias("Dispatch.Storage.Tests.IPatrolLogGrain")]
public interface IPatrolLogGrain : IGrainWithStringKey
{
    [Alias("Visit")]
    Task Visit(string stop, DateTimeOffset at);

    [Alias("Get")]
    Task<PatrolLog> Get();

    [Alias("RecordExists")]
    Task<bool> RecordExists();
}

public sealed class PatrolLogGrain(
    [PersistentState("log", PatrolLogGrain.StorageName)] IPersistentState<PatrolLog> log) : Grain, IPatrolLogGrain
{
    public const string StorageName = "dispatch";

    public async Task Visit(string stop, DateTimeOffset at)
    {
        log.State.UnitId = this.GetPrimaryKeyString();
        log.State.Stops.Add(stop);
        log.State.LastVisitAt = at;
        await log.WriteStateAsync();
    }

    public Task<PatrolLog> Get() => Task.FromResult(log.State);

    public Task<bool> RecordExists() => Task.FromResult(log.RecordExists);
}

/// <summary>The same, on the silo's default storage provider.</summary>
[Alias("Dispatch.Storage.Tests.IDefaultStoredPatrolLogGrain")]
public interface IDefaultStoredPatrolLogGrain : IPatrolLogGrain;

public sealed class DefaultStoredPatrolLogGrain(
    [PersistentState("log")] IPersistentState<PatrolLog> log) : Grain, IDefaultStoredPatrolLogGrain
{
    public async Task Visit(string stop, DateTimeOffset at)
    {
        log.State.UnitId = this.GetPrimaryKeyString();
        log.State.Stops.Add(stop);
        log.State.LastVisitAt = at;
        await log.WriteStateAsync();
    }

    public Task<PatrolLog> Get() => Task.FromResult(log.State);

    public Task<bool> RecordExists() => Task.FromResult(log.RecordExists);
}
