using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace Dispatch.Server.Metrics;

/// <summary>
/// Prometheus exposition at <c>/metrics</c>: the service's <see cref="DispatchMetrics"/>, Orleans' meters and .NET
/// process figures. Each host has its own registry, so two hosts in one
/// process (tests) never mix their figures.
/// </summary>
public static class MetricsSetup
{
    /// <summary>Orleans publishes its instruments on meters named like this.</summary>
    public const string OrleansMeterPrefix = "Microsoft.Orleans";

    public static WebApplicationBuilder AddDispatchMetrics(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton<DispatchMetrics>();
        services.AddSingleton<ScrapeRegistry>();
        services.AddHostedService<MetricsStartup>();
        return builder;
    }

    public static WebApplication MapDispatchMetrics(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<ScrapeRegistry>().Registry;
        // GET only, for the scrape token (Prometheus: authorization credentials) or an admin.
        app.MapMetrics("/metrics", registry)
            .WithMetadata(new Microsoft.AspNetCore.Routing.HttpMethodMetadata([HttpMethods.Get]))
            .RequireAuthorization(Security.Policies.Metrics).WithName("Metrics");
        return app;
    }

    /// <summary>The registry behind this host's <c>/metrics</c>; the exporters attach to it when the host starts.</summary>
    internal sealed class ScrapeRegistry
    {
        public ScrapeRegistry()
        {
            Registry = Prometheus.Metrics.NewCustomRegistry();
            DotNetStats.Register(Registry);
        }

        public CollectorRegistry Registry { get; }
    }

    /// <summary>
    /// Attaches the meter export when the host starts, so a configuration error met while building what
    /// <see cref="DispatchMetrics"/> needs (the response plan) is reported like any other start-up error.
    /// </summary>
    private sealed class MetricsStartup(ScrapeRegistry scrape, IServiceProvider services) : IHostedService, IDisposable
    {
        private MeterExport? _export;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var metrics = services.GetRequiredService<DispatchMetrics>();
            // This host's own DispatchMetrics (not another host's in the same process) and Orleans' meters.
            _export = new MeterExport(scrape.Registry, i => ReferenceEquals(i.Meter, metrics.Meter)
                || i.Meter.Name.StartsWith(OrleansMeterPrefix, StringComparison.Ordinal));
            if (services.GetService<Dispatch.Storage.Incidents.RelationalIncidentStore>() is { } store)
            {
                ExportStorage(scrape.Registry, store.Statistics);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => _export?.Dispose();

        /// <summary>
        /// What this process committed to its database: transactions (each one durable commit, an fsync on SQLite) and
        /// units of work by kind (a step of an incident, a grain's state, a batch of positions). With group commit
        /// several units share a transaction.
        /// </summary>
        private static void ExportStorage(CollectorRegistry registry, Dispatch.Storage.StorageStatistics statistics)
        {
            var factory = Prometheus.Metrics.WithCustomRegistry(registry);
            var transactions = factory.CreateCounter("dispatch_storage_transactions_total", "Database transactions this process committed (each a durable commit).");
            var units = factory.CreateCounter("dispatch_storage_units_total", "Units of work this process committed, by kind; group commit puts several in one transaction.", "kind");
            foreach (var kind in (string[])["incident", "positions", "alert"])
            {
                units.WithLabels(kind);
            }

            registry.AddBeforeCollectCallback(() =>
            {
                transactions.IncTo(statistics.Transactions);
                foreach (var (kind, count) in statistics.Units)
                {
                    units.WithLabels(kind.StartsWith("grain-state:", StringComparison.Ordinal) ? "grain-state" : kind).IncTo(
                        kind.StartsWith("grain-state:", StringComparison.Ordinal)
                            ? statistics.Units.Where(u => u.Key.StartsWith("grain-state:", StringComparison.Ordinal)).Sum(u => u.Value)
                            : count);
                }
            });
        }
    }
}
