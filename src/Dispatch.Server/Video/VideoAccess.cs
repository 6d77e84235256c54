using System.Security.Claims;
using Dispatch.Abstractions.Units;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>Who may watch: allowed (and as whom), or refused with the HTTP status and a reason naming the value.</summary>
public sealed record VideoDecision(bool Allowed, int Status, string Reason, string Actor, ViewerProfile Profile, string? UnitId)
{
    public static VideoDecision Refuse(int status, string reason, string actor) => new(false, status, reason, actor, ViewerProfile.Console, null);
}

/// <summary>
/// Roles decide who may watch live pictures and clips: operators and supervisors always; viewers (wall displays) only
/// when <see cref="VideoOptions.ViewersMayWatch"/> allows; an officer only the cameras of the incident its own unit is
/// assigned to now, on its terminal. The actor is always the authenticated principal. A host without sign-in
/// (no authentication configured) has no principals: its console may watch everything, as it may do everything else,
/// and a terminal is trusted for the unit it signed onto, as the terminal hub trusts it.
/// </summary>
public sealed class VideoAccess(
    IGrainFactory grains,
    VideoCameras cameras,
    IOptions<VideoOptions> options,
    IServiceProvider services)
{
    /// <summary>Role names as accounts and tokens carry them.</summary>
    public const string OperatorRole = "operator";
    public const string SupervisorRole = "supervisor";
    public const string OfficerRole = "officer";
    public const string ViewerRole = "viewer";

    /// <summary>The resource policy that says an officer may act for a unit (the unit id is the resource), when sign-in defines it.</summary>
    public const string ActForUnitPolicy = "act-for-unit";

    /// <summary>May this principal watch the camera live (on a terminal when <paramref name="unitId"/> is given)?</summary>
    public async Task<VideoDecision> LiveAsync(ClaimsPrincipal user, string cameraId, string? unitId)
    {
        ArgumentNullException.ThrowIfNull(user);
        var signIn = await SignInConfiguredAsync();
        if (unitId is null)
        {
            return Console(user, signIn, $"camera '{cameraId}'");
        }

        var actor = signIn ? NameOf(user) : $"unit:{unitId}";
        if (signIn && (!user.IsInRole(OfficerRole) || !await MayActForUnitAsync(user, unitId)))
        {
            return VideoDecision.Refuse(403, $"'{actor}' may not watch for unit '{unitId}': only the officer signed onto that unit may", actor);
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
    public async Task<VideoDecision> ClipAsync(ClaimsPrincipal user, string alertId)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Console(user, await SignInConfiguredAsync(), $"the clip of alert '{alertId}'");
    }

    /// <summary>The incident cameras an officer's unit may watch now (empty without an assignment).</summary>
    public async Task<(string? IncidentId, IReadOnlyList<VideoCamera> Cameras)> UnitCamerasAsync(string unitId)
    {
        var unit = await grains.GetGrain<IPatrolUnitGrain>(unitId).GetAsync();
        return unit?.Assignment is { } assignment ? (assignment.IncidentId, cameras.OfIncident(assignment.IncidentLocation)) : (null, []);
    }

    /// <summary>May the principal act for the unit (officer and unit checks as the terminal hub does them)?</summary>
    public async Task<VideoDecision> TerminalAsync(ClaimsPrincipal user, string unitId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!await SignInConfiguredAsync())
        {
            return new VideoDecision(true, 200, "", $"unit:{unitId}", ViewerProfile.Terminal, unitId);
        }

        var actor = NameOf(user);
        return user.IsInRole(OfficerRole) && await MayActForUnitAsync(user, unitId)
            ? new VideoDecision(true, 200, "", actor, ViewerProfile.Terminal, unitId)
            : VideoDecision.Refuse(403, $"'{actor}' may not act for unit '{unitId}'", actor);
    }

    private VideoDecision Console(ClaimsPrincipal user, bool signIn, string what)
    {
        if (!signIn)
        {
            return new VideoDecision(true, 200, "", "console", ViewerProfile.Console, null);
        }

        var actor = NameOf(user);
        if (user.IsInRole(OperatorRole) || user.IsInRole(SupervisorRole))
        {
            return new VideoDecision(true, 200, "", actor, ViewerProfile.Console, null);
        }

        if (user.IsInRole(ViewerRole))
        {
            return options.Value.ViewersMayWatch
                ? new VideoDecision(true, 200, "", actor, ViewerProfile.Console, null)
                : VideoDecision.Refuse(403, $"'{actor}' is a viewer, and viewers may not watch {what} here (Dispatch:Video:ViewersMayWatch is off)", actor);
        }

        return VideoDecision.Refuse(user.Identity?.IsAuthenticated == true ? 403 : 401,
            $"'{actor}' may not watch {what}: operators and supervisors may (and viewers, where allowed)", actor);
    }

    private async Task<bool> MayActForUnitAsync(ClaimsPrincipal user, string unitId)
    {
        var policies = services.GetService<IAuthorizationPolicyProvider>();
        var authorization = services.GetService<IAuthorizationService>();
        if (policies is null || authorization is null || await policies.GetPolicyAsync(ActForUnitPolicy) is null)
        {
            // Sign-in without unit claims: an officer may act for any unit, as on the terminal hub.
            return true;
        }

        return (await authorization.AuthorizeAsync(user, unitId, ActForUnitPolicy)).Succeeded;
    }

    /// <summary>Whether the host authenticates people at all (a default scheme is configured).</summary>
    private async Task<bool> SignInConfiguredAsync() =>
        services.GetService<IAuthenticationSchemeProvider>() is { } schemes && await schemes.GetDefaultAuthenticateSchemeAsync() is not null;

    private static string NameOf(ClaimsPrincipal user) => user.Identity?.Name is { Length: > 0 } name ? name : "anonymous";
}
