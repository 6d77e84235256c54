using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.City;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.LoadTests;

/// <summary>
/// Our dispatch engine (the Orleans grains with in-memory storage) in this process on loopback ports, for the
/// decision phase against the peers: no gRPC, SignalR or SQLite, as a peer's query has none of them either. The
/// event sink stands in for the officers' terminals: "assigned" is the moment the unit grain publishes the assignment.
/// </summary>
public sealed class InProcessEngine : IAsyncDisposable, IDispatchEventSink
{
    private readonly IHost _host;
    private readonly ConcurrentDictionary<(string UnitId, long Assignment), byte> _seen = new();
    private readonly ConcurrentDictionary<string, byte> _closing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IncidentView> _incidents = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    private InProcessEngine(IHost host) => _host = host;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public AlertTracker? Tracker { get; set; }

    /// <summary>How long an officer takes to acknowledge, reach the scene and clear.</summary>
    public OfficerTimings Officers { get; private init; } = OfficerTimings.Default;

    /// <summary>
    /// True when the engine assigned nobody to the incident and recorded why: no free unit within its search radius
    /// (every unit near enough was busy), as opposed to an incident it never answered.
    /// </summary>
    public bool FoundNoFreeUnit(string incidentId) =>
        _incidents.TryGetValue(incidentId, out var view) && view.Assignments.Count == 0
        && view.Tiers.Any(t => t.Kind == TierKind.NearestUnits && t.Shortfalls.Count > 0);

    /// <summary>Starts the engine with the world's grids, stations and units (cameras are not on the decision path).</summary>
    public static async Task<InProcessEngine> StartAsync(World world, OfficerTimings officers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(world);
        var city = new CityModel(world.City.Name, world.City.Center, world.City.Grids, world.City.Stations, world.City.Units, []);
        InProcessEngine? engine = null;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Services.AddSingleton<IDispatchEventSink>(_ => engine!);
        builder.Services.AddSingleton(city);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(FreePort(), FreePort(), serviceId: "load", clusterId: "load-" + Guid.NewGuid().ToString("N")[..8]);
            silo.AddMemoryGrainStorageAsDefault();
            silo.AddDispatchGrains();
        });
        var host = builder.Build();
        engine = new InProcessEngine(host) { Officers = officers };
        await host.StartAsync(cancellationToken);
        await CityStartup.WakeZonesAsync(engine.Grains, city, cancellationToken);
        return engine;
    }

    public ValueTask IncidentChangedAsync(IncidentView incident, IReadOnlyList<TimelineEntry> appended)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (Tracker is not null)
        {
            _incidents[incident.IncidentId] = incident;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask UnitChangedAsync(UnitView unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Status == UnitStatus.Dispatched && unit.Assignment is { } assignment
            && _seen.TryAdd((unit.UnitId, assignment.AssignmentNumber), 0))
        {
            Tracker?.AssignedTo(assignment.IncidentId);
            _ = RespondAsync(unit.UnitId, assignment.IncidentId);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>What an officer does with an assignment: acknowledge, arrive, clear; the first arrival closes the incident.</summary>
    private async Task RespondAsync(string unitId, string incidentId)
    {
        try
        {
            var token = _stop.Token;
            var unit = Grains.GetGrain<IPatrolUnitGrain>(unitId);
            await Task.Delay(Officers.Acknowledge, token);
            await unit.PerformAsync(TerminalAction.Acknowledge, unitId);
            await Task.Delay(Officers.OnScene, token);
            await unit.PerformAsync(TerminalAction.OnScene, unitId);
            if (_closing.TryAdd(incidentId, 0))
            {
                await Grains.GetGrain<IIncidentGrain>(incidentId).CloseAsync("handled (load run)", unitId);
            }

            await Task.Delay(Officers.Clear, token);
            await unit.PerformAsync(TerminalAction.Clear, unitId);
            await unit.PerformAsync(TerminalAction.Available, unitId);
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
        catch (Exception exception) when (exception is TimeoutException or OrleansException)
        {
            // A refused or slow step leaves the unit where it is; the run counts assignments, not closures.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping took too long; the process ends anyway.
        }

        _host.Dispose();
        _stop.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
