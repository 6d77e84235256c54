using System.Globalization;

namespace Dispatch.Grains.Hosting;

/// <summary>Tuning of the dispatch grains (appsettings "Dispatch:Grains").</summary>
public sealed class DispatchGrainOptions
{
    public const string SectionName = "Dispatch:Grains";

    /// <summary>
    /// The fastest unit speed, used to size the search around an incident: no unit farther than
    /// tier target x this speed can make the target. Raised at start to the fastest speed of the ETA model in use
    /// (the straight-line speeds, or the fastest any road class allows when a road network is loaded).
    /// </summary>
    public double FastestUnitSpeedKmh { get; set; } = 40;

    /// <summary>
    /// The search never reaches beyond this, even when no unit is found. It is also each dispatch zone's margin: a zone
    /// indexes every unit this close to it, so any search around a point of the zone is answered by that zone alone.
    /// </summary>
    public double MaxSearchRadiusMeters { get; set; } = 10_000;

    /// <summary>
    /// Positions are soft state: each silo saves the last positions of the units that moved, in one commit, this often
    /// (plus up to a tenth of it as jitter). Zero saves none.
    /// </summary>
    public TimeSpan PositionPersistInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Officers' reports to one incident arriving within this window (two units acknowledging or arriving together) share
    /// one commit of the incident record; each officer's button is answered once its commit is durable. Zero commits each
    /// report on its own.
    /// </summary>
    public TimeSpan ReportCommitWindow { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>A claim its incident has not confirmed after this long is checked against the record and given up unless recorded.</summary>
    public TimeSpan ClaimConfirmTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A tier left short because every unit was busy looks for a free unit again this often, until it is
    /// filled, met, or the incident ends.
    /// </summary>
    public TimeSpan WaitingTierRecheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    internal double FastestUnitSpeedMetersPerSecond => FastestUnitSpeedKmh / 3.6;

    /// <summary>How far beyond its own area a dispatch zone indexes units.</summary>
    public double ZoneMarginMeters => MaxSearchRadiusMeters;

    /// <summary>Configuration errors, each naming its key under <paramref name="sectionPath"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName)
    {
        var errors = new List<string>();
        if (!double.IsFinite(FastestUnitSpeedKmh) || FastestUnitSpeedKmh <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(FastestUnitSpeedKmh)} must be a positive number of km/h, got {FastestUnitSpeedKmh}"));
        }

        if (!double.IsFinite(MaxSearchRadiusMeters) || MaxSearchRadiusMeters < 100 || MaxSearchRadiusMeters > 50_000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(MaxSearchRadiusMeters)} must be within 100..50000 m, got {MaxSearchRadiusMeters}"));
        }

        if (PositionPersistInterval < TimeSpan.Zero)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(PositionPersistInterval)} must not be negative, got {PositionPersistInterval}"));
        }

        if (ReportCommitWindow < TimeSpan.Zero || ReportCommitWindow > TimeSpan.FromSeconds(1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(ReportCommitWindow)} must be within 0..1 s, got {ReportCommitWindow}"));
        }

        if (ClaimConfirmTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(ClaimConfirmTimeout)} must be at least 1 s, got {ClaimConfirmTimeout}"));
        }

        if (WaitingTierRecheckInterval <= TimeSpan.Zero)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(WaitingTierRecheckInterval)} must be positive, got {WaitingTierRecheckInterval}"));
        }

        return errors;
    }
}

internal sealed class DispatchGrainOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<DispatchGrainOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, DispatchGrainOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(errors);
    }
}
