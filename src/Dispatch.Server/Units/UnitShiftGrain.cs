using System.Collections.Concurrent;
using Dispatch.Server.Live;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Units;

/// <summary>
/// Which terminal holds a unit for the shift (key: unit id), across every host. One terminal per unit: a second
/// officer is refused unless taking over explicitly, and the terminal taken over is told and can act no more.
/// The same account signing on again (a reconnect, or the officer's other device) replaces its earlier terminal.
/// </summary>
[Alias("units.IUnitShiftGrain")]
public interface IUnitShiftGrain : IGrainWithStringKey
{
    [Alias("sign-on")]
    Task<ShiftSignOn> SignOnAsync(string account, string connectionId, ITerminalHostObserver host, bool takeOver);

    /// <summary>Frees the unit when <paramref name="connectionId"/> still holds it.</summary>
    [Alias("sign-off")]
    Task SignOffAsync(string connectionId);

    [Alias("holder")]
    Task<string?> GetAccountAsync();
}

/// <summary>The outcome of a sign-on: refused with a reason, or held (and whose terminal was taken over, if any).</summary>
[GenerateSerializer]
[Alias("units.shift-sign-on")]
public sealed record ShiftSignOn([property: Id(0)] bool Ok, [property: Id(1)] string? Error, [property: Id(2)] string? TookOverFrom);

/// <summary>One per host: the terminal connections of this host and which unit each holds.</summary>
[Alias("units.ITerminalHostObserver")]
public interface ITerminalHostObserver : IGrainObserver
{
    /// <summary>The connection lost its unit (taken over, or its officer signed on elsewhere).</summary>
    [Alias("signed-off")]
    Task SignedOffAsync(string connectionId, string unitId, string by, string reason);

    [Alias("holds")]
    Task<bool> HoldsAsync(string connectionId, string unitId);
}

// Held in memory: a holder lives only as long as its connection. Kept active through a shift.
[CollectionAgeLimit(Hours = 24)]
public sealed class UnitShiftGrain(TimeProvider clock) : Grain, IUnitShiftGrain
{
    /// <summary>How long to wait for the holder's host to confirm its terminal is still there.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private Holder? _holder;

    private string UnitId => this.GetPrimaryKeyString();

    public async Task<ShiftSignOn> SignOnAsync(string account, string connectionId, ITerminalHostObserver host, bool takeOver)
    {
        var previous = _holder;
        if (previous is null || previous.ConnectionId == connectionId || !await StillHeldAsync(previous))
        {
            _holder = new Holder(account, connectionId, host, clock.GetUtcNow());
            return new ShiftSignOn(true, null, null);
        }

        if (previous.Account != account && !takeOver)
        {
            return new ShiftSignOn(false,
                $"unit '{UnitId}' is signed on by '{previous.Account}' since {previous.Since.UtcDateTime:HH:mm} UTC; take it over explicitly if that terminal is no longer in use",
                null);
        }

        var reason = previous.Account == account ? "signed on again from another terminal" : $"taken over by '{account}'";
        _holder = new Holder(account, connectionId, host, clock.GetUtcNow());
        try
        {
            await previous.Host.SignedOffAsync(previous.ConnectionId, UnitId, account, reason).WaitAsync(ProbeTimeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its host is gone: nobody left to tell.
        }

        return new ShiftSignOn(true, null, previous.Account == account ? null : previous.Account);
    }

    public Task SignOffAsync(string connectionId)
    {
        if (_holder?.ConnectionId == connectionId)
        {
            _holder = null;
        }

        return Task.CompletedTask;
    }

    public Task<string?> GetAccountAsync() => Task.FromResult(_holder?.Account);

    private async Task<bool> StillHeldAsync(Holder holder)
    {
        try
        {
            return await holder.Host.HoldsAsync(holder.ConnectionId, UnitId).WaitAsync(ProbeTimeout);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    private sealed record Holder(string Account, string ConnectionId, ITerminalHostObserver Host, DateTimeOffset Since);
}

/// <summary>What a terminal is told when it loses its unit.</summary>
public sealed record TerminalSignedOff(string UnitId, string By, string Reason, DateTimeOffset At);

/// <summary>
/// This host's terminal connections and the unit each holds; the one observer the shift grains call back. A
/// connection signed off from elsewhere leaves its unit's group at once and is refused from its next call.
/// </summary>
public sealed class TerminalSignOns(IHubContext<TerminalHub> hub, IGrainFactory grains, TimeProvider clock) : ITerminalHostObserver
{
    private readonly ConcurrentDictionary<string, string> _unitOfConnection = new(StringComparer.Ordinal);
    private ITerminalHostObserver? _self;

    /// <summary>This host as the shift grains address it.</summary>
    public ITerminalHostObserver Reference => _self ??= grains.CreateObjectReference<ITerminalHostObserver>(this);

    public string? UnitOf(string connectionId) => _unitOfConnection.GetValueOrDefault(connectionId);

    public void Hold(string connectionId, string unitId) => _unitOfConnection[connectionId] = unitId;

    /// <summary>Forgets the connection; returns the unit it held.</summary>
    public string? Release(string connectionId) => _unitOfConnection.TryRemove(connectionId, out var unit) ? unit : null;

    public async Task SignedOffAsync(string connectionId, string unitId, string by, string reason)
    {
        if (!_unitOfConnection.TryRemove(new KeyValuePair<string, string>(connectionId, unitId)))
        {
            return;
        }

        await hub.Groups.RemoveFromGroupAsync(connectionId, LiveHostObserver.UnitGroup(unitId));
        await hub.Clients.Client(connectionId).SendAsync(TerminalEvents.SignedOff, new TerminalSignedOff(unitId, by, reason, clock.GetUtcNow()));
    }

    public Task<bool> HoldsAsync(string connectionId, string unitId) =>
        Task.FromResult(_unitOfConnection.TryGetValue(connectionId, out var held) && held == unitId);
}
