using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Live;

/// <summary>Events a patrol terminal receives (SignalR method names).</summary>
public static class TerminalEvents
{
    public const string UnitChanged = "UnitChanged";
    public const string IncidentChanged = "IncidentChanged";
    public const string DirectiveReceived = "DirectiveReceived";
}

/// <summary>
/// /hubs/terminal: a patrol officer's phone or in-car tablet. <see cref="SignIn"/> as a unit first; it
/// returns a snapshot (own unit, current incident, directives) and this connection then receives its
/// unit's deltas. Buttons carry a client action id and are idempotent on it, so a terminal resends its
/// queue after a dropped connection without applying a status change twice.
/// </summary>
public sealed class TerminalHub(LiveBoard board, CityModel city, IGrainFactory grains, PositionIntake positions, DispatchMetrics metrics, TerminalRoutes routes) : Hub
{
    public const string Path = "/hubs/terminal";

    /// <summary>This hub's label on the connections gauge.</summary>
    public const string MetricsHubName = "terminal";
    private const string UnitKey = "unit";

    public override Task OnConnectedAsync()
    {
        metrics.ConnectionOpened(MetricsHubName);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.ConnectionClosed(MetricsHubName);
        return base.OnDisconnectedAsync(exception);
    }

    public async Task<TerminalSnapshot> SignIn(string unitId)
    {
        if (string.IsNullOrWhiteSpace(unitId) || city.Units.All(u => u.Id != unitId))
        {
            throw new HubException($"unknown unit '{unitId}'");
        }

        if (Context.Items.TryGetValue(UnitKey, out var previous) && previous is string old && old != unitId)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveHostObserver.UnitGroup(old));
        }

        Context.Items[UnitKey] = unitId;
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveHostObserver.UnitGroup(unitId));

        // Read the sequence before the state: a change racing the read is then also delivered as a delta.
        var seq = board.Seq;
        var unit = board.FindUnit(unitId) ?? await LoadUnitAsync(unitId);
        var incident = unit.Assignment is { } held ? board.FindIncident(held.IncidentId) : null;
        var directives = await grains.GetGrain<ITerminalSessionGrain>(unitId).GetDirectivesAsync();
        return new TerminalSnapshot(seq, DateTimeOffset.UtcNow, unit, incident, directives);
    }

    /// <summary>A button: Acknowledge, EnRoute, OnScene, Clear, Available, OutOfService, BackInService.</summary>
    public async Task<TerminalActionResult> Perform(string clientActionId, string action)
    {
        var unitId = SignedInUnit();
        if (!Enum.TryParse<TerminalAction>(action, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(action, out _))
        {
            throw new HubException($"unknown terminal action '{action}'; expected one of {string.Join(", ", Enum.GetNames<TerminalAction>())}");
        }

        var outcome = await grains.GetGrain<IPatrolUnitGrain>(unitId).PerformOnceAsync(clientActionId, parsed, Actors.Unit(unitId));
        if (!outcome.Result.Ok)
        {
            throw new HubException(outcome.Result.Error);
        }

        return new TerminalActionResult(clientActionId, outcome.Duplicate, await LoadUnitAsync(unitId));
    }

    /// <summary>
    /// Out of service with a reason ("vehicle repair", "meal break"): refused while the unit holds an assignment, and for a
    /// blank or over-long reason. Idempotent on the client action id like <see cref="Perform"/>; BackInService ends it.
    /// </summary>
    public async Task<TerminalActionResult> GoOutOfService(string clientActionId, string reason)
    {
        var unitId = SignedInUnit();
        var outcome = await grains.GetGrain<IPatrolUnitGrain>(unitId).GoOutOfServiceOnceAsync(clientActionId, reason, Actors.Unit(unitId));
        if (!outcome.Result.Ok)
        {
            throw new HubException(outcome.Result.Error);
        }

        return new TerminalActionResult(clientActionId, outcome.Duplicate, await LoadUnitAsync(unitId));
    }

    /// <summary>
    /// The way to the unit's assigned incident over the roads from its last position, with the driving time (ETA);
    /// null when it holds no assignment or has no position yet. The terminal asks again as the unit moves.
    /// </summary>
    public async Task<TerminalRoute?> Route()
    {
        var unitId = SignedInUnit();

        // The assignment from the unit's own grain (the board may not have its latest change yet); the freshest fix of either.
        var unit = await LoadUnitAsync(unitId);
        if (board.FindUnit(unitId) is { PositionAt: { } seen, Latitude: { } boardLat, Longitude: { } boardLon } && (unit.PositionAt is null || seen > unit.PositionAt))
        {
            unit = unit with { Latitude = boardLat, Longitude = boardLon, PositionAt = seen };
        }

        return unit is { Assignment: { } a, Latitude: { } lat, Longitude: { } lon }
            ? routes.Plan(a.IncidentId, new GeoPoint(lat, lon), new GeoPoint(a.Latitude, a.Longitude), unit.Kind)
            : null;
    }

    /// <summary>
    /// A GPS fix in WGS84 degrees (browser geolocation or the simulator). Taken by this host's position intake, which
    /// refuses an implausible fix with the reason and hands the rest to the zones in batches.
    /// </summary>
    public void ReportPosition(double latitude, double longitude)
    {
        var unitId = SignedInUnit();
        var error = positions.Report(unitId, latitude, longitude);
        if (error is not null)
        {
            throw new HubException(error);
        }
    }

    private string SignedInUnit() =>
        Context.Items.TryGetValue(UnitKey, out var unit) && unit is string id ? id : throw new HubException("sign in as a unit first");

    private async Task<LiveUnit> LoadUnitAsync(string unitId) =>
        (await grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync())?.ToLive(city) ?? throw new HubException($"unknown unit '{unitId}'");
}
