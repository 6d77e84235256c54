using Dispatch.Abstractions.Cameras;
using Dispatch.Domain.Geo;
using Dispatch.Server.Security;

namespace Dispatch.Server.Cameras;

/// <summary>
/// Cameras that gateways announced beyond their quota, waiting for an operator: list, approve (registered at once, its
/// alerts accepted from then on), reject (forgotten; announced again it waits again).
/// </summary>
public static class CameraApprovalApi
{
    public const int MaxListed = 500;

    public static IEndpointRouteBuilder MapCameraApprovalApi(this IEndpointRouteBuilder endpoints)
    {
        var pending = endpoints.MapGroup("/api/cameras/pending").RequireAuthorization(Policies.Command);
        pending.MapGet("", async (ISecurityStore store, CancellationToken cancellationToken) =>
            Results.Ok(await store.ListPendingCamerasAsync(MaxListed, cancellationToken)))
            .WithName("ListPendingCameras");

        pending.MapPost("/{cameraId}/approve", async (string cameraId, ISecurityStore store, GatewayCameraQuota quota, IGrainFactory grains,
            CameraHealthBoard health, CameraHealthFeed healthFeed, SecurityAudit audit, HttpContext http) =>
        {
            var camera = await store.TakePendingCameraAsync(cameraId, http.RequestAborted);
            if (camera is null)
            {
                return Results.NotFound(new { error = $"no camera '{SecurityAudit.Bound(cameraId)}' waits for approval" });
            }

            var feed = grains.GetGrain<ICameraFeedGrain>(camera.CameraId);
            if (await feed.GetAsync() is { } registered && registered.GatewayId != camera.GatewayId)
            {
                return Results.Conflict(new { error = $"camera '{camera.CameraId}' was registered to gateway '{registered.GatewayId}' meanwhile" });
            }

            var at = new GeoPoint(camera.Latitude, camera.Longitude);
            var station = http.RequestServices.GetRequiredService<Dispatch.Grains.City.CityDirectory>().FindGrid(at)?.StationId ?? "";
            await feed.RegisterAsync(new CameraRegistration(camera.Name, at, camera.HeadingDegrees, FieldOfViewDegrees: 90, station, camera.GatewayId));
            await quota.CountApprovedAsync(camera.GatewayId, camera.CameraId, http.RequestAborted);
            await healthFeed.PublishAsync(health.Announce(camera.GatewayId, [new AnnouncedCamera(camera.CameraId, camera.Name, at)]));
            await audit.RecordAsync(SecurityAudit.CameraApproved, http.User.Identity?.Name ?? "", camera.CameraId, $"gateway {camera.GatewayId}", SecurityAudit.RemoteOf(http));
            return Results.Ok(camera);
        }).WithName("ApproveCamera");

        pending.MapPost("/{cameraId}/reject", async (string cameraId, ISecurityStore store, SecurityAudit audit, HttpContext http) =>
        {
            var camera = await store.TakePendingCameraAsync(cameraId, http.RequestAborted);
            if (camera is null)
            {
                return Results.NotFound(new { error = $"no camera '{SecurityAudit.Bound(cameraId)}' waits for approval" });
            }

            await audit.RecordAsync(SecurityAudit.CameraRejected, http.User.Identity?.Name ?? "", camera.CameraId, $"gateway {camera.GatewayId}", SecurityAudit.RemoteOf(http));
            return Results.NoContent();
        }).WithName("RejectCamera");
        return endpoints;
    }
}
