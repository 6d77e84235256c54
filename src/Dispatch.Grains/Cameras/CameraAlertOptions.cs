namespace Dispatch.Grains.Cameras;

/// <summary>How camera alerts become incidents (appsettings "Dispatch:Alerts", the grain-side part).</summary>
public sealed class CameraAlertOptions
{
    public const string SectionName = "Dispatch:Alerts";

    /// <summary>After a camera's alert opened an incident, its alerts of the same type within this time open no other.</summary>
    public double CooldownSeconds { get; set; } = 60;

    /// <summary>An alert this close to an open incident of the same type (opened from alerts) attaches to it.</summary>
    public double CorrelationDistanceMeters { get; set; } = 150;

    /// <summary>... and observed within this time of the incident's latest alert.</summary>
    public double CorrelationWindowSeconds { get; set; } = 300;

    /// <summary>
    /// How long an alert id is remembered for de-duplication. An alert re-sent later than this is older than the
    /// maximum age and is refused as too old anyway, so this needs to exceed only that age plus the clock skew.
    /// </summary>
    public double IdempotencyRetentionSeconds { get; set; } = 3600;

    /// <summary>At most this many alert ids are remembered per camera, the oldest forgotten first.</summary>
    public int MaxRememberedAlertsPerCamera { get; set; } = 10_000;

    public IReadOnlyList<string> Validate(string section = SectionName)
    {
        var errors = new List<string>();
        if (!double.IsFinite(CooldownSeconds) || CooldownSeconds < 0)
        {
            errors.Add($"{section}:CooldownSeconds must be a non-negative number, got {CooldownSeconds}");
        }

        if (!double.IsFinite(CorrelationDistanceMeters) || CorrelationDistanceMeters < 0 || CorrelationDistanceMeters > 2000)
        {
            errors.Add($"{section}:CorrelationDistanceMeters must be within 0..2000, got {CorrelationDistanceMeters}");
        }

        if (!double.IsFinite(CorrelationWindowSeconds) || CorrelationWindowSeconds < 0)
        {
            errors.Add($"{section}:CorrelationWindowSeconds must be a non-negative number, got {CorrelationWindowSeconds}");
        }

        if (!double.IsFinite(IdempotencyRetentionSeconds) || IdempotencyRetentionSeconds < 60)
        {
            errors.Add($"{section}:IdempotencyRetentionSeconds must be at least 60, got {IdempotencyRetentionSeconds}");
        }

        if (MaxRememberedAlertsPerCamera is < 100 or > 1_000_000)
        {
            errors.Add($"{section}:MaxRememberedAlertsPerCamera must be within 100..1000000, got {MaxRememberedAlertsPerCamera}");
        }

        return errors;
    }
}
