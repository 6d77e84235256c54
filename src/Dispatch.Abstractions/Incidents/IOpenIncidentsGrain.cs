namespace Dispatch.Abstractions.Incidents;

/// <summary>
/// The ids of open incidents, sharded (key: <see cref="KeyFor"/>) so no single grain is hot. Lets a host list
/// open incidents after a restart, and lets a starting silo wake them so their deadline timers are re-armed.
/// </summary>
[Alias("dispatch.IOpenIncidentsGrain")]
public interface IOpenIncidentsGrain : IGrainWithStringKey
{
    public const int ShardCount = 8;

    [Alias("add")]
    Task AddAsync(string incidentId);

    [Alias("remove")]
    Task RemoveAsync(string incidentId);

    [Alias("list")]
    Task<IReadOnlyList<string>> ListAsync();

    /// <summary>Activates every open incident of this shard (each re-arms its deadlines from its persisted state).</summary>
    [Alias("wake")]
    Task WakeAllAsync();

    /// <summary>Every shard key, for listing all open incidents.</summary>
    public static IReadOnlyList<string> AllKeys { get; } = [.. Enumerable.Range(0, ShardCount).Select(i => $"open-incidents:{i}")];

    /// <summary>The shard holding <paramref name="incidentId"/> (a stable hash, the same on every silo and run).</summary>
    public static string KeyFor(string incidentId)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        var hash = 2166136261u;
        foreach (var c in incidentId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return AllKeys[(int)(hash % ShardCount)];
    }
}
