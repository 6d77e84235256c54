using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Tests.Plans;

public sealed class ResponsePlanOptionsTests
{
    private const string Section = ResponsePlanOptions.SectionName;

    /// <summary>A valid two-tier plan that each test breaks in one place.</summary>
    private static ResponsePlanOptions ValidOptions() => new()
    {
        Tiers =
        [
            new ResponseTierOptions
            {
                Name = "circle-1",
                TargetSeconds = 60,
                Kind = TierKind.StationResponders,
                RespondersByPriority = new() { ["Critical"] = 2, ["Low"] = 1 },
            },
            new ResponseTierOptions
            {
                Name = "circle-3",
                TargetSeconds = 180,
                Kind = TierKind.NearestUnits,
                RespondersByPriority = new() { ["Critical"] = 3, ["High"] = 1 },
            },
        ],
        ArrivalRadiusMeters = 150,
        AckDeadlineSeconds = 45,
    };

    [Fact]
    public void Valid_options_have_no_errors()
    {
        Assert.Empty(ValidOptions().Validate());
    }

    [Fact]
    public void Fresh_options_are_valid()
    {
        Assert.Empty(new ResponsePlanOptions().Validate());
    }

    [Fact]
    public void Zero_target_is_reported_with_its_full_key_and_value()
    {
        var options = ValidOptions();
        options.Tiers[1].TargetSeconds = 0;

        Assert.Contains($"{Section}:Tiers:1:TargetSeconds must be > 0, got 0", options.Validate());
    }

    [Fact]
    public void Unknown_priority_name_is_reported_with_the_priorities_that_exist()
    {
        var options = ValidOptions();
        options.Tiers[1].RespondersByPriority["Urgent"] = 1;

        Assert.Contains($"{Section}:Tiers:1:RespondersByPriority:Urgent is not a priority (Critical, High, Normal, Low)", options.Validate());
    }

    [Fact]
    public void Numeric_priority_name_is_not_taken_for_a_priority()
    {
        var options = ValidOptions();
        options.Tiers[0].RespondersByPriority["1"] = 1;

        Assert.Contains(options.Validate(), e => e.StartsWith($"{Section}:Tiers:0:RespondersByPriority:1 is not a priority", StringComparison.Ordinal));
    }

    [Fact]
    public void Priority_names_are_case_insensitive()
    {
        var options = ValidOptions();
        options.Tiers[1].RespondersByPriority = new() { ["critical"] = 4, ["HIGH"] = 2 };

        var plan = options.ToPlan().GetValueOrThrow();

        Assert.Equal(4, plan.Tiers[1].RespondersFor(IncidentPriority.Critical));
        Assert.Equal(2, plan.Tiers[1].RespondersFor(IncidentPriority.High));
    }

    [Fact]
    public void Same_priority_given_twice_in_different_case_is_reported()
    {
        var options = ValidOptions();
        options.Tiers[1].RespondersByPriority = new() { ["High"] = 1, ["high"] = 2 };

        Assert.Contains(options.Validate(), e => e.StartsWith($"{Section}:Tiers:1:RespondersByPriority:high repeats priority High", StringComparison.Ordinal));
    }

