using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Tests;

public sealed class DispatchGrainOptionsTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.Empty(new DispatchGrainOptions().Validate());

    [Fact]
    public void Each_bad_value_is_named_with_its_full_key()
    {
        var errors = new DispatchGrainOptions
        {
            FastestUnitSpeedKmh = 0,
            MaxSearchRadiusMeters = double.NaN,
            PositionPersistInterval = TimeSpan.FromSeconds(-1),
            WaitingTierRecheckInterval = TimeSpan.Zero,
        }.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:FastestUnitSpeedKmh", StringComparison.Ordinal) && e.Contains("got 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:MaxSearchRadiusMeters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:PositionPersistInterval", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Grains:WaitingTierRecheckInterval", StringComparison.Ordinal));
    }
}

public sealed class SearchRadiusSizingTests
{
    private static DispatchGrainOptions Resolve(Action<IServiceCollection> configure)
    {
        var services = new ServiceCollection();
        services.AddDispatchGrains();
        configure(services);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<DispatchGrainOptions>>().Value;
    }

    [Fact]
    public void With_a_road_network_the_search_is_sized_by_the_fastest_speed_any_road_class_allows()
    {
        var speeds = new RoadSpeedOptions();
        speeds.CarKmh[RoadClass.Motorway] = 120;
        var graph = RoadGraph.Build([], new RoadGraphOptions { Speeds = speeds, Origin = new GeoPoint(36.66, 117.0) });

        var options = Resolve(s => s.AddRoadNetwork(graph));

        Assert.Equal(120 * speeds.UrbanSpeedFactor, options.FastestUnitSpeedKmh, precision: 6);
    }

    [Fact]
    public void With_a_road_network_the_estimator_is_the_travel_time_pool()
    {
        var graph = RoadGraph.Build([], new RoadGraphOptions { Origin = new GeoPoint(36.66, 117.0) });
        var services = new ServiceCollection();
        services.AddDispatchGrains();
        services.AddRoadNetwork(graph);
        using var provider = services.BuildServiceProvider();

        Assert.IsType<RoadEtaEstimatorPool>(provider.GetRequiredService<IEtaEstimator>());
    }

    [Fact]
    public void Without_a_road_network_the_search_is_sized_by_the_fastest_straight_line_speed()
    {
        var options = Resolve(s => s.Configure<StraightLineEtaOptions>(o => o.MotorcycleSpeedKmh = 55));

        Assert.Equal(55, options.FastestUnitSpeedKmh);
    }
}
