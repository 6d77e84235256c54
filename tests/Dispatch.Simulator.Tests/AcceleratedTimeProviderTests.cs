using Dispatch.Simulator.Scenario;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Simulator.Tests;

public sealed class AcceleratedTimeProviderTests
{
    private static readonly DateTimeOffset SimulatedStart = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Simulated_time_is_start_plus_real_elapsed_times_speed()
    {
        var real = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 30, real);

        Assert.Equal(SimulatedStart, clock.GetUtcNow());
        real.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SimulatedStart + TimeSpan.FromSeconds(60), clock.GetUtcNow());
    }

    [Fact]
    public void Elapsed_time_between_timestamps_is_simulated_time()
    {
        var real = new FakeTimeProvider();
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 10, real);
        var before = clock.GetTimestamp();

        real.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromSeconds(30), clock.GetElapsedTime(before));
    }

    [Fact]
    public void A_timer_fires_after_its_due_time_divided_by_speed_in_real_time()
    {
        var real = new FakeTimeProvider();
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 30, real);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);

        real.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, fired);
        real.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, fired);
        Assert.True(clock.GetUtcNow() >= SimulatedStart + TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_periodic_timer_repeats_at_its_period_divided_by_speed()
    {
        var real = new FakeTimeProvider();
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 60, real);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));

        real.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, fired);
        real.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, fired);
        real.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(4, fired);
    }

    [Fact]
    public void Changing_a_timer_scales_the_new_due_time_and_infinite_stops_it()
    {
        var real = new FakeTimeProvider();
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 100, real);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        real.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, fired);

        timer.Change(TimeSpan.FromSeconds(200), Timeout.InfiniteTimeSpan);
        real.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(0, fired);
        real.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void A_real_timer_firing_before_the_simulated_due_instant_waits_out_the_rest_instead_of_calling_back()
    {
        var real = new EarlyFiringTimeProvider(early: TimeSpan.FromMilliseconds(3));
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 60, real);
        var firedAt = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);

        real.Advance(TimeSpan.FromMilliseconds(498));
        Assert.Empty(firedAt);
        real.Advance(TimeSpan.FromMilliseconds(2));

        var at = Assert.Single(firedAt);
        Assert.True(at >= SimulatedStart + TimeSpan.FromSeconds(30), $"fired at {at:O}, before the due instant");
    }

    [Fact]
    public async Task Task_delay_on_the_clock_waits_the_scaled_real_time()
    {
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 50);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Task.Delay(TimeSpan.FromSeconds(10), clock, TestContext.Current.CancellationToken);

        // 10 simulated seconds at x50 are 200 ms of real time: never earlier, and nowhere near 10 s.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(180), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Converting_a_simulated_instant_back_gives_the_real_timestamp_at_which_the_clock_read_it()
    {
        var real = new FakeTimeProvider();
        var clock = new AcceleratedTimeProvider(SimulatedStart, speed: 20, real);
        real.Advance(TimeSpan.FromSeconds(5));
        var realNow = real.GetTimestamp();

        Assert.InRange(clock.ToRealTimestamp(clock.GetUtcNow()), realNow - 1, realNow + 1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_speed_that_is_not_a_positive_number_is_refused_naming_it(double speed)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AcceleratedTimeProvider(SimulatedStart, speed));

        Assert.Contains("speed must be a finite number > 0", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A fake real clock whose timers fire a little before they are due, as coarse real timers can.</summary>
    private sealed class EarlyFiringTimeProvider(TimeSpan early) : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new();

        public void Advance(TimeSpan by) => _fake.Advance(by);

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new EarlyTimer(_fake.CreateTimer(callback, state, Early(dueTime), period), this);

        private TimeSpan Early(TimeSpan dueTime) => dueTime > early ? dueTime - early : dueTime;

        private sealed class EarlyTimer(ITimer inner, EarlyFiringTimeProvider owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.Early(dueTime), period);

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
