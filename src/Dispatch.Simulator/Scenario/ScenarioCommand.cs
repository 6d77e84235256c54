namespace Dispatch.Simulator.Scenario;

/// <summary>
/// <c>scenario</c>: runs the dispatch grains headless through a seeded incident stream and prints one summary
/// line on <c>output</c> (progress goes to stderr). Exit code 0 when no unit was double-assigned and no
/// incident was lost, 1 otherwise, 2 for bad arguments.
/// </summary>
public static class ScenarioCommand
{
    /// <param name="args">The options after the command name (a leading "scenario" is skipped).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var (options, error) = ScenarioOptions.Parse(args);
        if (options is null)
        {
            await Console.Error.WriteLineAsync($"scenario: {error}");
            await Console.Error.WriteLineAsync(ScenarioOptions.Usage);
            return 2;
        }

        var summary = await new ScenarioRun(options, Console.Error).RunAsync(ct);
        await output.WriteLineAsync(summary.Format());
        await output.FlushAsync(ct);
        return summary.Passed ? 0 : 1;
    }
}
