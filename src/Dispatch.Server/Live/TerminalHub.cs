using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Security;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Live;

/// <summary>Events a patrol terminal receives (SignalR method names).</summary>
public static class TerminalEvents
{
    public const string UnitChanged = "UnitChanged";
    public const string IncidentChanged = "IncidentChanged";
    public const string DirectiveReceived = "DirectiveReceived";

    /// <summary>This terminal lost its unit (another officer took it over, or the officer signed on elsewhere): a <see cref="TerminalSignedOff"/>.</summary>
    public const string SignedOff = "SignedOff";
}

/// <summary>
/// /hubs/terminal: a patrol officer's phone or in-car tablet, for signed-in officers. <see cref="SignIn"/> onto a unit
/// first (one the officer's account may act for; refused while another officer's terminal holds it, unless
/// <see cref="TakeOver"/>); it returns a snapshot (own unit, current incident, directives) and this connection then
/// receives its unit's deltas. Buttons carry a client action id and are idempotent on it, so a terminal resends its
/// queue after a dropped connection without applying a status change twice. Every action is recorded as done by the
/// unit and the signed-in officer.
/// </summary>
[Authorize(Policy = Policies.Terminal)]
public sealed class TerminalHub(
    LiveBoard board,
    CityModel city,
    IGrainFactory grains,
    PositionIntake positions,
    DispatchMetrics metrics,
    TerminalSignOns signOns,
    IAuthorizationService authorization,
    SecurityAudit audit,
    TerminalRoutes routes) : Hub
{
    public const string Path = "/hubs/terminal";

    /// <summary>This hub's label on the connections gauge.</summary>
    public const string MetricsHubName = "terminal";

    private string Officer => Context.User?.Identity?.Name ?? "";

    public override Task OnConnectedAsync()
    {
        metrics.ConnectionOpened(MetricsHubName);
        return base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.ConnectionClosed(MetricsHubName);
        if (signOns.Release(Context.ConnectionId) is { } unitId)
        {
            await grains.GetGrain<IUnitShiftGrain>(unitId).SignOffAsync(Context.ConnectionId);
        }

        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Signs this terminal onto a unit for the shift; refused while another officer's terminal holds it.</summary>
    public Task<TerminalSnapshot> SignIn(string unitId) => SignOnAsync(unitId, takeOver: false);

    /// <summary>Signs onto a unit another officer's terminal holds; that terminal is told (<see cref="TerminalEvents.SignedOff"/>) and can act no more.</summary>
    public Task<TerminalSnapshot> TakeOver(string unitId) => SignOnAsync(unitId, takeOver: true);

    /// <summary>A button: Acknowledge, EnRoute, OnScene, Clear, Available, OutOfService, BackInService.</summary>
    public async Task<TerminalActionResult> Perform(string clientActionId, string action)
    {
        var unitId = SignedInUnit();
        if (string.IsNullOrWhiteSpace(clientActionId) || clientActionId.Length > Dispatch.Grains.Units.PatrolUnitGrain.MaxClientActionIdLength)
        {
            throw new HubException($"client action id must be 1..{Dispatch.Grains.Units.PatrolUnitGrain.MaxClientActionIdLength} characters, got '{HubArguments.Show(clientActionId)}'");
        }

        if (action is null || !Enum.TryParse<TerminalAction>(action, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(action, out _))
        {
            throw new HubException($"unknown terminal action '{HubArguments.Show(action)}'; expected one of {string.Join(", ", Enum.GetNames<TerminalAction>())}");
        }

        var outcome = await grains.GetGrain<IPatrolUnitGrain>(unitId).PerformOnceAsync(clientActionId, parsed, OfficerActor(unitId, Officer));
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
        var outcome = await grains.GetGrain<IPatrolUnitGrain>(unitId).GoOutOfServiceOnceAsync(clientActionId, reason, OfficerActor(unitId, Officer));
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

    /// <summary>The journal's actor for a terminal action: the unit, and the officer who pressed the button.</summary>
    public static string OfficerActor(string unitId, string officer) => $"{Actors.Unit(unitId)}/officer:{officer}";

    private async Task<TerminalSnapshot> SignOnAsync(string? unitId, bool takeOver)
    {
        if (string.IsNullOrWhiteSpace(unitId) || city.Units.All(u => u.Id != unitId))
        {
            throw new HubException($"unknown unit '{HubArguments.Show(unitId)}'");
        }

        var remote = SecurityAudit.RemoteOf(Context.GetHttpContext());
        if (!(await authorization.AuthorizeAsync(Context.User!, unitId, Policies.ActForUnit)).Succeeded)
        {
            await audit.RecordAsync(SecurityAudit.UnitSignOnRefused, Officer, unitId, "not one of the officer's units", remote);
            throw new HubException($"officer '{Officer}' may not sign onto unit '{unitId}'");
        }

        var previous = signOns.UnitOf(Context.ConnectionId);
        if (previous is not null && previous != unitId)
        {
            signOns.Release(Context.ConnectionId);
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, LiveHostObserver.UnitGroup(previous));
            await grains.GetGrain<IUnitShiftGrain>(previous).SignOffAsync(Context.ConnectionId);
        }

        var shift = await grains.GetGrain<IUnitShiftGrain>(unitId).SignOnAsync(Officer, Context.ConnectionId, signOns.Reference, takeOver);
        if (!shift.Ok)
        {
            await audit.RecordAsync(SecurityAudit.UnitSignOnRefused, Officer, unitId, shift.Error ?? "", remote);
            throw new HubException(shift.Error);
        }

        signOns.Hold(Context.ConnectionId, unitId);
        await Groups.AddToGroupAsync(Context.ConnectionId, LiveHostObserver.UnitGroup(unitId));
        if (previous != unitId)
        {
            await audit.RecordAsync(shift.TookOverFrom is null ? SecurityAudit.UnitSignedOn : SecurityAudit.UnitTakenOver, Officer, unitId,
                shift.TookOverFrom is null ? "" : $"taken over from '{shift.TookOverFrom}'", remote);
        }

        // Read the sequence before the state: a change racing the read is then also delivered as a delta.
        var seq = board.Seq;
        var unit = board.FindUnit(unitId) ?? await LoadUnitAsync(unitId);
        var incident = unit.Assignment is { } held ? board.FindIncident(held.IncidentId) : null;
        var directives = await grains.GetGrain<ITerminalSessionGrain>(unitId).GetDirectivesAsync();
        return new TerminalSnapshot(seq, DateTimeOffset.UtcNow, unit, incident, directives);
    }

    private string SignedInUnit() =>
        signOns.UnitOf(Context.ConnectionId) ?? throw new HubException("sign in as a unit first (this terminal holds no unit)");

    private async Task<LiveUnit> LoadUnitAsync(string unitId) =>
        (await grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync())?.ToLive(city) ?? throw new HubException($"unknown unit '{unitId}'");
}
