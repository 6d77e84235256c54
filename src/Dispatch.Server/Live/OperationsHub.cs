using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Alerts;
using Dispatch.Server.Cameras;
using Dispatch.Server.Security;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Live;

/// <summary>Events the operator page receives (SignalR method names).</summary>
public static class OperationsEvents
{
    public const string UnitsMoved = "UnitsMoved";
    public const string UnitChanged = "UnitChanged";
    public const string IncidentChanged = "IncidentChanged";
    public const string AlertChanged = "AlertChanged";
    public const string CameraChanged = "CameraChanged";
    public const string DirectiveIssued = "DirectiveIssued";
}

/// <summary>
/// /hubs/operations: the command-center map. <see cref="Subscribe"/> first (all districts or some), which
/// returns a snapshot; deltas with a higher sequence number follow. Refusals come back as a
/// <see cref="HubException"/> whose message says what was wrong; a refused command changed nothing. Anyone who may
/// read the board connects (viewer, operator, supervisor, admin); commands need <see cref="Policies.Command"/>, and the
/// journal records the signed-in operator as their actor.
/// </summary>
[Authorize(Policy = Policies.ViewBoard)]
public sealed class OperationsHub(
    LiveBoard board,
    OperationsAudience audience,
    CityModel city,
    IGrainFactory grains,
    DirectiveDesk directives,
    DispatchMetrics metrics,
    CameraHealthBoard cameraHealth) : Hub
{
    public const string Path = "/hubs/operations";
    public const int MaxNearbyCameras = 20;

    /// <summary>Longest id, type or disposition a command takes (longer text is refused, naming its length).</summary>
    public const int MaxTextLength = 256;

    /// <summary>This hub's label on the connections gauge.</summary>
    public const string MetricsHubName = "operations";

    private string Actor => Actors.Operator(Context.User?.Identity?.Name ?? throw new HubException("not signed in"));

    /// <summary>Starts (or changes) what this page receives: null or empty for the whole city, else grid ids.</summary>
    public async Task<OperationsSnapshot> Subscribe(string[]? districts)
    {
        HashSet<string>? set = null;
        if (districts is { Length: > 0 })
        {
            var unknown = districts.FirstOrDefault(d => d is null || city.Grids.All(g => g.Id != d));
            if (unknown is not null || districts.Contains(null))
            {
                throw new HubException($"unknown district '{HubArguments.Show(unknown)}'");
            }

            set = [.. districts];
        }

        var previous = audience.Join(Context.ConnectionId, set);
        if (previous is not null)
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, previous);
        }

        // Join first, then read: every change after the snapshot's Seq reaches this connection.
        await Groups.AddToGroupAsync(Context.ConnectionId, OperationsAudience.GroupName(set));
        return board.Snapshot(set, cameraHealth.Summarize());
    }

    public override Task OnConnectedAsync()
    {
        metrics.ConnectionOpened(MetricsHubName);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        metrics.ConnectionClosed(MetricsHubName);
        audience.Leave(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Opens an incident at the alert's camera; returns the incident id.</summary>
    [Authorize(Policy = Policies.Command)]
    public async Task<string> OpenIncidentFromAlert(string alertId, string? type, int priority)
    {
        if (!Enum.IsDefined((IncidentPriority)priority))
        {
            throw new HubException($"priority must be 1 (Critical) to 4 (Low), got {priority}");
        }

        RequireShort(type, "type");

        var result = await grains.GetGrain<IAlertGrain>(RequireText(alertId, "alert id")).OpenIncidentAsync(type ?? "", (IncidentPriority)priority, Actor);
        return result.Ok ? result.IncidentId! : throw new HubException(result.Error);
    }

    /// <summary>Dismisses an alert as a false alarm.</summary>
    [Authorize(Policy = Policies.Command)]
    public async Task DismissAlert(string alertId, string? reason)
    {
        RequireShort(reason, "reason");
        Check(await grains.GetGrain<IAlertGrain>(RequireText(alertId, "alert id")).DismissAsync(reason ?? "", Actor));
    }

    [Authorize(Policy = Policies.Command)]
    public async Task Assign(string incidentId, string unitId, string? tierName)
    {
        RequireShort(tierName, "tier name");
        Check(await (await RequireIncidentAsync(incidentId)).AssignAsync(RequireUnit(unitId), string.IsNullOrWhiteSpace(tierName) ? null : tierName, Actor));
    }

    [Authorize(Policy = Policies.Command)]
    public async Task Reassign(string incidentId, string fromUnitId, string toUnitId) =>
        Check(await (await RequireIncidentAsync(incidentId)).ReassignAsync(RequireUnit(fromUnitId), RequireUnit(toUnitId), Actor));

    [Authorize(Policy = Policies.Command)]
    public async Task Unassign(string incidentId, string unitId) =>
        Check(await (await RequireIncidentAsync(incidentId)).UnassignAsync(RequireUnit(unitId), Actor));

    /// <summary>
    /// A station's desk reports its committed responders on scene (the station tier's arrival, stamped now). Refused when
    /// the incident committed no station responders or they are already on scene.
    /// </summary>
    [Authorize(Policy = Policies.Command)]
    public async Task ReportStationOnScene(string incidentId) =>
        Check(await (await RequireIncidentAsync(incidentId)).ReportStationOnSceneAsync(Actor));

    /// <summary>Closes an incident with a disposition ("resolved", "false alarm", ...).</summary>
    [Authorize(Policy = Policies.Command)]
    public async Task Close(string incidentId, string disposition) =>
        Check(await (await RequireIncidentAsync(incidentId)).CloseAsync(RequireText(disposition, "disposition"), Actor));

    /// <summary>Sends a patrol directive (an area and a time window) to units; returns it as the terminals get it.</summary>
    [Authorize(Policy = Policies.Command)]
    public async Task<LiveDirective> SendDirective(DirectiveRequest request)
    {
        if (request is null)
        {
            throw new HubException("directive must not be empty");
        }

        var error = directives.Validate(request);
        return error is null ? await directives.IssueAsync(request, Actor) : throw new HubException(error);
    }

    /// <summary>
    /// A call-taker's report (a 110 call): opens an incident at the point through the dispatch intake, which
    /// dispatches it like any other; returns the incident id. Priority is 1 (Critical) to 4 (Low).
    /// </summary>
    [Authorize(Policy = Policies.Command)]
    public async Task<string> ReportIncident(string type, int priority, double latitude, double longitude, string? description)
    {
        var report = new IncidentReport(type ?? "", (IncidentPriority)priority, latitude, longitude, description ?? "", IncidentSource.Call, Actor);
        var error = report.Validate();
        if (error is not null)
        {
            throw new HubException(error);
        }

        var result = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(report);
        return result.Ok ? result.IncidentId! : throw new HubException(result.Error);
    }

    /// <summary>The cameras nearest a point (an incident or alert), nearest first, with their health.</summary>
    public IReadOnlyList<NearbyCamera> NearestCameras(double latitude, double longitude, int count)
    {
        var error = GeoPoint.Validate(latitude, longitude);
        if (error is not null)
        {
            throw new HubException($"point refused: {error}");
        }

        if (count is < 1 or > MaxNearbyCameras)
        {
            throw new HubException($"count must be within 1..{MaxNearbyCameras}, got {count}");
        }

        var center = new GeoPoint(latitude, longitude);
        return [.. city.Cameras
            .Select(c => (Camera: c, Meters: GreatCircle.DistanceMeters(center, c.Location)))
            .OrderBy(c => c.Meters)
            .Take(count)
            .Select(c => new NearbyCamera(c.Camera.Id, c.Camera.Name, c.Camera.Location.Latitude, c.Camera.Location.Longitude,
                Math.Round(c.Meters, 1), board.IsCameraOnline(c.Camera.Id)))];
    }

    private static void Check(CommandResult result)
    {
        if (!result.Ok)
        {
            throw new HubException(result.Error);
        }
    }

    private static string RequireText(string? value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new HubException($"{what} must not be blank")
        : value.Length > MaxTextLength ? throw new HubException($"{what} must be at most {MaxTextLength} characters, got '{HubArguments.Show(value)}'")
        : value;

    private static void RequireShort(string? value, string what)
    {
        if (value is { Length: > MaxTextLength })
        {
            throw new HubException($"{what} must be at most {MaxTextLength} characters, got '{HubArguments.Show(value)}'");
        }
    }

    private string RequireUnit(string? unitId) =>
        city.Units.Any(u => u.Id == unitId) ? unitId! : throw new HubException($"unknown unit '{HubArguments.Show(unitId)}'");

    private async Task<IIncidentGrain> RequireIncidentAsync(string? incidentId)
    {
        var grain = grains.GetGrain<IIncidentGrain>(RequireText(incidentId, "incident id"));
        return await grain.GetAsync() is not null ? grain : throw new HubException($"unknown incident '{HubArguments.Show(incidentId)}'");
    }
}
