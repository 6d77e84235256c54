using Dispatch.Abstractions.Cameras;
using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.Geo;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Cameras;

/// <summary>A camera registered at run time (a gateway's Hello), or moved from where the city file puts it.</summary>
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

    // Ids 20 and 21 held remembered alert ids and cooldowns; those are in the alert ledger and in memory now.
}

/// <summary>
/// A camera channel: where it is, what it sees, which gateway and station it belongs to (from the city file, or as a
/// gateway registered it), and its alerts (<c>.Alerts.cs</c>). Only a registration at run time is stored here.
/// </summary>
public sealed partial class CameraFeedGrain(
    [PersistentState("camera-feed", DispatchStorage.ProviderName)] IPersistentState<CameraFeedState> state,
    CityDirectory city,
    IIncidentStore store,
    IOptions<CameraAlertOptions> alertOptions,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock) : Grain, ICameraFeedGrain
{
    private CameraFeedState S => state.State;

    private string CameraId => this.GetPrimaryKeyString();

    public async Task RegisterAsync(CameraRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var current = Current();
        if (current is not null && current.Name == registration.Name && current.Location == registration.Location
            && current.HeadingDegrees == registration.HeadingDegrees && current.FieldOfViewDegrees == registration.FieldOfViewDegrees
            && current.StationId == registration.StationId && current.GatewayId == registration.GatewayId)
        {
            return;
        }

        S.RegisteredAt = current?.RegisteredAt ?? clock.GetUtcNow();
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

    public Task<CameraView?> GetAsync() => Task.FromResult(Current());

    /// <summary>The stored registration, else the city file's camera, else null.</summary>
    private CameraView? Current()
    {
        if (S.Registered)
        {
            return new CameraView(CameraId, S.Name, new GeoPoint(S.Latitude, S.Longitude), S.HeadingDegrees, S.FieldOfViewDegrees, S.StationId, S.GatewayId, S.RegisteredAt);
        }

        return city.FindCamera(CameraId) is { } spec
            ? new CameraView(CameraId, spec.Name, spec.Location, spec.HeadingDegrees, spec.FieldOfViewDegrees, spec.StationId, spec.GatewayId, DateTimeOffset.MinValue)
            : null;
    }
}
