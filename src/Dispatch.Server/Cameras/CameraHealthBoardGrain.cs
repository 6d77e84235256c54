using Dispatch.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Cameras;

/// <summary>
/// The cluster's camera health board (key 0): every host reports its gateways' cameras here once a second and gets
/// the merged view's changes back in the same call (<see cref="CameraHealthMerge"/>). Soft state: a board started
/// anew (its silo died) asks each host for everything it sees, and has the whole view again within a report interval.
/// </summary>
[Alias("cameras.ICameraHealthBoardGrain")]
public interface ICameraHealthBoardGrain : IGrainWithIntegerKey
{
    [Alias("report")]
    Task<CameraHealthMergedDelta> ReportAsync(CameraHealthReport report);
}

public sealed class CameraHealthBoardGrain(
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<CameraHealthOptions> options) : Grain, ICameraHealthBoardGrain
{
    private CameraHealthMerge _merge = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _merge = new CameraHealthMerge(clock, TimeSpan.FromSeconds(options.Value.OfflineAfterSeconds));

        // A silent host's cameras go offline when their debounce runs out, whether or not anyone reports.
        this.RegisterGrainTimer(() =>
        {
            _merge.Sweep();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task<CameraHealthMergedDelta> ReportAsync(CameraHealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!report.Full && !_merge.Knows(report.HostId))
        {
            return Task.FromResult(new CameraHealthMergedDelta(_merge.Generation, _merge.Version, Reset: false, [], FullReportNeeded: true));
        }

        _merge.Apply(report);
        return Task.FromResult(_merge.ChangesSince(report.Generation, report.SinceVersion));
    }
}
