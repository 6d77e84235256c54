using System.Diagnostics;
using System.Globalization;
using Dispatch.Domain.DaySimulation;
using Dispatch.Domain.Plans;

namespace Dispatch.Simulator;

/// <summary>One simulated day per dispatch policy on the same incidents; prints one compliance line per policy.</summary>
public static class DayCommand
{
    public static int Run(CommandLine options)
    {
        options.Allow("seed", "city", "roads", "incidents", "size", "return-home", "min-road-coverage");
        var seed = options.Int("seed", 7);
        var clock = Stopwatch.StartNew();
        var (city, _, roads, graph, _) = CityOnRoads.Load(options, seed, Console.Error);
        var incidents = DayIncidents.Generate(city, seed, options.Int("incidents", 1000));
        var simulator = new DaySimulator(city, graph, ResponsePlan.Default, new DaySimulationOptions { ReturnHome = options.Flag("return-home") });

        DayResult? travelTime = null;
        foreach (var policy in Enum.GetValues<DayPolicy>())
        {
            var result = simulator.Run(policy, incidents);
            Console.WriteLine(result.Summary());
            if (policy == DayPolicy.TravelTime)
            {
                travelTime = result;
            }
            else if (policy == DayPolicy.TravelTimeWithMoveUps)
            {
                Console.Error.WriteLine($"move_ups={result.MoveUps}");
            }
        }

        if (travelTime is { PicksCompared: > 0 })
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first_pick_differs={100.0 * travelTime.PicksDiffering / travelTime.PicksCompared:F1}% of {travelTime.PicksCompared} incidents (straight-line vs travel-time)"));
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"roads={roads.Count} nodes={graph.NodeCount} units={city.Units.Count} elapsed_s={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }
}
