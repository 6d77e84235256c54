namespace Dispatch.Grains.Tests.Infrastructure;

/// <summary>
/// The fake clock's time, with timers that fire slightly before their due time, as real timers may
/// (millisecond rounding, coarse ticks). Delays no longer than the earliness are kept as asked, so a
/// grain that re-arms for the remaining few milliseconds does not spin.
/// </summary>
public sealed class EarlyFiringClock(TimeProvider inner, TimeSpan earliness) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime > earliness ? dueTime - earliness : dueTime, period);
}
