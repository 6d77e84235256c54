using System.Diagnostics;
using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Coverage;

namespace Dispatch.Simulator;

/// <summary>
/// 1/3/5-minute coverage of the city with every unit available and with a seeded share of units
/// busy; lists the grids that lost 3-minute coverage and the move-ups that would restore it.
/// </summary>
public static class CoverageCommand
{
    public static int Run(CommandLine options)
    {
        options.Allow("seed", "city", "roads", "size", "busy-share", "moves", "out-cells", "out-grids", "min-road-coverage");
        var seed = options.Int("seed", 7);
        var busyShare = options.Double("busy-share", 0.3);
        if (busyShare >= 1)
        {
            throw new CommandLineException($"--busy-share must be below 1, got {busyShare.ToString(CultureInfo.InvariantCulture)}");
        }

        var clock = Stopwatch.StartNew();
        var (city, _, _, graph, _) = CityOnRoads.Load(options, seed, Console.Error);
        var map = new CoverageMap(graph, city.Grids);

        var stationResponders = city.Stations
            .Where(s => s.OnDutyResponders > 0)
            .Select(s => new CoverageSource(s.Location, Domain.Units.UnitKind.Foot))
            .ToList();
        var random = new Random(seed);
        var busy = city.Units.Where(_ => random.NextDouble() < busyShare).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        var idle = city.Units.Where(u => !busy.Contains(u.Id)).ToList();

        var full = map.Evaluate([.. stationResponders, .. city.Units.Select(u => new CoverageSource(u.Start, u.Kind))]);
        var reduced = map.Evaluate([.. stationResponders, .. idle.Select(u => new CoverageSource(u.Start, u.Kind))]);
        Print("all_available", full);
        Print($"busy_{busy.Count}", reduced);

        var lost = CoverageReport.GridsLosingCoverage(full, reduced, tierIndex: 1);
        Console.WriteLine($"lost_180s_coverage={lost.Count} [{string.Join(", ", lost)}]");

        var moves = MoveUpPlanner.Recommend(
            map,
            [.. idle.Select(u => new MoveUpCandidate(u.Id, u.Kind, u.Start))],
            stationResponders,
            [.. city.Stations.Select(s => new MoveUpPost(s.Id, s.Location, s.GridId))],
            tierSeconds: 180,
            maxMoves: options.Int("moves", 5));
        foreach (var move in moves)
        {
            Console.WriteLine($"move_up {move.Reason}");
        }

        var after = map.Evaluate([
            .. stationResponders,
            .. idle.Select(u => new CoverageSource(moves.FirstOrDefault(m => m.UnitId == u.Id)?.To ?? u.Start, u.Kind)),
        ]);
        Print("after_move_ups", after);

        if (options.Text("out-cells") is { } cellsPath)
        {
            File.WriteAllText(cellsPath, CoverageGeoJson.CoveredCells(map, reduced));
        }

        if (options.Text("out-grids") is { } gridsPath)
        {
            File.WriteAllText(gridsPath, CoverageGeoJson.Grids(map, reduced));
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"samples={map.SampleCount} elapsed_s={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    private static void Print(string label, CoverageReport report)
    {
        var tiers = Enumerable.Range(0, report.TierSeconds.Count).Select(t => string.Create(
            CultureInfo.InvariantCulture,
            $"area_{report.TierSeconds[t]}s={report.CityShare(t) * 100:F1}% grids_{report.TierSeconds[t]}s={report.CoveredGrids(t).Count}/{report.Grids.Count}"));
        Console.WriteLine($"{label} {string.Join(' ', tiers)}");
    }
}
