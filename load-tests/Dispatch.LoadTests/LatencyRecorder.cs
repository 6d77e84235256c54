using System.Diagnostics;
using HdrHistogram;

namespace Dispatch.LoadTests;

/// <summary>A thread-safe HdrHistogram of latencies in microseconds (1 µs to 60 s, 3 significant digits).</summary>
public sealed class LatencyRecorder
{
    private readonly LongConcurrentHistogram _histogram = new(1, 60_000_000, 3);

    public void Record(TimeSpan elapsed) => _histogram.RecordValue(Math.Clamp((long)elapsed.TotalMicroseconds, 1, 60_000_000));

    public void RecordSince(long startTimestamp) => Record(Stopwatch.GetElapsedTime(startTimestamp));

    public long Count => _histogram.TotalCount;

    public double PercentileMs(double percentile) =>
        Count == 0 ? double.NaN : _histogram.GetValueAtPercentile(percentile) / 1000.0;

    public double MaxMs => Count == 0 ? double.NaN : _histogram.GetMaxValue() / 1000.0;
}
