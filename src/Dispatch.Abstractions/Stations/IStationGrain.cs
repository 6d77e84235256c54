using Dispatch.Domain.Geo;

namespace Dispatch.Abstractions.Stations;

/// <summary>A station with its responders committed per incident.</summary>
[GenerateSerializer]
[Alias("dispatch.station-view")]
public sealed record StationView(
    [property: Id(0)] string StationId,
    [property: Id(1)] string Name,
    [property: Id(2)] GeoPoint Location,
    [property: Id(3)] string GridId,
    [property: Id(4)] string GridBoundaryWkt,
    [property: Id(5)] int OnDutyResponders,
    [property: Id(6)] int BusyResponders,
    [property: Id(7)] IReadOnlyDictionary<string, int> BusyByIncident,
    [property: Id(8)] IReadOnlyList<string> UnitIds,
    [property: Id(9)] IReadOnlyList<string> CameraIds);

/// <summary>
/// A street police station (key: station id): what it is comes from the city; which of its on-duty responders are
/// committed to which open incident is rebuilt from the incident record when it activates.
/// </summary>
[Alias("dispatch.IStationGrain")]
public interface IStationGrain : IGrainWithStringKey
{
    /// <summary>Null when the city has no such station.</summary>
    [Alias("get")]
    Task<StationView?> GetAsync();

    /// <summary>
    /// Commits up to <paramref name="requested"/> free on-duty responders to an incident and returns how many
    /// are committed to it. Idempotent per incident: asking again returns the existing commitment.
    /// </summary>
    [Alias("commit")]
    Task<int> CommitRespondersAsync(string incidentId, int requested);

    /// <summary>Frees the responders committed to an incident (closed or cancelled); returns how many.</summary>
    [Alias("release")]
    Task<int> ReleaseRespondersAsync(string incidentId);
}
