using Dispatch.Contracts.V1;
using Dispatch.Testing;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>Idempotency and the alert archive survive a host restart on the same database.</summary>
public sealed class AlertRestartTests
{
    [Fact]
    public async Task An_alert_re_sent_after_a_host_restart_is_a_duplicate_of_its_original_incident()
    {
        using var directory = new TempDirectory("dispatch-alert-restart");
        var alert = NewAlert(CameraId(1), AlertKind.Intrusion, Offset(0.01, 0.01));
        alert.SnapshotJpeg = Jpeg(320, 240);
        AlertAck first;
        await using (var before = new AlertTestHost(directory))
        {
            var (session, _) = await GatewaySession.ConnectAsync(before.Start(), Hello());
            await using (session)
            {
                first = await session.SendAsync(alert);
            }
        }

        await using var after = new AlertTestHost(directory);
        var (again, _) = await GatewaySession.ConnectAsync(after.Start(), Hello());
        await using var _ = again;
        var resent = await again.SendAsync(alert.Clone());
        using var http = after.Http();
        var snapshot = await http.GetByteArrayAsync($"/api/alerts/{alert.AlertId}/snapshot?variant=original", TestContext.Current.CancellationToken);

        Assert.Equal(AlertOutcome.Accepted, first.Outcome);
        Assert.Equal((AlertOutcome.Duplicate, first.IncidentId), (resent.Outcome, resent.IncidentId));
        Assert.Equal(alert.SnapshotJpeg.ToByteArray(), snapshot);
    }
}
