using Dispatch.Domain.Roads;

namespace Dispatch.Simulator;

public static class RoadsCommand
{
    public static int Run(CommandLine options)
    {
        options.Allow("seed", "size", "out");
        var output = options.Text("out") ?? throw new CommandLineException("roads needs --out FILE");
        var roads = DemoRoads.Generate(options.Int("seed", 7), options.Double("size", 1.0));
        File.WriteAllText(output, RoadGeoJson.Write(roads));
        Console.WriteLine($"wrote {roads.Count} roads to {output}");
        return 0;
    }
}
