namespace Dispatch.Server.Cameras;

public static class CameraHealthApi
{
    /// <summary>GET /api/cameras/health: registered, reporting and online cameras, the connected share and the offline list.</summary>
    public static IEndpointRouteBuilder MapCameraHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/cameras/health", (CameraHealthBoard board) => Results.Ok(board.Summarize()))
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetCameraHealth");
        endpoints.MapGet("/api/cameras/states", (CameraHealthBoard board) => Results.Ok(board.States()))
            .RequireAuthorization(Security.Policies.ViewBoard).WithName("GetCameraStates")
            .WithSummary("Ids of the cameras online and offline now; registered cameras in neither list never reported");
        return endpoints;
    }
}
