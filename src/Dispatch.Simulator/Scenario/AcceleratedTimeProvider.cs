namespace Dispatch.Simulator.Scenario;

/// <summary>
/// A clock that runs <see cref="Speed"/> times faster than a real one: simulated time is
/// <see cref="Start"/> + real elapsed x speed, and a timer due in a simulated span fires after that span
/// divided by speed in real time (its period likewise). Registered as the dispatch clock so ack and tier
/// deadlines of a scenario pass at the same accelerated pace as the simulated officers.
/// </summary>
public sealed class AcceleratedTimeProvider : TimeProvider
{
    // A positive period that rounds to 0 ms would turn a periodic timer into a one-shot one.
    private static readonly TimeSpan ShortestRealPeriod = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _real;
    private readonly long _realStartTimestamp;

    /// <param name="start">The simulated instant at which this clock is created.</param>
    /// <param name="speed">Simulated seconds per real second; must be a finite number &gt; 0.</param>
    /// <param name="real">The real clock (the system clock unless a test passes a fake one).</param>
    public AcceleratedTimeProvider(DateTimeOffset start, double speed, TimeProvider? real = null)
    {
        if (!double.IsFinite(speed) || speed <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, $"speed must be a finite number > 0, got {speed}");
        }

        _real = real ?? System;
        _realStartTimestamp = _real.GetTimestamp();
        Start = start;
        Speed = speed;
    }

    public DateTimeOffset Start { get; }

    public double Speed { get; }

    public override TimeZoneInfo LocalTimeZone => _real.LocalTimeZone;

    public override long TimestampFrequency => _real.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Start + ToSimulated(_real.GetElapsedTime(_realStartTimestamp));

    /// <summary>Timestamps advance at the simulated pace too, so <see cref="TimeProvider.GetElapsedTime(long)"/> measures simulated spans.</summary>
    public override long GetTimestamp() =>
        _realStartTimestamp + (long)((_real.GetTimestamp() - _realStartTimestamp) * Speed);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new AcceleratedTimer(this, _real.CreateTimer(callback, state, ToRealDue(dueTime), ToRealPeriod(period)));
    }

    /// <summary>The real span in which <paramref name="simulated"/> passes on this clock; infinite stays infinite.</summary>
    public TimeSpan ToReal(TimeSpan simulated) =>
        simulated == Timeout.InfiniteTimeSpan ? simulated : TimeSpan.FromTicks((long)(simulated.Ticks / Speed));

    /// <summary>The simulated span that passes during <paramref name="real"/>.</summary>
    public TimeSpan ToSimulated(TimeSpan real) => TimeSpan.FromTicks((long)(real.Ticks * Speed));

    /// <summary>The real clock's timestamp at which this clock reads <paramref name="simulated"/>.</summary>
    public long ToRealTimestamp(DateTimeOffset simulated) =>
        _realStartTimestamp + (long)((simulated - Start).Ticks / Speed * TimestampFrequency / TimeSpan.TicksPerSecond);

    private TimeSpan ToRealDue(TimeSpan dueTime) => dueTime < TimeSpan.Zero ? dueTime : ToReal(dueTime);

    private TimeSpan ToRealPeriod(TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            return period;
        }

        var real = ToReal(period);
        return real < ShortestRealPeriod ? ShortestRealPeriod : real;
    }

    private sealed class AcceleratedTimer(AcceleratedTimeProvider clock, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.ToRealDue(dueTime), clock.ToRealPeriod(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
