using Dispatch.Abstractions.Common;
using Dispatch.Abstractions.Stations;
using Dispatch.Domain.Geo;

namespace Dispatch.Grains.Stations;

[GenerateSerializer]
[Alias("dispatch.state.station")]
public sealed class StationState
{
    [Id(0)] public bool Registered { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public double Latitude { get; set; }
    [Id(3)] public double Longitude { get; set; }
    [Id(4)] public string GridId { get; set; } = "";
    [Id(5)] public string GridBoundaryWkt { get; set; } = "";
    [Id(6)] public int OnDutyResponders { get; set; }
    [Id(7)] public Dictionary<string, int> BusyByIncident { get; set; } = [];
    [Id(8)] public List<string> UnitIds { get; set; } = [];
    [Id(9)] public List<string> CameraIds { get; set; } = [];
}

/// <summary>A street police station: its grid, its units and cameras, and its on-duty responders counted out per incident.</summary>
public sealed class StationGrain(
    [PersistentState("station", DispatchStorage.ProviderName)] IPersistentState<StationState> state) : Grain, IStationGrain
{
    private StationState S => state.State;

    public async Task RegisterAsync(StationRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        S.Registered = true;
        S.Name = registration.Name;
        S.Latitude = registration.Location.Latitude;
        S.Longitude = registration.Location.Longitude;
        S.GridId = registration.GridId;
        S.GridBoundaryWkt = registration.GridBoundaryWkt;
        S.OnDutyResponders = registration.OnDutyResponders;
        S.UnitIds = [.. registration.UnitIds];
        S.CameraIds = [.. registration.CameraIds];
        await state.WriteStateAsync();
    }

    public Task<StationView?> GetAsync() => Task.FromResult(S.Registered
        ? new StationView(
            this.GetPrimaryKeyString(), S.Name, new GeoPoint(S.Latitude, S.Longitude), S.GridId, S.GridBoundaryWkt,
            S.OnDutyResponders, S.BusyByIncident.Values.Sum(), new Dictionary<string, int>(S.BusyByIncident),
            [.. S.UnitIds], [.. S.CameraIds])
        : null);

    public async Task<int> CommitRespondersAsync(string incidentId, int requested)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(incidentId);
        if (!S.Registered)
        {
            return 0;
        }

        if (S.BusyByIncident.TryGetValue(incidentId, out var already))
        {
            return already;
        }

        var free = Math.Max(0, S.OnDutyResponders - S.BusyByIncident.Values.Sum());
        var committed = Math.Min(free, Math.Max(0, requested));
        if (committed > 0)
        {
            S.BusyByIncident[incidentId] = committed;
            await state.WriteStateAsync();
        }

        return committed;
    }

    public async Task<int> ReleaseRespondersAsync(string incidentId)
    {
        if (!S.BusyByIncident.Remove(incidentId, out var released))
        {
            return 0;
        }

        await state.WriteStateAsync();
        return released;
    }
}
