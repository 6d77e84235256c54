using System.Collections.Concurrent;
using System.Diagnostics;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Grains.Hosting;

namespace Dispatch.Simulator.Scenario;

/// <summary>
/// The scenario's end of the grains' live push: it hands each unit's changes to that unit's simulated
/// terminal and each incident's changes to the people on its scene, and notes the real instant at which
/// any unit first showed an assignment to an incident (the dispatch reaching an officer's terminal).
/// </summary>
public sealed class LiveFeed : IDispatchEventSink
{
    private readonly ConcurrentDictionary<string, Mailbox<UnitView>> _units = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Mailbox<IncidentView>> _incidents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _firstAssignmentSeen = new(StringComparer.Ordinal);

    public Mailbox<UnitView> Unit(string unitId) => _units.GetOrAdd(unitId, _ => new Mailbox<UnitView>());

    public Mailbox<IncidentView> Incident(string incidentId) => _incidents.GetOrAdd(incidentId, _ => new Mailbox<IncidentView>());

    /// <summary>The <see cref="Stopwatch"/> timestamp at which a unit first showed an assignment to the incident.</summary>
    public long? FirstAssignmentSeen(string incidentId) =>
        _firstAssignmentSeen.TryGetValue(incidentId, out var timestamp) ? timestamp : null;

    public ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended)
    {
        ArgumentNullException.ThrowIfNull(incident);
        Incident(incident.IncidentId).Post(incident);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnitChangedAsync(UnitView unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Assignment is { } assignment)
        {
            _firstAssignmentSeen.TryAdd(assignment.IncidentId, Stopwatch.GetTimestamp());
        }

        Unit(unit.UnitId).Post(unit);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The latest pushed state of one grain and a signal that fires when it changes.</summary>
public sealed class Mailbox<T>
    where T : class
{
    private readonly Lock _lock = new();
    private T? _latest;
    private long _version;
    private TaskCompletionSource _changed = NewSignal();

    public T? Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    public long Version
    {
        get
        {
            lock (_lock)
            {
                return _version;
            }
        }
    }

    /// <summary>Completes at the next change; take it before reading <see cref="Latest"/> so no change is missed.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>A pushed change: always the newest, since a grain pushes from its own turns in order.</summary>
    public void Post(T value) => Set(value, expectedVersion: null);

    /// <summary>A polled state: kept only if nothing was pushed since the poll began (<paramref name="versionAtPoll"/>).</summary>
    public void Offer(T value, long versionAtPoll) => Set(value, versionAtPoll);

    private void Set(T value, long? expectedVersion)
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            if (expectedVersion is { } expected && expected != _version)
            {
                return;
            }

            _latest = value;
            _version++;
            fired = _changed;
            _changed = NewSignal();
        }

        fired.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
