using System.Diagnostics;
using System.Globalization;

namespace Dispatch.LoadTests;

/// <summary>
/// Samples the host's own figures every 2 s from its /metrics (prometheus-net's process collector and the
/// service's histograms), so the same code measures a child host and a running one: peak resident memory, CPU
/// (process CPU seconds over wall seconds, 1.0 = one core), and the dispatch-decision histogram between start and end.
/// </summary>
public sealed class HostSampler : IAsyncDisposable
{
    public const string DecisionHistogram = "dispatch_decision_duration_seconds";
    public const string GrainCallHistogram = "orleans_app_requests_latency_seconds";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Uri _metrics;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private Task _loop = Task.CompletedTask;
    private double? _cpuAtStart;
    private double _cpuLast;
    private double _cpuLastWall;
    private Dictionary<double, double> _decisionAtStart = [];
    private (double Sum, double Count) _grainCallsAtStart;
    private (double Sum, double Count) _grainCallsLast;
    private Dictionary<string, double> _storageAtStart = [];
    private Dictionary<string, double> _storageLast = [];
    private Dictionary<string, double> _videoAtStart = [];
    private Dictionary<string, double> _videoLast = [];
    private bool _disposed;

    private HostSampler(Uri web, string scrapeToken)
    {
        _metrics = new Uri(web, "/metrics");
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", scrapeToken);
    }

    public double PeakRssMb { get; private set; }

    public double CpuCores { get; private set; }

    /// <summary>Scrapes failed (host too busy to answer within 5 s): the figures above are then partial.</summary>
    public int FailedScrapes { get; private set; }

    /// <summary>The dispatch decisions made while sampling: cumulative bucket counts by upper bound in seconds.</summary>
    public IReadOnlyDictionary<double, double> DecisionBuckets { get; private set; } = new Dictionary<double, double>();

    /// <summary>Starts sampling /metrics with the host's scrape token.</summary>
    public static async Task<HostSampler> StartAsync(Uri web, string scrapeToken, CancellationToken cancellationToken)
    {
        var sampler = new HostSampler(web, scrapeToken);
        var first = await sampler.ScrapeAsync(cancellationToken);
        if (first is not null)
        {
            sampler._cpuAtStart = first.Value.Cpu;
            sampler._decisionAtStart = first.Value.Decision;
            sampler._grainCallsAtStart = sampler._grainCallsLast;
            sampler._storageAtStart = sampler._storageLast;
            sampler._videoAtStart = sampler._videoLast;
        }

        sampler._loop = sampler.SampleAsync(sampler._stop.Token);
        return sampler;
    }

    /// <summary>
    /// What the host committed while sampling, from its /metrics: "transactions" (durable commits) and each kind of unit
    /// of work ("incident", "grain-state", "positions"...). Empty for a host without these metrics.
    /// </summary>
    public IReadOnlyDictionary<string, double> Storage =>
        _storageLast.ToDictionary(s => s.Key, s => s.Value - _storageAtStart.GetValueOrDefault(s.Key), StringComparer.Ordinal);

    /// <summary>Grain calls the host served while sampling (orleans_app_requests_latency_seconds).</summary>
    public double GrainCalls => _grainCallsLast.Count - _grainCallsAtStart.Count;

    /// <summary>Mean time of a grain call in the host, queueing included, in milliseconds.</summary>
    public double GrainCallMeanMs => GrainCalls > 0 ? (_grainCallsLast.Sum - _grainCallsAtStart.Sum) / GrainCalls * 1000 : double.NaN;

    /// <summary>A percentile of the decision histogram as the upper bound of its bucket (coarse: buckets double).</summary>
    public double DecisionPercentileMs(double percentile) => BucketPercentileMs(DecisionBuckets, percentile);

