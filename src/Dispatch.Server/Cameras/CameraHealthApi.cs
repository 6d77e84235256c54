namespace Dispatch.Server.Cameras;

public static class CameraHealthApi
{
    /// <summary>GET /api/cameras/health: registered, reporting and online cameras, the connected share and the offline list.</summary>
    public static IEndpointRouteBuilder MapCameraHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cameras/health", (CameraHealthBoard board) => Results.Ok(board.Summarize()))
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetCameraHealth");
        return endpoints;
    }
}
