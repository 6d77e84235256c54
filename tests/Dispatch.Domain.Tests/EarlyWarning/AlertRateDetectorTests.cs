using Dispatch.Domain.EarlyWarning;

namespace Dispatch.Domain.Tests.EarlyWarning;

public sealed class AlertRateDetectorTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 3, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Feeds a Poisson stream of alerts at <paramref name="perDay"/> from <paramref name="from"/> for <paramref name="span"/>; returns the warnings raised.</summary>
    private static List<AlertRateWarning> Feed(AlertRateDetector detector, string source, Random random, double perDay, DateTimeOffset from, TimeSpan span)
    {
        var raised = new List<AlertRateWarning>();
        var at = from;
        while (true)
        {
            at += TimeSpan.FromDays(-Math.Log(1 - random.NextDouble()) / perDay);
            if (at >= from + span)
            {
                return raised;
            }

            if (detector.Observe(source, at) is { } warning)
            {
                raised.Add(warning);
            }
        }
    }

    [Fact]
    public void A_camera_whose_alerts_jump_from_six_a_day_to_one_every_two_minutes_warns_within_the_window_and_names_its_baseline()
    {
        var detector = new AlertRateDetector();
        var random = new Random(1);
        Assert.Empty(Feed(detector, "cam-1", random, perDay: 6, Start, TimeSpan.FromDays(7)));

        var rising = Start.AddDays(7);
        var warnings = Feed(detector, "cam-1", random, perDay: 720, rising, TimeSpan.FromMinutes(30));

        var first = Assert.IsType<AlertRateWarning>(warnings.FirstOrDefault());
        Assert.True(first.RaisedAt - rising < TimeSpan.FromMinutes(30), $"raised {first.RaisedAt - rising} after the rise");
        Assert.Equal("cam-1", first.SourceId);
        Assert.InRange(first.BaselinePerDay, 3, 10);
        Assert.True(first.RecentAlerts >= 4 && first.PValue <= 1e-6 && first.RateRatio > 5);
        Assert.Contains(detector.Warnings(first.LastAlertAt), w => w.SourceId == "cam-1");
    }

    [Fact]
    public void The_warning_clears_when_the_source_goes_quiet()
    {
        var detector = new AlertRateDetector();
        for (var i = 0; i < 8; i++)
        {
            detector.Observe("probe-group-east", Start.AddMinutes(i));
        }

        Assert.Single(detector.Warnings(Start.AddMinutes(8)));
        Assert.Empty(detector.Warnings(Start.AddMinutes(45)));
    }

    [Fact]
    public void A_new_camera_does_not_warn_on_its_first_few_alerts()
    {
        var detector = new AlertRateDetector();

        Assert.Null(detector.Observe("cam-new", Start));
        Assert.Null(detector.Observe("cam-new", Start.AddMinutes(5)));
        Assert.Null(detector.Observe("cam-new", Start.AddMinutes(10)));
    }

    [Fact]
    public void Steady_cameras_at_their_own_rates_rarely_warn_and_the_false_alarm_rate_is_reported()
    {
        // 300 cameras, each steady at its own rate (1 to 50 alerts a day) for two weeks: none is rising.
        var detector = new AlertRateDetector();
        var random = new Random(7);
        var falseWarnings = 0;
        var alerts = 0;
        var cameraDays = 0;
        for (var c = 0; c < 300; c++)
        {
            var perDay = 1 + (random.NextDouble() * 49);
            var raised = Feed(detector, $"cam-{c}", random, perDay, Start, TimeSpan.FromDays(14));

            // The first week is the camera's learning time; count the second.
            falseWarnings += raised.Where(w => w.RaisedAt >= Start.AddDays(7)).Select(w => w.RaisedAt).Distinct().Count();
            alerts += (int)(perDay * 14);
            cameraDays += 7;
        }

        var perThousandCameraDays = 1000.0 * falseWarnings / cameraDays;
        TestContext.Current.TestOutputHelper?.WriteLine($"steady cameras: {falseWarnings} warnings over {cameraDays} camera-days (~{alerts} alerts): {perThousandCameraDays:F2} per 1000 camera-days");
        Assert.True(perThousandCameraDays < 2, $"{falseWarnings} false warnings over {cameraDays} camera-days");
    }

    [Fact]
    public void Options_out_of_range_are_refused_naming_the_key()
    {
        var error = Assert.Throws<ArgumentException>(() => new AlertRateDetector(new AlertRateOptions { RecentMinutes = 0, MaxPValue = 1 }));

        Assert.Contains("RecentMinutes must be within 1..1440, got 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPValue must be within (0, 0.5), got 1", error.Message, StringComparison.Ordinal);
    }
}
