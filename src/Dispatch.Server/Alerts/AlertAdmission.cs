using Dispatch.Domain.Plans;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Alerts;

/// <summary>
/// Admission control for alerts: how many this host holds in process at once. Under overload the host answers at
/// once with a retryable refusal instead of queueing without end, and sheds the lowest priorities first: Low beyond
/// half of <see cref="AlertIntakeOptions.MaxAlertsInProcess"/>, Normal beyond three quarters, High beyond all of it.
/// Critical alerts (panic buttons, fire) are always taken.
/// </summary>
public sealed class AlertAdmission(IOptions<AlertIntakeOptions> options)
{
    private int _inProcess;

    /// <summary>Alerts in process now.</summary>
    public int InProcess => Volatile.Read(ref _inProcess);

    /// <summary>True when the alert may be processed (call <see cref="Leave"/> when done); false when it is shed.</summary>
    public bool TryEnter(IncidentPriority priority)
    {
        var max = options.Value.MaxAlertsInProcess;
        var limit = priority switch
        {
            IncidentPriority.Critical => int.MaxValue,
            IncidentPriority.High => max,
            IncidentPriority.Normal => Math.Max(1, max * 3 / 4),
            _ => Math.Max(1, max / 2),
        };
        if (Interlocked.Increment(ref _inProcess) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _inProcess);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _inProcess);
}
