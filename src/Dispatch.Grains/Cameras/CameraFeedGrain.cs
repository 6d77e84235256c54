using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Common;
using Dispatch.Domain.Geo;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Grains.Cameras;

[GenerateSerializer]
[Alias("dispatch.state.camera-feed")]
public sealed class CameraFeedState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public double Latitude { get; set; }
    [Id(3)] public double Longitude { get; set; }
    [Id(4)] public double HeadingDegrees { get; set; }
    [Id(5)] public double FieldOfViewDegrees { get; set; }
    [Id(6)] public string StationId { get; set; } = "";
    [Id(7)] public string GatewayId { get; set; } = "";
    [Id(8)] public DateTimeOffset RegisteredAt { get; set; }
}

/// <summary>A camera channel's registry entry: where it is, what it sees, which gateway and station it belongs to.</summary>
public sealed class CameraFeedGrain(
    [PersistentState("camera-feed", DispatchStorage.ProviderName)] IPersistentState<CameraFeedState> state,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock) : Grain, ICameraFeedGrain
{
    private CameraFeedState S => state.State;

    public async Task RegisterAsync(CameraRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (!S.Registered)
        {
            S.RegisteredAt = clock.GetUtcNow();
        }

        S.Registered = true;
        S.Name = registration.Name;
        S.Latitude = registration.Location.Latitude;
        S.Longitude = registration.Location.Longitude;
        S.HeadingDegrees = registration.HeadingDegrees;
        S.FieldOfViewDegrees = registration.FieldOfViewDegrees;
        S.StationId = registration.StationId;
        S.GatewayId = registration.GatewayId;
        await state.WriteStateAsync();
    }

    public Task<CameraView?> GetAsync() => Task.FromResult(S.Registered
        ? new CameraView(
            this.GetPrimaryKeyString(), S.Name, new GeoPoint(S.Latitude, S.Longitude), S.HeadingDegrees,
            S.FieldOfViewDegrees, S.StationId, S.GatewayId, S.RegisteredAt)
        : null);
}
