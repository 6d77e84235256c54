using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Metrics;

public sealed partial class DeployConfigTests
{
    private static readonly string PrometheusConfig = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus", "prometheus.yml");
    private static readonly string Dashboard = Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "dispatch.json");

    // PromQL words that are not metric names.
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "sum", "min", "max", "avg", "count", "by", "without", "on", "ignoring", "group_left", "group_right",
        "rate", "irate", "increase", "histogram_quantile", "clamp_min", "clamp_max", "and", "or", "unless",
        "topk", "bottomk", "abs", "offset", "bool", "time", "vector", "scalar",
    };

    [Fact]
    public async Task Prometheus_configuration_passes_promtool_check_config()
    {
        var (exitCode, output) = await Promtool.RunAsync(null, "check", "config", PrometheusConfig);

        Assert.True(exitCode == 0, $"promtool check config failed ({exitCode}):\n{output}");
    }

    [Fact]
    public async Task Every_metric_the_dashboard_queries_exists_in_a_real_scrape()
    {
        var expressions = DashboardExpressions().ToList();
        await using var factory = new DispatchServerFactory();
        using var client = factory.CreateClient();
        var scrape = await Scrape.FromAsync(client);

        var names = expressions.SelectMany(MetricNames).Distinct(StringComparer.Ordinal).ToList();
        var missing = names.Where(n => !scrape.SampleNames.Contains(n)).ToList();

        Assert.Contains("dispatch_decision_duration_seconds_bucket", names);
        Assert.True(missing.Count == 0, $"metrics queried by the dashboard but not exported: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Dashboard_has_the_compliance_latency_alert_rate_and_camera_panels()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var titles = json.RootElement.GetProperty("panels").EnumerateArray()
            .Select(p => p.GetProperty("title").GetString() ?? "").ToList();

        Assert.Contains(titles, t => t.StartsWith("Compliance by tier", StringComparison.Ordinal));
        Assert.Contains(titles, t => t.Contains("latency", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Alert rate", titles);
        Assert.Contains("Cameras offline", titles);
    }

    [Theory]
    [InlineData("sum by (tier) (increase(dispatch_tier_outcomes_total{outcome=\"met\"}[1h]))", "dispatch_tier_outcomes_total")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m])))", "x_seconds_bucket")]
    [InlineData("sum(dispatch_cameras{state=\"offline\"}) / clamp_min(sum(dispatch_cameras), 1)", "dispatch_cameras")]
    public void Metric_names_are_read_from_an_expression_without_functions_or_labels(string expression, string expected)
    {
        Assert.Equal([expected], MetricNames(expression).Distinct().ToList());
    }

    private static IEnumerable<string> DashboardExpressions()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Dashboard));
        foreach (var panel in json.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                yield return target.GetProperty("expr").GetString()!;
            }
        }
    }

    /// <summary>Identifiers of an expression that name series: not functions, keywords, labels, durations or strings.</summary>
    private static IEnumerable<string> MetricNames(string expression)
    {
        var bare = Strings().Replace(expression, "\"\"");
        bare = LabelMatchers().Replace(bare, "");
        bare = Grouping().Replace(bare, "");
        bare = Ranges().Replace(bare, "");
        foreach (Match m in Identifier().Matches(bare))
        {
            var rest = bare[(m.Index + m.Length)..].TrimStart();
            if (!PromQlWords.Contains(m.Value) && !rest.StartsWith('('))
            {
                yield return m.Value;
            }
        }
    }

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\b(by|without|on|ignoring)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
