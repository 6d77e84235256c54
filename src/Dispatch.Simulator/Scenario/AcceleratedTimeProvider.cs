namespace Dispatch.Simulator.Scenario;

/// <summary>
/// A clock that runs <see cref="Speed"/> times faster than a real one: simulated time is
/// <see cref="Start"/> + real elapsed x speed, and a timer due in a simulated span fires after that span
/// divided by speed in real time (its period likewise). Registered as the dispatch clock so ack and tier
/// deadlines of a scenario pass at the same accelerated pace as the simulated officers.
/// </summary>
public sealed class AcceleratedTimeProvider : TimeProvider
{
    // Real timers count whole milliseconds; a shorter wait for a not-yet-due timer would spin.
    private static readonly TimeSpan ShortestRealDelay = TimeSpan.FromMilliseconds(1);

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
        return new AcceleratedTimer(this, callback, state, dueTime, period);
    }

    /// <summary>The real span in which <paramref name="simulated"/> passes on this clock; infinite stays infinite.</summary>
    public TimeSpan ToReal(TimeSpan simulated) =>
        simulated == Timeout.InfiniteTimeSpan ? simulated : TimeSpan.FromTicks((long)(simulated.Ticks / Speed));

    /// <summary>The simulated span that passes during <paramref name="real"/>.</summary>
    public TimeSpan ToSimulated(TimeSpan real) => TimeSpan.FromTicks((long)(real.Ticks * Speed));

    /// <summary>The real clock's timestamp at which this clock reads <paramref name="simulated"/>.</summary>
    public long ToRealTimestamp(DateTimeOffset simulated) =>
        _realStartTimestamp + (long)((simulated - Start).Ticks / Speed * TimestampFrequency / TimeSpan.TicksPerSecond);

    /// <summary>
    /// A timer on the real clock that fires when this clock reaches the due instant. Real timers may fire a few
    /// milliseconds early (they count whole, coarse ticks), which here is many simulated milliseconds: a firing
    /// before the simulated due instant waits out the rest instead of calling back early. Periods are kept
    /// here too, each measured from the previous due instant.
    /// </summary>
    private sealed class AcceleratedTimer : ITimer
    {
        private readonly AcceleratedTimeProvider _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _inner;
        private readonly Lock _lock = new();
        private DateTimeOffset? _due;
        private TimeSpan _period;

        public AcceleratedTimer(AcceleratedTimeProvider clock, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
            _inner = clock._real.CreateTimer(static self => ((AcceleratedTimer)self!).OnRealTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, Timeout.InfiniteTimeSpan);
            ArgumentOutOfRangeException.ThrowIfLessThan(period, Timeout.InfiniteTimeSpan);
            lock (_lock)
            {
                _period = period;
                _due = dueTime == Timeout.InfiniteTimeSpan ? null : _clock.GetUtcNow() + dueTime;
                return ScheduleLocked();
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _due = null;
            }

            _inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void OnRealTimer()
        {
            lock (_lock)
            {
                if (_due is not { } due)
                {
                    return;
                }

                if (_clock.GetUtcNow() < due)
                {
                    ScheduleLocked();
                    return;
                }

                _due = _period > TimeSpan.Zero ? due + _period : null;
                ScheduleLocked();
            }

            _callback(_state);
        }

        private bool ScheduleLocked()
        {
            if (_due is not { } due)
            {
                return _inner.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            var remaining = due - _clock.GetUtcNow();
            var real = remaining <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(_clock.ToReal(remaining).Ticks, ShortestRealDelay.Ticks));
            return _inner.Change(real, Timeout.InfiniteTimeSpan);
        }
    }
}
