namespace Dispatch.Domain.Plans;

/// <summary>The response plan as bound from configuration (appsettings "Dispatch:ResponsePlan").</summary>
public sealed class ResponsePlanOptions
{
    public const string SectionName = "Dispatch:ResponsePlan";

    public List<ResponseTierOptions> Tiers { get; set; } = [];

    public double ArrivalRadiusMeters { get; set; } = 100;

    public int AckDeadlineSeconds { get; set; } = 30;

    /// <summary>Configuration errors, each naming the bad key in full (e.g. "Dispatch:ResponsePlan:Tiers:1:TargetSeconds"); empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName) => throw new NotImplementedException();

    /// <summary>The validated plan; an empty <see cref="Tiers"/> list means the default 1/3/5 plan.</summary>
    public Result<ResponsePlan> ToPlan(string sectionPath = SectionName) => throw new NotImplementedException();
}

public sealed class ResponseTierOptions
{
    public string Name { get; set; } = "";

    public int TargetSeconds { get; set; }

    public TierKind Kind { get; set; } = TierKind.NearestUnits;

    /// <summary>Responders per priority name ("Critical", "High", "Normal", "Low").</summary>
    public Dictionary<string, int> RespondersByPriority { get; set; } = [];
}
