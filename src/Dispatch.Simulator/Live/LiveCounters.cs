using System.Globalization;

namespace Dispatch.Simulator.Live;

/// <summary>What the live simulation did so far; read by the status lines and the final summary.</summary>
public sealed class LiveCounters
{
    private long _connected;
    private long _positions;
    private long _acknowledged;
    private long _onScene;
    private long _cleared;
    private long _refused;
    private long _connectFailures;
    private long _incidentsReported;
    private long _incidentsClosed;
    private long _stationsOnScene;
    private long _hostChanges;
    private long _gridEventsReported;
    private long _residentReports;
    private long _gridEventsResolved;
    private long _gridEventsRated;
    private long _gridEventsClosed;
    private long _residentThrottled;

    public long Connected => Interlocked.Read(ref _connected);

    public long Positions => Interlocked.Read(ref _positions);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long OnScene => Interlocked.Read(ref _onScene);

    public long Cleared => Interlocked.Read(ref _cleared);

    public long Refused => Interlocked.Read(ref _refused);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public long IncidentsReported => Interlocked.Read(ref _incidentsReported);

    public long IncidentsClosed => Interlocked.Read(ref _incidentsClosed);

    /// <summary>Station tiers whose responders the simulated station desks reported on scene.</summary>
    public long StationsOnScene => Interlocked.Read(ref _stationsOnScene);

    /// <summary>Connections that moved to another host of the list after theirs was lost.</summary>
    public long HostChanges => Interlocked.Read(ref _hostChanges);

    public void OnHostChanged() => Interlocked.Increment(ref _hostChanges);

    public long GridEventsReported => Interlocked.Read(ref _gridEventsReported);

    /// <summary>Grid events reported by simulated residents without an account.</summary>
    public long ResidentReports => Interlocked.Read(ref _residentReports);

    public long GridEventsResolved => Interlocked.Read(ref _gridEventsResolved);

    public long GridEventsRated => Interlocked.Read(ref _gridEventsRated);

    public long GridEventsClosed => Interlocked.Read(ref _gridEventsClosed);

    /// <summary>Residents' requests the host answered 429 (over its per-address throttle).</summary>
    public long ResidentThrottled => Interlocked.Read(ref _residentThrottled);

    public void OnGridEventReported(bool byResident)
    {
        Interlocked.Increment(ref _gridEventsReported);
        if (byResident)
        {
            Interlocked.Increment(ref _residentReports);
        }
    }

    public void OnGridEventResolved() => Interlocked.Increment(ref _gridEventsResolved);

    public void OnGridEventRated() => Interlocked.Increment(ref _gridEventsRated);

    public void OnGridEventClosed() => Interlocked.Increment(ref _gridEventsClosed);

    public void OnResidentThrottled() => Interlocked.Increment(ref _residentThrottled);

    public void OnConnected() => Interlocked.Increment(ref _connected);

    public void OnDisconnected() => Interlocked.Decrement(ref _connected);

    public void OnPosition() => Interlocked.Increment(ref _positions);

    public void OnAcknowledged() => Interlocked.Increment(ref _acknowledged);

    public void OnArrived() => Interlocked.Increment(ref _onScene);

    public void OnCleared() => Interlocked.Increment(ref _cleared);

    public void OnRefused() => Interlocked.Increment(ref _refused);

    public void OnConnectFailed() => Interlocked.Increment(ref _connectFailures);

    public void OnIncidentReported() => Interlocked.Increment(ref _incidentsReported);

    public void OnIncidentClosed() => Interlocked.Increment(ref _incidentsClosed);

    public void OnStationOnScene() => Interlocked.Increment(ref _stationsOnScene);

    /// <summary>One line, key=value, for logs and scripts.</summary>
    public string Format(int units) => string.Create(CultureInfo.InvariantCulture,
        $"units={units} connected={Connected} positions={Positions} acknowledged={Acknowledged} on_scene={OnScene} cleared={Cleared} incidents_reported={IncidentsReported} incidents_closed={IncidentsClosed} station_on_scene={StationsOnScene} grid_events_reported={GridEventsReported} grid_events_by_residents={ResidentReports} grid_events_resolved={GridEventsResolved} grid_events_rated={GridEventsRated} grid_events_closed={GridEventsClosed} resident_throttled={ResidentThrottled} refused={Refused} connect_failures={ConnectFailures} host_changes={HostChanges}");
}
