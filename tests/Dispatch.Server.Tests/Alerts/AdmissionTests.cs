using System.Diagnostics;
using Dispatch.Contracts.V1;
using Dispatch.Domain.Plans;
using Dispatch.Server.Alerts;
using Dispatch.Testing;
using Microsoft.Extensions.Options;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>Admission control: under overload alerts are refused at once and retryably, the lowest priorities first, a panic button never.</summary>
public sealed class AdmissionTests
{
    private static AlertAdmission Admission(int max) => new(Options.Create(new AlertIntakeOptions { MaxAlertsInProcess = max }));

    [Fact]
    public void Low_is_shed_beyond_half_normal_beyond_three_quarters_high_beyond_all_and_critical_never()
    {
        var admission = Admission(8);
        Assert.Equal(4, Enumerable.Range(0, 10).Count(_ => admission.TryEnter(IncidentPriority.Low)));
        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => admission.TryEnter(IncidentPriority.Normal)));
        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => admission.TryEnter(IncidentPriority.High)));
        Assert.Equal(10, Enumerable.Range(0, 10).Count(_ => admission.TryEnter(IncidentPriority.Critical)));
        Assert.Equal(18, admission.InProcess);

        for (var i = 0; i < 18; i++)
        {
            admission.Leave();
        }

        Assert.True(admission.TryEnter(IncidentPriority.Low));
    }

    [Fact]
    public async Task A_burst_beyond_capacity_is_answered_at_once_overloaded_and_retryable_while_panic_buttons_all_go_through()
    {
        using var directory = new TempDirectory("dispatch-admission");
        await using var host = new AlertTestHost(directory, settings: new Dictionary<string, string?> { ["Dispatch:Alerts:MaxAlertsInProcess"] = "4" });
        var client = host.Start();
        var ct = TestContext.Current.CancellationToken;

        // Loitering maps to Low priority: more than two in process at once are shed.
        var watch = Stopwatch.StartNew();
        var burst = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            client.PublishAlertAsync(NewAlert(CameraId(1 + (i % 10)), AlertKind.Loitering, Offset(0.002 * (i % 10), 0.003 * (i / 10))), Credentials(), cancellationToken: ct).ResponseAsync));
        var burstSeconds = watch.Elapsed.TotalSeconds;
        var panic = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            client.PublishAlertAsync(NewAlert(CameraId(1 + (i % 10)), AlertKind.PanicButton, Offset(-0.002 * (i % 10), 0.003 * (i / 10))), Credentials(), cancellationToken: ct).ResponseAsync));

        var shed = burst.Where(a => a.RejectReason == RejectReason.Overloaded).ToList();
        Assert.NotEmpty(shed);
        Assert.All(shed, a => Assert.True(a.RetryAfter.ToTimeSpan() > TimeSpan.Zero));
        Assert.All(shed, a => Assert.Contains("shed", a.Message, StringComparison.Ordinal));
        Assert.Equal(60, burst.Count(a => a.Outcome == AlertOutcome.Accepted) + shed.Count);
        Assert.True(burstSeconds < 30, $"the burst took {burstSeconds:F1} s to answer");
        Assert.All(panic, a => Assert.Equal(AlertOutcome.Accepted, a.Outcome));
    }
}
