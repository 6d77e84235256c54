using System.Collections.Concurrent;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Grains.Hosting;

namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>Keeps every event the grains of both silos publish.</summary>
public sealed class RecordingEventSink : IDispatchEventSink
{
    public ConcurrentQueue<(IncidentView Incident, IReadOnlyList<TimelineEntry> Appended)> Incidents { get; } = new();

    public ConcurrentQueue<UnitView> Units { get; } = new();

    public ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended)
    {
        Incidents.Enqueue((incident, appended));
        return ValueTask.CompletedTask;
    }

    public ValueTask UnitChangedAsync(UnitView unit)
    {
        Units.Enqueue(unit);
        return ValueTask.CompletedTask;
    }
}
