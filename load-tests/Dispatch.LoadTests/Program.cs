using Dispatch.LoadTests;
using Dispatch.LoadTests.Cluster;

if (args.Length > 0 && args[0] == "cluster")
{
    return await ClusterCommand.RunAsync(args[1..]);
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"Dispatch.LoadTests: {ex.Message}");
    await Console.Error.WriteLineAsync(LoadOptions.Usage);
    return 64;
}

if (options.WriteCityPath is not null)
{
    var world = new World(options);
    await File.WriteAllTextAsync(options.WriteCityPath, Dispatch.Domain.City.CityGeoJson.Write(world.City));
    Console.WriteLine($"wrote {options.WriteCityPath}: {world.Units.Count} units, {world.City.Cameras.Count} cameras on gateways {string.Join(", ", world.Gateways)}");
    Console.WriteLine("start a host with Dispatch__City__Path set to it, a Dispatch__Gateways__<id>__Credential for each gateway, then drive it with --target");
    return 0;
}

// A hard ceiling: the run stops by itself well after its own duration, whatever happens.
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds((options.DurationSeconds * 3) + 600));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var result = await LoadRun.RunAsync(options, Console.Out, stop.Token);
if (options.ReportPath is not null)
{
    var command = "dotnet run --project load-tests/Dispatch.LoadTests -c Release -- " + string.Join(' ', args);
    await File.WriteAllTextAsync(options.ReportPath, MarkdownReport.Render(result, command), stop.Token);
}

Console.WriteLine(result.SummaryLine());
Console.WriteLine(result.CostLine());
return result.Lost == 0 ? 0 : 1;
