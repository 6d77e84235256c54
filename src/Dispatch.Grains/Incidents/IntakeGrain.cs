using System.Globalization;
using Dispatch.Abstractions.Incidents;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace Dispatch.Grains.Incidents;

/// <summary>
/// Validates a report, opens the incident under a fresh id and returns the id once the incident and its first
/// dispatch step are recorded.
/// </summary>
[StatelessWorker]
public sealed class IntakeGrain([FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock) : Grain, IIntakeGrain
{
    public async Task<IntakeResult> ReportAsync(IncidentReport report)
    {
        if (report is null)
        {
            return new IntakeResult(null, "report must not be null");
        }

        var error = report.Validate();
        if (error is not null)
        {
            return new IntakeResult(null, error);
        }

        var incidentId = NewIncidentId(clock);
        var opened = await GrainFactory.GetGrain<IIncidentGrain>(incidentId).OpenAsync(report);
        return opened.Ok ? new IntakeResult(incidentId, null) : new IntakeResult(null, opened.Error);
    }

    /// <summary>Readable and sortable by creation time; the random tail keeps ids unique across silos.</summary>
    internal static string NewIncidentId(TimeProvider clock) =>
        string.Create(CultureInfo.InvariantCulture, $"INC-{clock.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid():N}")[..32];
}
