using Dispatch.Domain.Plans;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Domain.Tests.Plans;

public sealed class ResponsePlanBindingTests
{
    private static ResponsePlanOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new ResponsePlanOptions();
        configuration.GetSection(ResponsePlanOptions.SectionName).Bind(options);
        return options;
    }

    [Fact]
    public void Plan_binds_from_configuration_keys()
    {
        var options = Bind(new()
        {
            ["Dispatch:ResponsePlan:ArrivalRadiusMeters"] = "80",
            ["Dispatch:ResponsePlan:AckDeadlineSeconds"] = "20",
            ["Dispatch:ResponsePlan:Tiers:0:Name"] = "square",
            ["Dispatch:ResponsePlan:Tiers:0:TargetSeconds"] = "60",
            ["Dispatch:ResponsePlan:Tiers:0:Kind"] = "StationResponders",
            ["Dispatch:ResponsePlan:Tiers:0:RespondersByPriority:Critical"] = "3",
            ["Dispatch:ResponsePlan:Tiers:1:Name"] = "district",
            ["Dispatch:ResponsePlan:Tiers:1:TargetSeconds"] = "300",
            ["Dispatch:ResponsePlan:Tiers:1:RespondersByPriority:normal"] = "2",
        });

        var plan = options.ToPlan().GetValueOrThrow();

        Assert.Equal(80, plan.ArrivalRadiusMeters);
        Assert.Equal(TimeSpan.FromSeconds(20), plan.AckDeadline);
        Assert.Equal(["square", "district"], plan.Tiers.Select(t => t.Name));
        Assert.Equal(TierKind.StationResponders, plan.Tiers[0].Kind);
        Assert.Equal(TierKind.NearestUnits, plan.Tiers[1].Kind);
        Assert.Equal(3, plan.Tiers[0].RespondersFor(IncidentPriority.Critical));
        Assert.Equal(2, plan.Tiers[1].RespondersFor(IncidentPriority.Normal));
    }

    [Fact]
    public void Errors_from_bound_configuration_name_the_keys_an_operator_would_edit()
    {
        var options = Bind(new()
        {
            ["Dispatch:ResponsePlan:Tiers:0:Name"] = "station",
            ["Dispatch:ResponsePlan:Tiers:0:TargetSeconds"] = "60",
            ["Dispatch:ResponsePlan:Tiers:1:Name"] = "patrol",
            ["Dispatch:ResponsePlan:Tiers:1:TargetSeconds"] = "0",
            ["Dispatch:ResponsePlan:Tiers:1:RespondersByPriority:Urgent"] = "1",
        });

        var errors = options.Validate();

        Assert.Contains("Dispatch:ResponsePlan:Tiers:1:TargetSeconds must be > 0, got 0", errors);
        Assert.Contains("Dispatch:ResponsePlan:Tiers:1:RespondersByPriority:Urgent is not a priority (Critical, High, Normal, Low)", errors);
    }

    [Fact]
    public void Missing_section_binds_to_the_default_plan()
    {
        var options = Bind([]);

        var plan = options.ToPlan().GetValueOrThrow();

        Assert.Equal(ResponsePlan.Default, plan);
    }
}
