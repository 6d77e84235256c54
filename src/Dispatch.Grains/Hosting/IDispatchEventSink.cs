using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;

namespace Dispatch.Grains.Hosting;

/// <summary>
/// Where grains announce changes for live views (operators' map, officers' terminals). Called on the grain's
/// own turn after the change is persisted, so an implementation must only hand the event on (e.g. to a
/// batching notifier) and return; a failure is logged and never undoes the change. The default does nothing.
/// </summary>
public interface IDispatchEventSink
{
    /// <summary>An incident changed; <paramref name="appended"/> are the timeline entries added since the last call.</summary>
    ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended);

    /// <summary>A unit changed status or assignment.</summary>
    ValueTask UnitChangedAsync(UnitView unit);

    /// <summary>Units moved: a batch of GPS fixes as a host took them (positions travel apart from status changes).</summary>
    ValueTask UnitsMovedAsync(IReadOnlyList<UnitPositionReport> positions) => ValueTask.CompletedTask;
}

internal sealed class NoDispatchEvents : IDispatchEventSink
{
    public ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended) => ValueTask.CompletedTask;

    public ValueTask UnitChangedAsync(UnitView unit) => ValueTask.CompletedTask;
}
