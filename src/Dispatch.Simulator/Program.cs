using Dispatch.Simulator.Scenario;

if (args.Length > 0 && args[0] == "scenario")
{
    return await ScenarioCommand.RunAsync(args[1..], Console.Out, CancellationToken.None);
}

Console.WriteLine("Dispatch simulator");
return 0;
