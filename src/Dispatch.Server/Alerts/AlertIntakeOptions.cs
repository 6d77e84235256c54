using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Domain.Plans;

namespace Dispatch.Server.Alerts;

/// <summary>The incident an alert kind opens.</summary>
public sealed class AlertKindMapping
{
    public string Type { get; set; } = "";

    public IncidentPriority Priority { get; set; } = IncidentPriority.Normal;
}

/// <summary>How the host receives alerts (appsettings "Dispatch:Alerts"; the grains read cooldown and correlation from the same section).</summary>
public sealed class AlertIntakeOptions
{
    public const string SectionName = "Dispatch:Alerts";

    /// <summary>Alerts a gateway may have awaiting an ack, across its streams; more are refused as too many.</summary>
    public int MaxUnacknowledgedAlerts { get; set; } = 64;

    /// <summary>
    /// Admission control: alerts the host holds in process at once (across gateways). Beyond it alerts are refused at
    /// once as overloaded (retryable), lowest priority first: Low beyond half, Normal beyond three quarters, High
    /// beyond the whole; Critical never.
    /// </summary>
    public int MaxAlertsInProcess { get; set; } = 256;

    /// <summary>How far observed_at may lie ahead of the service clock.</summary>
    public double MaxClockSkewSeconds { get; set; } = 5;

    /// <summary>How old observed_at may be; an older alert is stale for dispatch.</summary>
    public double MaxAgeSeconds { get; set; } = 600;

    /// <summary>Width of the snapshot thumbnails shown in lists.</summary>
    public int ThumbnailWidthPx { get; set; } = 320;

    /// <summary>SQLite file for alert records and snapshots; empty: alerts.db beside Dispatch:Storage:SqlitePath. Unused with PostgreSQL storage (the archive is then the cluster's).</summary>
    public string ArchivePath { get; set; } = "";

    /// <summary>Incident type and priority per alert kind (keys: AlertKind names such as "Fight", "PanicButton").</summary>
    public Dictionary<string, AlertKindMapping> Kinds { get; } = new(StringComparer.Ordinal)
    {
        ["Intrusion"] = new() { Type = "intrusion", Priority = IncidentPriority.High },
        ["LineCrossing"] = new() { Type = "intrusion", Priority = IncidentPriority.Normal },
        ["Loitering"] = new() { Type = "suspicious-person", Priority = IncidentPriority.Low },
        ["Crowd"] = new() { Type = "public-order", Priority = IncidentPriority.Normal },
        ["Fight"] = new() { Type = "public-order", Priority = IncidentPriority.High },
        ["Fall"] = new() { Type = "person-down", Priority = IncidentPriority.High },
        ["FireOrSmoke"] = new() { Type = "fire", Priority = IncidentPriority.Critical },
        ["Vehicle"] = new() { Type = "vehicle", Priority = IncidentPriority.Normal },
        ["PanicButton"] = new() { Type = "panic-alarm", Priority = IncidentPriority.Critical },
        ["Sensor"] = new() { Type = "sensor-alarm", Priority = IncidentPriority.Normal },
    };

    public TimeSpan MaxClockSkew => TimeSpan.FromSeconds(MaxClockSkewSeconds);

    public TimeSpan MaxAge => TimeSpan.FromSeconds(MaxAgeSeconds);

    /// <summary>The mapping of a kind known to the contract (validated at start, so every kind has one).</summary>
    public AlertKindMapping MappingFor(AlertKind kind) => Kinds[kind.ToString()];

    /// <summary>Alarm buttons and sensors are reported as sensors; everything else as camera analytics.</summary>
    public static IncidentSource SourceOf(AlertKind kind) =>
        kind is AlertKind.PanicButton or AlertKind.Sensor ? IncidentSource.Sensor : IncidentSource.Camera;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxUnacknowledgedAlerts is < 1 or > 100_000)
        {
            errors.Add($"{SectionName}:MaxUnacknowledgedAlerts must be within 1..100000, got {MaxUnacknowledgedAlerts}");
        }

        if (MaxAlertsInProcess is < 4 or > 100_000)
        {
            errors.Add($"{SectionName}:MaxAlertsInProcess must be within 4..100000, got {MaxAlertsInProcess}");
        }

        if (!double.IsFinite(MaxClockSkewSeconds) || MaxClockSkewSeconds < 0)
        {
            errors.Add($"{SectionName}:MaxClockSkewSeconds must be a non-negative number, got {MaxClockSkewSeconds}");
        }

        if (!double.IsFinite(MaxAgeSeconds) || MaxAgeSeconds <= 0)
        {
            errors.Add($"{SectionName}:MaxAgeSeconds must be a positive number, got {MaxAgeSeconds}");
        }

        if (ThumbnailWidthPx is < 16 or > 4096)
        {
            errors.Add($"{SectionName}:ThumbnailWidthPx must be within 16..4096, got {ThumbnailWidthPx}");
        }

        var known = Enum.GetValues<AlertKind>().Where(k => k != AlertKind.Unspecified).Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (kind, mapping) in Kinds)
        {
            if (!known.Contains(kind))
            {
                errors.Add($"{SectionName}:Kinds:{kind} is not an alert kind (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
            }

            if (string.IsNullOrWhiteSpace(mapping.Type) || mapping.Type.Length > IncidentReport.MaxTypeLength)
            {
                errors.Add($"{SectionName}:Kinds:{kind}:Type must be 1 to {IncidentReport.MaxTypeLength} characters");
            }

            if (!Enum.IsDefined(mapping.Priority))
            {
                errors.Add($"{SectionName}:Kinds:{kind}:Priority must be Critical, High, Normal or Low, got {(int)mapping.Priority}");
            }
        }

        foreach (var kind in known.Where(k => !Kinds.ContainsKey(k)))
        {
            errors.Add($"{SectionName}:Kinds:{kind} is missing");
        }

        return errors;
    }
}
