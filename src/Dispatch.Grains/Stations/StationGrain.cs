using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Stations;
using Dispatch.Grains.City;

namespace Dispatch.Grains.Stations;

/// <summary>
/// A street police station: what it is comes from the city; its on-duty responders are counted out per incident in
/// memory. The durable record of a commitment is the incident's own (its station and responders, in the incident
/// table), so an activating station rebuilds its commitments from the open incidents that name it.
/// </summary>
public sealed class StationGrain(CityDirectory city, IIncidentStore store) : Grain, IStationGrain
{
    private readonly Dictionary<string, int> _busyByIncident = new(StringComparer.Ordinal);

    private string StationId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (city.FindStation(StationId) is null)
        {
            return;
        }

        var open = await store.FindAsync(new IncidentFilter { Status = IncidentStatus.Open, StationId = StationId, Limit = 100_000 }, cancellationToken);
        foreach (var incident in open.Where(i => i.StationResponders > 0))
        {
            _busyByIncident[incident.IncidentId] = incident.StationResponders;
        }
    }

    public Task<StationView?> GetAsync()
    {
        if (city.FindStation(StationId) is not { } station)
        {
            return Task.FromResult<StationView?>(null);
        }

        var grid = city.Cities.Select(c => c.Grids.FirstOrDefault(g => g.Id == station.GridId)).FirstOrDefault(g => g is not null);
        var model = city.Cities.First(c => c.FindStation(StationId) is not null);
        return Task.FromResult<StationView?>(new StationView(
            StationId, station.Name, station.Location, station.GridId, grid?.Boundary.AsText() ?? "",
            station.OnDutyResponders, _busyByIncident.Values.Sum(), new Dictionary<string, int>(_busyByIncident),
            [.. model.Units.Where(u => u.HomeStationId == StationId).Select(u => u.Id)],
            [.. model.Cameras.Where(c => c.StationId == StationId).Select(c => c.Id)]));
    }

    public Task<int> CommitRespondersAsync(string incidentId, int requested)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(incidentId);
        if (city.FindStation(StationId) is not { } station)
        {
            return Task.FromResult(0);
        }

        if (_busyByIncident.TryGetValue(incidentId, out var already))
        {
            return Task.FromResult(already);
        }

        var free = Math.Max(0, station.OnDutyResponders - _busyByIncident.Values.Sum());
        var committed = Math.Min(free, Math.Max(0, requested));
        if (committed > 0)
        {
            _busyByIncident[incidentId] = committed;
        }

        return Task.FromResult(committed);
    }

    public Task<int> ReleaseRespondersAsync(string incidentId) =>
        Task.FromResult(_busyByIncident.Remove(incidentId, out var released) ? released : 0);
}
