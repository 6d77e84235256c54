using System.Diagnostics;
using Dispatch.Contracts.V1;
using Dispatch.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>A host asked to stop (SIGTERM in a rolling restart) lets its gateways go to another host at once.</summary>
public sealed class HostStoppingTests
{
    [Fact]
    public async Task A_stopping_host_ends_every_gateway_stream_unavailable_at_once_after_answering_what_it_took()
    {
        using var directory = new TempDirectory("dispatch-stopping");
        await using var host = new AlertTestHost(directory);
        var client = host.Start();
        var (session, _) = await GatewaySession.ConnectAsync(client, Hello(Gateway, Credential));
        await using var __ = session;
        var accepted = await session.SendAsync(NewAlert(CameraId(1), AlertKind.Intrusion));
        Assert.Equal(AlertOutcome.Accepted, accepted.Outcome);

        var stopping = Stopwatch.StartNew();
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var failure = await session.FailureAsync();

        Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        Assert.Contains("shutting down", failure.Status.Detail, StringComparison.Ordinal);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"the stream ended {stopping.Elapsed.TotalSeconds:F1} s after the host began to stop");
        Assert.Equal([accepted.AlertId], session.Acks.Select(a => a.AlertId));
    }
}
