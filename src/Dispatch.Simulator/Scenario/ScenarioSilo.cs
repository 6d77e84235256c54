using Dispatch.Domain.City;
using System.Net;
using System.Net.Sockets;
using Dispatch.Abstractions.Common;
using Dispatch.Grains.Hosting;
using Dispatch.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Dispatch.Simulator.Scenario;

/// <summary>
/// An in-process silo running the real dispatch grains: relational (SQLite) grain storage and incident record in
/// one file, the accelerated clock as the dispatch clock, the scenario's city, and its live feed as the event sink.
/// </summary>
public static class ScenarioSilo
{
    public static IHost Build(string sqlitePath, AcceleratedTimeProvider clock, LiveFeed feed, CityModel city)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentException.ThrowIfNullOrWhiteSpace(sqlitePath);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(feed);
        var connectionString = $"Data Source={sqlitePath}";
        var (siloPort, gatewayPort) = (FreeLoopbackPort(), FreeLoopbackPort());
        var clusterId = $"scenario-{Guid.NewGuid():N}";
        return new HostBuilder()
            .ConfigureLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Orleans", LogLevel.Error)
                .AddFilter("Microsoft", LogLevel.Error)
                // stdout carries only the summary.
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "dispatch-scenario", clusterId: clusterId);
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = "dispatch-scenario";
                });
                silo.AddRelationalGrainStorage(DispatchStorage.ProviderName, o =>
                {
                    o.Dialect = RelationalDialect.Sqlite;
                    o.ConnectionString = connectionString;
                });
                silo.Services.AddRelationalIncidentStore(o =>
                {
                    o.Dialect = RelationalDialect.Sqlite;
                    o.ConnectionString = connectionString;
                });
                silo.Services.AddSingleton(city);
                silo.Services.AddKeyedSingleton<TimeProvider>(DispatchClock.ServiceKey, clock);
                silo.Services.AddSingleton<IDispatchEventSink>(feed);
                silo.AddDispatchGrains();
            })
            .Build();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
