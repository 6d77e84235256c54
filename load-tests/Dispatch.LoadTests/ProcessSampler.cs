using System.Diagnostics;

namespace Dispatch.LoadTests;

/// <summary>Samples this process's resident memory and CPU once a second while a phase runs.</summary>
public sealed class ProcessSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TimeSpan _cpuAtStart;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private bool _disposed;

    public ProcessSampler()
    {
        using var self = Process.GetCurrentProcess();
        _cpuAtStart = self.TotalProcessorTime;
        _loop = SampleAsync(_stop.Token);
    }

    public double PeakRssMb { get; private set; }

    /// <summary>CPU time over wall time: 1.0 is one core busy.</summary>
    public double CpuCores { get; private set; }

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

        Sample();
        _stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Sample();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private void Sample()
    {
        using var self = Process.GetCurrentProcess();
        PeakRssMb = Math.Max(PeakRssMb, self.WorkingSet64 / (1024.0 * 1024.0));
        var wall = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
        CpuCores = wall > 0 ? (self.TotalProcessorTime - _cpuAtStart).TotalSeconds / wall : 0;
    }
}
