using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Server.Cameras;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Video;

/// <summary>A camera as the video grid lists it.</summary>
/// <param name="Live">Its gateway is connected to this host and streams live on request.</param>
public sealed record VideoCamera(string CameraId, string Name, string GatewayId, double Latitude, double Longitude, double DistanceMeters, bool Online, bool Live);

/// <summary>
/// Which cameras exist (the city file's and those gateways announced), which gateway serves each, and which stream live
/// now; the nearest ones to a place, for an incident's tile grid and for the assigned officer's terminal.
/// </summary>
public sealed class VideoCameras(CityModel city, CameraHealthBoard health, GatewayLinks links, IOptions<VideoOptions> options)
{
    private readonly Dictionary<string, CameraSpec> _cityCameras = city.Cameras.ToDictionary(c => c.Id, StringComparer.Ordinal);

    /// <summary>The gateway serving the camera, or null for a camera nobody knows.</summary>
    public string? GatewayOf(string cameraId) =>
        links.GatewayOf(cameraId) ?? (_cityCameras.TryGetValue(cameraId, out var spec) && spec.GatewayId.Length > 0 ? spec.GatewayId : null);

    /// <summary>
    /// The <paramref name="count"/> cameras nearest <paramref name="at"/> within <paramref name="radiusMeters"/>, nearest
    /// first; with <paramref name="liveOnly"/>, only those that can stream now (a tile of a camera without a connected
    /// gateway would stay dark).
    /// </summary>
    public IReadOnlyList<VideoCamera> Nearest(GeoPoint at, int count, double radiusMeters, bool liveOnly)
    {
        var live = links.LiveCapableCameras();
        var announced = health.Announced().Where(a => a.Location is not null).ToDictionary(a => a.CameraId, StringComparer.Ordinal);
        var candidates = new Dictionary<string, VideoCamera>(StringComparer.Ordinal);
        foreach (var camera in city.Cameras)
        {
            candidates[camera.Id] = Describe(camera.Id, camera.Name, camera.GatewayId, camera.Location, at, live, announced);
        }

        foreach (var (cameraId, state) in announced)
        {
            // A gateway's own camera, or a city camera its gateway placed elsewhere: the gateway's word is the latest.
            var name = state.Name ?? (_cityCameras.TryGetValue(cameraId, out var spec) ? spec.Name : cameraId);
            candidates[cameraId] = Describe(cameraId, name, state.GatewayId, state.Location!.Value, at, live, announced);
        }

        return [.. candidates.Values
            .Where(c => c.DistanceMeters <= radiusMeters && (!liveOnly || c.Live))
            .OrderBy(c => c.DistanceMeters)
            .ThenBy(c => c.CameraId, StringComparer.Ordinal)
            .Take(count)];
    }

    /// <summary>An incident's cameras: the nearest that can stream, as many and as near as configured.</summary>
    public IReadOnlyList<VideoCamera> OfIncident(GeoPoint at) =>
        Nearest(at, options.Value.NearestCameras, options.Value.NearestCamerasRadiusMeters, liveOnly: true);

    private static VideoCamera Describe(string cameraId, string name, string gatewayId, GeoPoint location, GeoPoint at,
        IReadOnlyDictionary<string, string> live, Dictionary<string, AnnouncedCameraState> announced) =>
        new(cameraId, name, live.GetValueOrDefault(cameraId) ?? gatewayId, location.Latitude, location.Longitude,
            Math.Round(GreatCircle.DistanceMeters(at, location), 1),
            announced.TryGetValue(cameraId, out var state) && state.Online, live.ContainsKey(cameraId));
}
