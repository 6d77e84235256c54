using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;

namespace Dispatch.Server.Live;

/// <summary>Grain views to what pages render.</summary>
public static class LiveMapping
{
    public static LiveUnit ToLive(this UnitView unit, CityModel city) => new(
        unit.UnitId,
        unit.CallSign,
        unit.Kind,
        unit.HomeStationId,
        unit.Status,
        unit.Position?.Latitude,
        unit.Position?.Longitude,
        unit.PositionAt,
        unit.Position is { } p ? city.FindGrid(p)?.Id : null,
        unit.Assignment is { } a
            ? new LiveUnitAssignment(a.IncidentId, a.TierName, a.IncidentLocation.Latitude, a.IncidentLocation.Longitude,
                a.AssignedAt, a.AckDeadline, a.AssignmentNumber)
            : null,
        unit.OutOfServiceReason);

    public static LiveIncident ToLive(this IncidentView incident, CityModel city) => new(
        incident.IncidentId,
        incident.Type,
        (int)incident.Priority,
        incident.Location.Latitude,
        incident.Location.Longitude,
        incident.Description,
        incident.Source,
        incident.Status,
        incident.CreatedAt,
        incident.EndedAt,
        incident.Disposition,
        city.FindGrid(incident.Location)?.Id,
        [.. incident.Tiers.Select(t => new LiveTier(t.Name, t.Requested, t.Deadline, t.Outcome, t.AtRisk, t.FirstArrivalAt, t.Kind, t.StationId, t.StationResponders))],

        // Units done with the incident stay listed with their state: "every unit that went has cleared" is what closes it.
        [.. incident.Assignments.Select(a => new LiveIncidentAssignment(a.UnitId, a.TierName, a.State, a.AssignedAt, a.EtaSeconds, a.ArrivedAt))]);

    /// <summary>The grid of a camera's station, for routing alerts and camera health to district subscribers.</summary>
    public static string? GridOfStation(this CityModel city, string stationId) => city.FindStation(stationId)?.GridId;

    public static GeoPoint? ToPoint(double? latitude, double? longitude) =>
        latitude is { } lat && longitude is { } lon ? new GeoPoint(lat, lon) : null;
}
