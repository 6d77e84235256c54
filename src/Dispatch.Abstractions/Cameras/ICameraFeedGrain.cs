using Dispatch.Domain.Geo;

namespace Dispatch.Abstractions.Cameras;

[GenerateSerializer]
[Alias("dispatch.camera-registration")]
public sealed record CameraRegistration(
    [property: Id(0)] string Name,
    [property: Id(1)] GeoPoint Location,
    [property: Id(2)] double HeadingDegrees,
    [property: Id(3)] double FieldOfViewDegrees,
    [property: Id(4)] string StationId,
    [property: Id(5)] string GatewayId);

[GenerateSerializer]
[Alias("dispatch.camera-view")]
public sealed record CameraView(
    [property: Id(0)] string CameraId,
    [property: Id(1)] string Name,
    [property: Id(2)] GeoPoint Location,
    [property: Id(3)] double HeadingDegrees,
    [property: Id(4)] double FieldOfViewDegrees,
    [property: Id(5)] string StationId,
    [property: Id(6)] string GatewayId,
    [property: Id(7)] DateTimeOffset RegisteredAt);

/// <summary>A camera channel (key: camera id). Registry only for now; alert handling builds on it.</summary>
[Alias("dispatch.ICameraFeedGrain")]
public interface ICameraFeedGrain : IGrainWithStringKey
{
    [Alias("register")]
    Task RegisterAsync(CameraRegistration registration);

    /// <summary>Null when the camera was never registered.</summary>
    [Alias("get")]
    Task<CameraView?> GetAsync();
}
