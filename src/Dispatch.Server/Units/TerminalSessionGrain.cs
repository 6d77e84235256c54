using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Server.Live;

namespace Dispatch.Server.Units;

/// <summary>
/// A unit's terminal (key: unit id). Makes terminal buttons idempotent on the client's action id, so a
/// terminal that lost its connection can resend its queue without a status change applied twice; and
/// keeps the patrol directives addressed to the unit until they expire.
/// </summary>
[Alias("live.ITerminalSessionGrain")]
public interface ITerminalSessionGrain : IGrainWithStringKey
{
    /// <summary>
    /// The first call with <paramref name="clientActionId"/> runs the action, recorded as done by <paramref name="actor"/>
    /// (the unit and the signed-in officer); later calls return the same result.
    /// </summary>
    [Alias("perform")]
    Task<TerminalActionOutcome> PerformAsync(string clientActionId, TerminalAction action, string actor);

    [Alias("add-directive")]
    Task AddDirectiveAsync(LiveDirective directive);

    /// <summary>Directives not yet over, oldest first.</summary>
    [Alias("directives")]
    Task<IReadOnlyList<LiveDirective>> GetDirectivesAsync();
}

[GenerateSerializer]
[Alias("live.terminal-action-outcome")]
public sealed record TerminalActionOutcome([property: Id(0)] CommandResult Result, [property: Id(1)] bool Duplicate);

[GenerateSerializer]
[Alias("live.terminal-session-state")]
public sealed class TerminalSessionState
{
    /// <summary>Recent client action ids with their results, oldest first.</summary>
    [Id(0)]
    public List<KeyValuePair<string, CommandResult>> Actions { get; set; } = [];

    [Id(1)]
    public List<LiveDirective> Directives { get; set; } = [];
}

public sealed class TerminalSessionGrain(
    [PersistentState("terminal-session", DispatchStorage.ProviderName)] IPersistentState<TerminalSessionState> state,
    TimeProvider clock) : Grain, ITerminalSessionGrain
{
    /// <summary>Far more than a terminal queues while offline.</summary>
    internal const int RememberedActions = 256;

    public const int MaxClientActionIdLength = 64;

    private string UnitId => this.GetPrimaryKeyString();

    public async Task<TerminalActionOutcome> PerformAsync(string clientActionId, TerminalAction action, string actor)
    {
        if (string.IsNullOrWhiteSpace(clientActionId) || clientActionId.Length > MaxClientActionIdLength)
        {
            return new(CommandResult.Refused($"client action id must be 1..{MaxClientActionIdLength} characters, got '{clientActionId}'"), false);
        }

        foreach (var (id, earlier) in state.State.Actions)
        {
            if (id == clientActionId)
            {
                return new(earlier, true);
            }
        }

        var result = await GrainFactory.GetGrain<IPatrolUnitGrain>(UnitId).PerformAsync(action, string.IsNullOrEmpty(actor) ? Actors.Unit(UnitId) : actor);
        state.State.Actions.Add(new(clientActionId, result));
        if (state.State.Actions.Count > RememberedActions)
        {
            state.State.Actions.RemoveRange(0, state.State.Actions.Count - RememberedActions);
        }

        await state.WriteStateAsync();
        return new(result, false);
    }

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
