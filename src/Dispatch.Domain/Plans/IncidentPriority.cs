namespace Dispatch.Domain.Plans;

/// <summary>Incident priority; 1 is the most urgent.</summary>
public enum IncidentPriority
{
    Critical = 1,
    High = 2,
    Normal = 3,
    Low = 4,
}
