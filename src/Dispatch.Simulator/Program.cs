using Dispatch.Simulator;
using Dispatch.Simulator.Live;
using Dispatch.Simulator.Scenario;

// The scenario runs the grains asynchronously and parses its own options.
if (args.Length > 0 && args[0] == "scenario")
{
    return await ScenarioCommand.RunAsync(args[1..], Console.Out, CancellationToken.None);
}

// Simulated terminals against a running host, until stopped or the duration is over.
if (args.Length > 0 && args[0] == "live")
{
    return await LiveCommand.RunAsync(args[1..], Console.Out);
}

// Subcommands of the simulator; each returns a process exit code.
var commands = new Dictionary<string, Func<CommandLine, int>>(StringComparer.Ordinal)
{
    ["day"] = DayCommand.Run,
    ["eta-bench"] = EtaBenchCommand.Run,
    ["roads"] = RoadsCommand.Run,
    ["coverage"] = CoverageCommand.Run,
    ["city"] = CityCommand.Run,
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine(args.Length == 0 ? "no command given" : $"unknown command \"{args[0]}\"");
    Console.Error.WriteLine(CommandLine.Usage);
    return CommandLine.UsageExitCode;
}

try
{
    return command(new CommandLine(args[1..]));
}
catch (CommandLineException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(CommandLine.Usage);
    return CommandLine.UsageExitCode;
}
catch (InputException e)
{
    Console.Error.WriteLine(e.Message);
    return InputException.ExitCode;
}
