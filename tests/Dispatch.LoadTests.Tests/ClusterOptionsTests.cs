using Dispatch.LoadTests.Cluster;

namespace Dispatch.LoadTests.Tests;

public sealed class ClusterOptionsTests
{
    [Fact]
    public void Defaults_are_the_issues_fault_run()
    {
        var options = ClusterOptions.Parse([]);

        Assert.Equal((3, FaultKind.None, 2000, 2000, 20.0, 120.0), (options.Silos, options.Fault, options.Load.Units, options.Load.Cameras, options.Load.AlertRate, options.Load.DurationSeconds));
        Assert.Equal(40, options.FaultAt);
        Assert.False(options.Load.Baselines);
    }

    [Fact]
    public void Cluster_and_load_options_are_read_together()
    {
        var options = ClusterOptions.Parse(["--silos", "2", "--fault", "postgres", "--fault-at", "15", "--postgres-down", "12", "--units", "100",
            "--alert-rate", "5", "--duration", "40", "--report", "r.md"]);

        Assert.Equal((2, FaultKind.Postgres, 15.0, 12.0), (options.Silos, options.Fault, options.FaultAt, options.PostgresDownSeconds));
        Assert.Equal((100, 5.0, 40.0, "r.md"), (options.Load.Units, options.Load.AlertRate, options.Load.DurationSeconds, options.Load.ReportPath));
        Assert.Equal(2000, options.Load.Cameras);
    }

    [Theory]
    [InlineData(new[] { "--fault", "reboot" }, "--fault")]
    [InlineData(new[] { "--silos", "0" }, "--silos")]
    [InlineData(new[] { "--silos", "9" }, "--silos")]
    [InlineData(new[] { "--fault", "kill9", "--duration", "30", "--fault-at", "30" }, "--fault-at")]
    [InlineData(new[] { "--silos", "2", "--victim", "2" }, "--victim")]
    [InlineData(new[] { "--target", "http://127.0.0.1:5080" }, "--target")]
    [InlineData(new[] { "--decision-alerts", "10" }, "--decision-alerts")]
    [InlineData(new[] { "--units", "many" }, "--units")]
    [InlineData(new[] { "--restart-after" }, "--restart-after")]
    public void Bad_option_is_refused_naming_it(string[] args, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ClusterOptions.Parse(args));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