    [Fact]
    public void Negative_responder_count_is_reported()
    {
        var options = ValidOptions();
        options.Tiers[0].RespondersByPriority["Low"] = -1;

        Assert.Contains($"{Section}:Tiers:0:RespondersByPriority:Low must be >= 0, got -1", options.Validate());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_tier_name_is_reported(string name)
    {
        var options = ValidOptions();
        options.Tiers[0].Name = name;

        Assert.Contains($"{Section}:Tiers:0:Name must not be blank", options.Validate());
    }

    [Fact]
    public void Duplicate_tier_name_is_reported_at_the_repeat_naming_the_first()
    {
        var options = ValidOptions();
        options.Tiers[1].Name = "CIRCLE-1";

        var error = Assert.Single(options.Validate());

        Assert.StartsWith($"{Section}:Tiers:1:Name", error, StringComparison.Ordinal);
        Assert.Contains($"{Section}:Tiers:0", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(180)]
    [InlineData(120)]
    public void Target_not_later_than_the_previous_tier_is_reported(int secondTierTargetSeconds)
    {
        var options = ValidOptions();
        options.Tiers[0].TargetSeconds = 180;
        options.Tiers[1].TargetSeconds = secondTierTargetSeconds;

        var error = Assert.Single(options.Validate());

        Assert.StartsWith($"{Section}:Tiers:1:TargetSeconds must be greater than", error, StringComparison.Ordinal);
        Assert.EndsWith($"got {secondTierTargetSeconds}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Second_station_responders_tier_is_reported()
    {
        var options = ValidOptions();
        options.Tiers[1].Kind = TierKind.StationResponders;

        var error = Assert.Single(options.Validate());

        Assert.StartsWith($"{Section}:Tiers:1:Kind", error, StringComparison.Ordinal);
        Assert.Contains("at most one", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_tier_kind_is_reported()
    {
        var options = ValidOptions();
        options.Tiers[1].Kind = (TierKind)7;

        Assert.Contains($"{Section}:Tiers:1:Kind is not a tier kind (StationResponders, NearestUnits), got 7", options.Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(5000.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Arrival_radius_outside_zero_to_5000_meters_is_reported(double radiusMeters)
    {
        var options = ValidOptions();
        options.ArrivalRadiusMeters = radiusMeters;

        var error = Assert.Single(options.Validate());

        Assert.StartsWith($"{Section}:ArrivalRadiusMeters", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Arrival_radius_of_exactly_5000_meters_is_allowed()
    {
        var options = ValidOptions();
        options.ArrivalRadiusMeters = 5000;

        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(601)]
    public void Ack_deadline_outside_zero_to_600_seconds_is_reported(int ackDeadlineSeconds)
    {
        var options = ValidOptions();
        options.AckDeadlineSeconds = ackDeadlineSeconds;

        Assert.Contains($"{Section}:AckDeadlineSeconds must be > 0 and <= 600 s, got {ackDeadlineSeconds}", options.Validate());
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        var options = ValidOptions();
        options.Tiers[0].TargetSeconds = 0;
        options.Tiers[1].RespondersByPriority["Urgent"] = 1;
        options.AckDeadlineSeconds = 0;

        var errors = options.Validate();

        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Errors_name_keys_under_the_given_section_path()
    {
        var options = ValidOptions();
        options.Tiers[0].TargetSeconds = -1;

        var error = Assert.Single(options.Validate("Cities:Jinan:ResponsePlan"));

        Assert.StartsWith("Cities:Jinan:ResponsePlan:Tiers:0:TargetSeconds", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToPlan_fails_with_every_error_joined()
    {
        var options = ValidOptions();
        options.Tiers[0].TargetSeconds = 0;
        options.AckDeadlineSeconds = 0;

        var result = options.ToPlan();

        Assert.False(result.IsOk);
        Assert.Equal(string.Join("; ", options.Validate()), result.Error);
        Assert.Contains($"{Section}:Tiers:0:TargetSeconds", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{Section}:AckDeadlineSeconds", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToPlan_builds_the_configured_tiers_in_order()
    {
        var plan = ValidOptions().ToPlan().GetValueOrThrow();

        Assert.Equal(["circle-1", "circle-3"], plan.Tiers.Select(t => t.Name));
        Assert.Equal([TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(180)], plan.Tiers.Select(t => t.Target));
        Assert.Equal([TierKind.StationResponders, TierKind.NearestUnits], plan.Tiers.Select(t => t.Kind));
        Assert.Equal(3, plan.Tiers[1].RespondersFor(IncidentPriority.Critical));
        Assert.Equal(0, plan.Tiers[1].RespondersFor(IncidentPriority.Normal));
    }

    [Fact]
    public void ToPlan_carries_arrival_radius_and_ack_deadline()
    {
        var plan = ValidOptions().ToPlan().GetValueOrThrow();

        Assert.Equal(150, plan.ArrivalRadiusMeters);
        Assert.Equal(TimeSpan.FromSeconds(45), plan.AckDeadline);
    }

    [Fact]
    public void Empty_tier_list_gives_the_default_tiers_with_the_configured_radius_and_deadline()
    {
        var options = new ResponsePlanOptions { ArrivalRadiusMeters = 250, AckDeadlineSeconds = 90 };

        var plan = options.ToPlan().GetValueOrThrow();

        Assert.Equal(ResponsePlan.Default.Tiers, plan.Tiers);
        Assert.Equal(250, plan.ArrivalRadiusMeters);
        Assert.Equal(TimeSpan.FromSeconds(90), plan.AckDeadline);
    }
}
