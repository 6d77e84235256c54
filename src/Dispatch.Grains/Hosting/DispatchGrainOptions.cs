namespace Dispatch.Grains.Hosting;

/// <summary>Tuning of the dispatch grains (appsettings "Dispatch:Grains").</summary>
public sealed class DispatchGrainOptions
{
    public const string SectionName = "Dispatch:Grains";

    /// <summary>
    /// The fastest unit speed, used to size the search around an incident: no unit farther than
    /// tier target x this speed can make the target.
    /// </summary>
    public double FastestUnitSpeedKmh { get; set; } = 40;

    /// <summary>The search never reaches beyond this, even when no unit is found.</summary>
    public double MaxSearchRadiusMeters { get; set; } = 10_000;

    /// <summary>Positions are soft state: a unit persists its last known position at most this often.</summary>
    public TimeSpan PositionPersistInterval { get; set; } = TimeSpan.FromMinutes(1);

    internal double FastestUnitSpeedMetersPerSecond => FastestUnitSpeedKmh / 3.6;
}