    public static double BucketPercentileMs(IReadOnlyDictionary<double, double> cumulative, double percentile)
    {
        ArgumentNullException.ThrowIfNull(cumulative);
        var total = cumulative.TryGetValue(double.PositiveInfinity, out var all) ? all : cumulative.Values.DefaultIfEmpty(0).Max();
        if (total <= 0)
        {
            return double.NaN;
        }

        var wanted = total * percentile / 100;
        foreach (var (bound, count) in cumulative.OrderBy(b => b.Key))
        {
            if (count >= wanted)
            {
                return bound * 1000;
            }
        }

        return double.PositiveInfinity;
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            // Every 2 s: a scrape costs the host a few percent of a core.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await ScrapeAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The host's live-video counters over the sampling, from its /metrics: "frames-received" (from gateways),
    /// "frames-sent" (to viewers), "frames-dropped" (for viewers slower than their camera). Empty for a host without them.
    /// </summary>
    public IReadOnlyDictionary<string, double> Video =>
        _videoLast.ToDictionary(s => s.Key, s => s.Value - _videoAtStart.GetValueOrDefault(s.Key), StringComparer.Ordinal);

    private static readonly (string Metric, string Name)[] VideoCounters =
    [
        ("dispatch_video_frames_received_total ", "frames-received"),
        ("dispatch_video_frames_sent_total ", "frames-sent"),
        ("dispatch_video_frames_dropped_total ", "frames-dropped"),
    ];

    private async Task<(double Cpu, Dictionary<double, double> Decision)?> ScrapeAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await _http.GetStringAsync(_metrics, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            FailedScrapes++;
            return null;
        }

        double? rss = null;
        double? cpu = null;
        var decision = new Dictionary<double, double>();
        var storage = new Dictionary<string, double>(StringComparer.Ordinal);
        var video = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            foreach (var (metric, name) in VideoCounters)
            {
                if (line.StartsWith(metric, StringComparison.Ordinal))
                {
                    video[name] = Value(line);
                }
            }

            if (line.StartsWith("dispatch_storage_transactions_total ", StringComparison.Ordinal))
            {
                storage["transactions"] = Value(line);
            }
            else if (line.StartsWith("dispatch_storage_units_total{kind=\"", StringComparison.Ordinal))
            {
                var kind = line["dispatch_storage_units_total{kind=\"".Length..line.IndexOf('"', "dispatch_storage_units_total{kind=\"".Length)];
                storage[kind] = Value(line);
            }

            if (line.StartsWith("process_working_set_bytes ", StringComparison.Ordinal))
            {
                rss = Value(line);
            }
            else if (line.StartsWith("process_cpu_seconds_total ", StringComparison.Ordinal))
            {
                cpu = Value(line);
            }
            else if (line.StartsWith(GrainCallHistogram + "_sum ", StringComparison.Ordinal))
            {
                _grainCallsLast.Sum = Value(line);
            }
            else if (line.StartsWith(GrainCallHistogram + "_count ", StringComparison.Ordinal))
            {
                _grainCallsLast.Count = Value(line);
            }
            else if (line.StartsWith(DecisionHistogram + "_bucket{", StringComparison.Ordinal) && Bound(line) is { } bound)
            {
                decision[bound] = Value(line);
            }
        }

        if (rss is { } bytes)
        {
            PeakRssMb = Math.Max(PeakRssMb, bytes / (1024.0 * 1024.0));
        }

        if (cpu is { } seconds)
        {
            _cpuLast = seconds;
            _cpuLastWall = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
            if (_cpuAtStart is { } atStart && _cpuLastWall > 0)
            {
                CpuCores = (_cpuLast - atStart) / _cpuLastWall;
            }
        }

        if (storage.Count > 0)
        {
            _storageLast = storage;
        }

        if (video.Count > 0)
        {
            _videoLast = video;
        }

        if (decision.Count > 0)
        {
            DecisionBuckets = decision.ToDictionary(d => d.Key, d => d.Value - _decisionAtStart.GetValueOrDefault(d.Key));
        }

        return (cpu ?? 0, decision);
    }

    private static double Value(string line) =>
        double.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double? Bound(string line)
    {
        const string Le = "le=\"";
        var at = line.IndexOf(Le, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = line.IndexOf('"', at + Le.Length);
        var text = line[(at + Le.Length)..end];
        return text == "+Inf" ? double.PositiveInfinity : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ScrapeAsync(last.Token);
        _stop.Dispose();
        _http.Dispose();
    }
}
