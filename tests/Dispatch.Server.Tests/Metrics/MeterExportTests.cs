using System.Diagnostics.Metrics;
using System.Text;
using Dispatch.Server.Metrics;
using Prometheus;

namespace Dispatch.Server.Tests.Metrics;

/// <summary>.NET instruments exported to a prometheus-net registry: types, names, tags, and tags that do not fit.</summary>
public sealed class MeterExportTests : IDisposable
{
    private readonly Meter _meter = new("test.export." + Guid.NewGuid().ToString("N"));
    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly MeterExport _export;

    public MeterExportTests() => _export = new MeterExport(_registry, i => ReferenceEquals(i.Meter, _meter));

    public void Dispose()
    {
        _export.Dispose();
        _meter.Dispose();
    }

    private async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task A_counter_with_tags_is_a_counter_per_tag_value()
    {
        var counter = _meter.CreateCounter<long>("dispatch.test.alerts", "{alert}", "alerts");

        counter.Add(2, new KeyValuePair<string, object?>("priority", "High"));
        counter.Add(3, new KeyValuePair<string, object?>("priority", "Low"));
        counter.Add(1, new KeyValuePair<string, object?>("priority", "High"));

        var text = await ScrapeAsync();
        Assert.Contains("# TYPE dispatch_test_alerts_total counter", text, StringComparison.Ordinal);
        Assert.Contains("dispatch_test_alerts_total{priority=\"High\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("dispatch_test_alerts_total{priority=\"Low\"} 3", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_histogram_measured_with_tags_keeps_every_observation_without_labels()
    {
        var histogram = _meter.CreateHistogram<double>("dispatch.test.latency", "ms", "latency");

        histogram.Record(4);
        histogram.Record(8, new KeyValuePair<string, object?>("method", "Assign"));
        histogram.Record(16, new KeyValuePair<string, object?>("method", "Close"), new KeyValuePair<string, object?>("result", "ok"));

        var text = await ScrapeAsync();
        Assert.Contains("dispatch_test_latency_seconds_count 3", text, StringComparison.Ordinal);
        Assert.Contains("dispatch_test_latency_seconds_sum 0.028", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_counter_whose_tag_names_change_keeps_its_first_series_and_drops_the_rest_without_failing()
    {
        var counter = _meter.CreateCounter<long>("dispatch.test.changing", "{call}", "calls");

        counter.Add(1, new KeyValuePair<string, object?>("kind", "a"));
        counter.Add(5, new KeyValuePair<string, object?>("other", "b"));
        counter.Add(5);
        counter.Add(2, new KeyValuePair<string, object?>("kind", "a"));

        var text = await ScrapeAsync();
        Assert.Contains("dispatch_test_changing_total{kind=\"a\"} 3", text, StringComparison.Ordinal);
        Assert.DoesNotContain("other=", text, StringComparison.Ordinal);
    }
}
