using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dispatch.Server.Health;

public static class HealthSetup
{
    private const string ReadyTag = "ready";

    public static WebApplicationBuilder AddDispatchHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<SiloHealthCheck>("silo", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>/health/live: the process answers. /health/ready: the silo answers grain calls.</summary>
    public static IEndpointRouteBuilder MapDispatchHealth(this IEndpointRouteBuilder endpoints)
    {
        // Probes carry no credentials, and say nothing beyond up or down.
        endpoints.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous().WithName("HealthLive");
        endpoints.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains(ReadyTag) }).AllowAnonymous().WithName("HealthReady");
        return endpoints;
    }
}

/// <summary>Healthy when the local silo serves a management grain call, i.e. grains can run.</summary>
public sealed class SiloHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)
                .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"{hosts.Count} active silo(s)");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("silo does not answer grain calls", ex);
        }
    }
}
