using Dispatch.Domain.City;
using Dispatch.Domain.GridEvents;

namespace Dispatch.Domain.Tests.GridEvents;

public sealed class GridEventDayTests
{
    private static readonly CityModel City = DemoCity.Generate(seed: 7);

    [Fact]
    public void A_day_of_the_demo_city_has_a_few_hundred_reports_handled_mostly_in_time_and_rated()
    {
        var day = GridEventDay.Simulate(City, new GridEventCatalog(), new DateOnly(2025, 3, 7), seed: 7);

        // 3 reports per 10,000 residents of about 900,000.
        Assert.InRange(day.Reported, 200, 360);
        Assert.InRange((double)day.WithinSla / day.Reported, 0.6, 1.0);
        Assert.InRange((double)day.Rated / day.Reported, 0.45, 0.75);
        Assert.InRange(day.MeanRating, 3.0, 5.0);
        Assert.All(day.Events, e => Assert.Equal(e.GridId, City.FindGrid(e.Location)?.Id));
        Assert.All(day.Events, e => Assert.True(e.ReportedAt <= e.AcceptedAt && e.AcceptedAt <= e.StartedAt && e.StartedAt < e.ResolvedAt));
        Assert.Matches(@"^grid_events=\d+ by_residents=\d+ within_sla=\d+\.\d% escalated=\d+ rated=\d+ mean_rating=\d\.\d\d p90_resolve_h=\d+\.\d$", day.Summary());
    }

    [Fact]
    public void Fewer_crews_resolve_fewer_events_in_time()
    {
        var catalog = new GridEventCatalog();
        var plenty = GridEventDay.Simulate(City, catalog, new DateOnly(2025, 3, 7), seed: 3, new GridEventDayOptions { CrewsPerDepartment = 8 });
        var few = GridEventDay.Simulate(City, catalog, new DateOnly(2025, 3, 7), seed: 3, new GridEventDayOptions { CrewsPerDepartment = 1 });

        Assert.Equal(plenty.Reported, few.Reported);
        Assert.True(few.WithinSla < plenty.WithinSla, $"{few.WithinSla} within the limit with one crew, {plenty.WithinSla} with eight");
    }

    [Fact]
    public void The_same_seed_gives_the_same_day()
    {
        var a = GridEventDay.Simulate(City, new GridEventCatalog(), new DateOnly(2025, 3, 7), seed: 5);
        var b = GridEventDay.Simulate(City, new GridEventCatalog(), new DateOnly(2025, 3, 7), seed: 5);

        Assert.Equal(a.Events, b.Events);
    }
}
