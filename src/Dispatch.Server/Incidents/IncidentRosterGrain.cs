using Dispatch.Abstractions.Common;

namespace Dispatch.Server.Incidents;

/// <summary>
/// The ids of recent incidents (key <see cref="DefaultKey"/>), so a web host that starts late can load the
/// incident queue and today's compliance. Low rate (one call per opened incident), so one grain is enough.
/// </summary>
[Alias("live.IIncidentRosterGrain")]
public interface IIncidentRosterGrain : IGrainWithStringKey
{
    public const string DefaultKey = "city";

    [Alias("add")]
    Task AddAsync(string incidentId);

    /// <summary>Newest first.</summary>
    [Alias("recent")]
    Task<IReadOnlyList<string>> GetRecentAsync();
}

[GenerateSerializer]
[Alias("live.incident-roster-state")]
public sealed class IncidentRosterState
{
    [Id(0)]
    public List<string> IncidentIds { get; set; } = [];
}

public sealed class IncidentRosterGrain(
    [PersistentState("incident-roster", DispatchStorage.ProviderName)] IPersistentState<IncidentRosterState> state)
    : Grain, IIncidentRosterGrain
{
    /// <summary>More than a busy city's day of incidents.</summary>
    internal const int Capacity = 2000;

    public async Task AddAsync(string incidentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(incidentId);
        var ids = state.State.IncidentIds;
        if (ids.Contains(incidentId, StringComparer.Ordinal))
        {
            return;
        }

        ids.Add(incidentId);
        if (ids.Count > Capacity)
        {
            ids.RemoveRange(0, ids.Count - Capacity);
        }

        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> GetRecentAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. Enumerable.Reverse(state.State.IncidentIds)]);
}
