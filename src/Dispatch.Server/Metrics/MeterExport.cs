using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace Dispatch.Server.Metrics;

/// <summary>
/// Exports .NET meter instruments to a prometheus-net registry with their real Prometheus types. prometheus-net's
/// meter adapter shows every .NET counter as a gauge (a meter may be re-created and start again from zero), which
/// loses the counter type and the <c>_total</c> convention, and in this host (prometheus-net 8.2.1, .NET 10) it
/// connected to Orleans' instruments without ever exporting a sample. Our meter and Orleans' live as long as the
/// process, so their counters are exported as counters here.
/// </summary>
public sealed class MeterExport : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly IMetricFactory _factory;
    private readonly Func<Instrument, bool> _include;
    private readonly ConcurrentDictionary<Instrument, object> _metrics = new();
    private readonly ConcurrentDictionary<Instrument, byte> _mismatched = new();
    private volatile bool _disposed;

    public MeterExport(CollectorRegistry registry, Func<Instrument, bool> include)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(include);
        _include = include;
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!_include(instrument))
            {
                return;
            }

            // Histograms carry no labels here, so their series can exist (empty) from the first scrape.
            if (instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>))
            {
                _metrics.GetOrAdd(instrument, i => Create(i, []));
            }

            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();

        // Observable instruments are read just before each scrape.
        registry.AddBeforeCollectCallback(() =>
        {
            if (!_disposed)
            {
                _listener.RecordObservableInstruments();
            }
        });
    }

    /// <summary>Buckets of every exported histogram (latencies): 0.5 ms to about 16 s, doubling; the 50 ms target falls on an edge region with several buckets.</summary>
    public static double[] LatencyBucketsSeconds { get; } = Histogram.ExponentialBuckets(0.0005, 2, 16);

    /// <summary>
    /// The Prometheus name of an instrument: dots and dashes to underscores, the base unit as a suffix
    /// (<c>s</c> to <c>_seconds</c>, <c>By</c> to <c>_bytes</c>), and <c>_total</c> for counters. Annotation units
    /// such as <c>{alert}</c> add nothing.
    /// </summary>
    public static string PrometheusName(string instrumentName, string? unit, bool isCounter)
    {
        var name = instrumentName.Replace('.', '_').Replace('-', '_');
        var suffix = unit switch
        {
            "s" or "ms" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        return isCounter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private void Record<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var value = Convert.ToDouble(measurement, System.Globalization.CultureInfo.InvariantCulture);
        if (instrument.Unit == "ms")
        {
            // Exported in the base unit.
            value /= 1000;
        }

        // Most measurements carry no tags (every grain call's latency): no allocation for them.
        string[] labelNames = [];
        string[] labelValues = [];
        if (tags.Length > 0)
        {
            var sorted = tags.ToArray();
            Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            labelNames = new string[sorted.Length];
            labelValues = new string[sorted.Length];
            for (var i = 0; i < sorted.Length; i++)
            {
                labelNames[i] = sorted[i].Key;
                labelValues[i] = Convert.ToString(sorted[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }

        object metric;
        try
        {
            metric = _metrics.GetOrAdd(instrument, i => Create(i, labelNames));
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException)
        {
            // The registry refused the metric (a name another instrument took with other labels): never thrown into
            // the code that measured.
            if (_mismatched.TryAdd(instrument, 0))
            {
                System.Diagnostics.Trace.WriteLine($"{instrument.Name} not exported: {exception.Message}");
            }

            return;
        }

        var names = ((Collector)metric).LabelNames;
        if (names.Length != labelValues.Length || !names.AsSpan().SequenceEqual(labelNames))
        {
            if (metric is not Histogram)
            {
                // A counter or gauge whose tag names change between measurements cannot be one Prometheus metric:
                // its other measurements are not exported (said once, not thrown per measurement).
                if (_mismatched.TryAdd(instrument, 0))
                {
                    System.Diagnostics.Trace.WriteLine($"{instrument.Name} not exported for tags [{string.Join(',', labelNames)}]: it was first seen with [{string.Join(',', names)}]");
                }

                return;
            }

            // Histograms are exported without labels (created at publication, before any measurement): the tags are dropped.
            labelValues = [];
        }

        Export(instrument, metric, value, labelValues);
    }

    private static void Export(Instrument instrument, object metric, double value, string[] labelValues)
    {
        var observable = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(ObservableCounter<>);
        var upDown = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(UpDownCounter<>);
        switch (metric)
        {
            case Counter counter when observable:
                counter.WithLabels(labelValues).IncTo(value);
                break;
            case Counter counter:
                counter.WithLabels(labelValues).Inc(value);
                break;
            case Gauge gauge when upDown:
                gauge.WithLabels(labelValues).Inc(value);
                break;
            case Gauge gauge:
                gauge.WithLabels(labelValues).Set(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(labelValues).Observe(value);
                break;
            default:
                break;
        }
    }

    private object Create(Instrument instrument, string[] labelNames)
    {
        var isCounter = instrument.GetType().IsGenericType
            && instrument.GetType().GetGenericTypeDefinition() is var t
            && (t == typeof(Counter<>) || t == typeof(ObservableCounter<>));
        var isHistogram = instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>);
        var name = PrometheusName(instrument.Name, instrument.Unit, isCounter);
        var help = instrument.Description ?? instrument.Name;
        if (isCounter)
        {
            return _factory.CreateCounter(name, help, labelNames);
        }

        return isHistogram
            ? _factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = LatencyBucketsSeconds })
            : _factory.CreateGauge(name, help, labelNames);
    }
}
