using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Server.Live;

namespace Dispatch.Server.Units;

/// <summary>
/// A unit's terminal (key: unit id): keeps the patrol directives addressed to the unit until they expire. (Buttons are
/// idempotent in the unit's own grain, <see cref="IPatrolUnitGrain.PerformOnceAsync"/>.)
/// </summary>
[Alias("live.ITerminalSessionGrain")]
public interface ITerminalSessionGrain : IGrainWithStringKey
{
    [Alias("add-directive")]
    Task AddDirectiveAsync(LiveDirective directive);

    /// <summary>Directives not yet over, oldest first.</summary>
    [Alias("directives")]
    Task<IReadOnlyList<LiveDirective>> GetDirectivesAsync();
}

[GenerateSerializer]
[Alias("live.terminal-session-state")]
public sealed class TerminalSessionState
{
    // Id 0 held recent client action ids; buttons are idempotent in the unit's grain now.

    [Id(1)]
    public List<LiveDirective> Directives { get; set; } = [];
}

public sealed class TerminalSessionGrain(
    [PersistentState("terminal-session", DispatchStorage.ProviderName)] IPersistentState<TerminalSessionState> state,
    TimeProvider clock) : Grain, ITerminalSessionGrain
{
    public async Task AddDirectiveAsync(LiveDirective directive)
    {
        var now = clock.GetUtcNow();
        state.State.Directives.RemoveAll(d => d.Until <= now || d.DirectiveId == directive.DirectiveId);
        state.State.Directives.Add(directive);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<LiveDirective>> GetDirectivesAsync()
    {
        var now = clock.GetUtcNow();
        return Task.FromResult<IReadOnlyList<LiveDirective>>([.. state.State.Directives.Where(d => d.Until > now)]);
    }
}
