using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;

namespace Dispatch.Grains.Incidents;

[GenerateSerializer]
[Alias("dispatch.state.open-incidents")]
public sealed class OpenIncidentsState
{
    [Id(0)] public HashSet<string> IncidentIds { get; set; } = [];
}

/// <summary>One shard of the open-incident ids.</summary>
public sealed class OpenIncidentsGrain(
    [PersistentState("open-incidents", DispatchStorage.ProviderName)] IPersistentState<OpenIncidentsState> state) : Grain, IOpenIncidentsGrain
{
    public async Task AddAsync(string incidentId)
    {
        if (state.State.IncidentIds.Add(incidentId))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string incidentId)
    {
        if (state.State.IncidentIds.Remove(incidentId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.IncidentIds.Order(StringComparer.Ordinal)]);

    public Task WakeAllAsync()
    {
        foreach (var incidentId in state.State.IncidentIds)
        {
            GrainFactory.GetGrain<IIncidentGrain>(incidentId).WakeAsync().Ignore();
        }

        return Task.CompletedTask;
    }
}
