namespace Dispatch.Simulator.Scenario;

/// <summary>Running counts for the progress line; updated from many tasks at once.</summary>
public sealed class ScenarioCounters
{
    private long _reported;
    private long _intakeFailed;
    private long _acknowledged;
    private long _ignored;
    private long _gpsArrivals;
    private long _buttonArrivals;
    private long _staffOnScene;
    private long _cleared;
    private long _closed;
    private long _refused;
    private long _callFailures;

    public long Reported => Interlocked.Read(ref _reported);

    public long IntakeFailed => Interlocked.Read(ref _intakeFailed);

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Ignored => Interlocked.Read(ref _ignored);

    public long GpsArrivals => Interlocked.Read(ref _gpsArrivals);

    public long ButtonArrivals => Interlocked.Read(ref _buttonArrivals);

    public long StaffOnScene => Interlocked.Read(ref _staffOnScene);

    public long Cleared => Interlocked.Read(ref _cleared);

    public long Closed => Interlocked.Read(ref _closed);

    /// <summary>Terminal actions the engine refused (usually: the unit was released meanwhile).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Grain calls that threw (timeouts, shutdown).</summary>
    public long CallFailures => Interlocked.Read(ref _callFailures);

    public void OnReported() => Interlocked.Increment(ref _reported);

    public void OnIntakeFailed() => Interlocked.Increment(ref _intakeFailed);

    public void OnAcknowledged() => Interlocked.Increment(ref _acknowledged);

    public void OnIgnored() => Interlocked.Increment(ref _ignored);

    public void OnGpsArrival() => Interlocked.Increment(ref _gpsArrivals);

    public void OnButtonArrival() => Interlocked.Increment(ref _buttonArrivals);

    public void OnStaffOnScene() => Interlocked.Increment(ref _staffOnScene);

    public void OnCleared() => Interlocked.Increment(ref _cleared);

    public void OnClosed() => Interlocked.Increment(ref _closed);

    public void OnRefused() => Interlocked.Increment(ref _refused);

    public void OnCallFailed() => Interlocked.Increment(ref _callFailures);
}
