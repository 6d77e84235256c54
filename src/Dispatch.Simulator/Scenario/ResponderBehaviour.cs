using Dispatch.Domain.Eta;

namespace Dispatch.Simulator.Scenario;

/// <summary>How simulated officers and station staff behave; spans are simulated time.</summary>
public sealed record ResponderBehaviour
{
    /// <summary>Share of dispatches an officer never acknowledges (the ack deadline then re-dispatches).</summary>
    public double IgnoreFraction { get; init; } = 0.04;

    public TimeSpan AckDelayMin { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan AckDelayMax { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan EnRouteDelayMax { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Share of drives reported by GPS (arrival by radius); the others press the on-scene button.</summary>
    public double GpsArrivalFraction { get; init; } = 0.5;

    public TimeSpan PositionInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan OnSceneMin { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan OnSceneMax { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan ClearingMin { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ClearingMax { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Station staff set off after this; they ride station bicycles.</summary>
    public TimeSpan StaffReactionMin { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan StaffReactionMax { get; init; } = TimeSpan.FromSeconds(12);

    public double StaffSpeedKmh { get; init; } = 15;

    public TimeSpan StaffOnSceneMin { get; init; } = TimeSpan.FromMinutes(3);

    public TimeSpan StaffOnSceneMax { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>An operator closes an incident still held by units after this long.</summary>
    public TimeSpan IncidentMaxLifetime { get; init; } = TimeSpan.FromMinutes(25);

    /// <summary>How often a terminal asks its unit grain when no change was pushed (a safety net under the push).</summary>
    public TimeSpan TerminalPollInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a scene asks its incident grain when no change was pushed.</summary>
    public TimeSpan ScenePollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Speeds per unit kind and the detour factor of streets over the straight line.</summary>
    public StraightLineEtaOptions Driving { get; init; } = new();

    public static TimeSpan Between(Random random, TimeSpan min, TimeSpan max) =>
        min + ((max - min) * random.NextDouble());
}
