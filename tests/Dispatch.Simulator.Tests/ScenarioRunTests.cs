using System.Globalization;
using Dispatch.Simulator.Scenario;

namespace Dispatch.Simulator.Tests;

public sealed class ScenarioRunTests
{
    [Fact]
    public async Task A_small_scenario_over_the_real_grains_dispatches_every_incident_without_double_assignment_or_loss()
    {
        var output = new StringWriter();

        var exitCode = await ScenarioCommand.RunAsync(
            ["--seed", "11", "--incidents", "60", "--speed", "120", "--rate-per-hour", "1200"], output, TestContext.Current.CancellationToken);

        var summary = Fields(output.ToString().TrimEnd().Split('\n')[^1]);
        Assert.Equal(0, exitCode);
        Assert.Equal("60", summary["incidents"]);
        Assert.Equal("0", summary["double_assigned"]);
        Assert.Equal("0", summary["lost"]);
        Assert.Equal(summary["incidents"], summary["dispatched"]);
        Assert.True(double.Parse(summary["dispatch_p50_ms"], CultureInfo.InvariantCulture) > 0);
        Assert.True(double.Parse(summary["dispatch_p99_ms"], CultureInfo.InvariantCulture) >= double.Parse(summary["dispatch_p50_ms"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Bad_arguments_exit_with_2_and_print_no_summary()
    {
        var output = new StringWriter();

        var exitCode = await ScenarioCommand.RunAsync(["--incidents", "many"], output, TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output.ToString());
    }

    private static Dictionary<string, string> Fields(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(field => field.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
}
