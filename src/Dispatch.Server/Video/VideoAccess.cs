using System.Security.Claims;
using Dispatch.Abstractions.Units;
using Dispatch.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>Who may watch: allowed (and as whom), or refused with the HTTP status and a reason naming the value.</summary>
public sealed record VideoDecision(bool Allowed, int Status, string Reason, string Actor, ViewerProfile Profile, string? UnitId)
{
    public static VideoDecision Refuse(int status, string reason, string actor) => new(false, status, reason, actor, ViewerProfile.Console, null);
}

/// <summary>What a principal may watch from the board: live pictures, clips, and in words why not.</summary>
public sealed record VideoPermissions(string Actor, bool Live, bool Clips, string? Reason);

/// <summary>
/// Roles decide who may watch live pictures and clips, inside <see cref="Policies.WatchVideo"/>: operators and
/// supervisors always; viewers (wall displays) only when <see cref="VideoOptions.ViewersMayWatch"/> allows; an officer
/// only the cameras of the incident its unit is assigned to now, on its terminal, for a unit it may act for
/// (<see cref="Policies.ActForUnit"/>), and no clips. The actor is always the authenticated principal.
/// </summary>
public sealed class VideoAccess(
    IGrainFactory grains,
    VideoCameras cameras,
    IOptions<VideoOptions> options,
    IAuthorizationService authorization)
{
    /// <summary>May this principal watch the camera live (on a terminal when <paramref name="unitId"/> is given)?</summary>
    public async Task<VideoDecision> LiveAsync(ClaimsPrincipal user, string cameraId, string? unitId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (unitId is null)
        {
            return Console(user, $"camera '{cameraId}'");
        }

        var actor = NameOf(user);
        if (!await MayActForUnitAsync(user, unitId))
        {
            return VideoDecision.Refuse(403, $"'{actor}' may not watch for unit '{unitId}': only an officer who may act for that unit may", actor);
        }

        var unit = await grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        if (unit is null)
        {
            return VideoDecision.Refuse(404, $"unknown unit '{unitId}'", actor);
        }

        if (unit.Assignment is not { } assignment)
        {
            return VideoDecision.Refuse(403, $"unit '{unitId}' has no assignment now: a terminal sees only its incident's cameras", actor);
        }

        var ofIncident = cameras.OfIncident(assignment.IncidentLocation);
        if (ofIncident.All(c => c.CameraId != cameraId))
        {
            return VideoDecision.Refuse(403, $"camera '{cameraId}' is not one of incident '{assignment.IncidentId}''s cameras ({string.Join(", ", ofIncident.Select(c => c.CameraId))}), the only ones unit '{unitId}' may watch", actor);
        }

        return new VideoDecision(true, 200, "", actor, ViewerProfile.Terminal, unitId);
    }

    /// <summary>May this principal play an alert's clip (command center only)?</summary>
    public Task<VideoDecision> ClipAsync(ClaimsPrincipal user, string alertId)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Task.FromResult(Console(user, $"the clip of alert '{alertId}'"));
    }

    /// <summary>
    /// What the principal may watch from the command center's board (live pictures, alerts' clips), or why not: the page
    /// offers only what <see cref="LiveAsync"/> and <see cref="ClipAsync"/> would allow.
    /// </summary>
    public VideoPermissions ConsolePermissions(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var decision = Console(user, "live pictures or clips");
        return new VideoPermissions(decision.Actor, decision.Allowed, decision.Allowed, decision.Allowed ? null : decision.Reason);
    }

    /// <summary>The incident cameras an officer's unit may watch now (empty without an assignment).</summary>
    public async Task<(string? IncidentId, IReadOnlyList<VideoCamera> Cameras)> UnitCamerasAsync(string unitId)
    {
        var unit = await grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        return unit?.Assignment is { } assignment ? (assignment.IncidentId, cameras.OfIncident(assignment.IncidentLocation)) : (null, []);
    }

    /// <summary>May the principal act for the unit (an officer whose units include it, as on the terminal hub)?</summary>
    public async Task<VideoDecision> TerminalAsync(ClaimsPrincipal user, string unitId)
    {
        ArgumentNullException.ThrowIfNull(user);
        var actor = NameOf(user);
        return await MayActForUnitAsync(user, unitId)
            ? new VideoDecision(true, 200, "", actor, ViewerProfile.Terminal, unitId)
            : VideoDecision.Refuse(403, $"'{actor}' may not act for unit '{unitId}'", actor);
    }

    private VideoDecision Console(ClaimsPrincipal user, string what)
    {
        var actor = NameOf(user);
        if (user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Supervisor))
        {
            return new VideoDecision(true, 200, "", actor, ViewerProfile.Console, null);
        }

        if (user.IsInRole(Roles.Viewer))
        {
            return options.Value.ViewersMayWatch
                ? new VideoDecision(true, 200, "", actor, ViewerProfile.Console, null)
                : VideoDecision.Refuse(403, $"'{actor}' is a viewer, and viewers may not watch {what} here (Dispatch:Video:ViewersMayWatch is off)", actor);
        }

        return VideoDecision.Refuse(user.Identity?.IsAuthenticated == true ? 403 : 401,
            $"'{actor}' may not watch {what}: operators and supervisors may (and viewers, where allowed)", actor);
    }

    private async Task<bool> MayActForUnitAsync(ClaimsPrincipal user, string unitId) =>
        (await authorization.AuthorizeAsync(user, unitId, Policies.ActForUnit)).Succeeded;

    private static string NameOf(ClaimsPrincipal user) => user.Identity?.Name is { Length: > 0 } name ? name : "anonymous";
}
