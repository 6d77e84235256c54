using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Server.Cameras;
using Dispatch.Server.GridEvents;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Server.Tests.GridEvents;

/// <summary>
/// The live index's tier compliance and camera indicators, fed from the engine's incidents and the host's camera
/// samples, through GET /api/index, against figures counted by hand.
/// </summary>
public sealed class SafetyIndexFeedTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private DispatchServerFactory _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private CityModel City => _factory.Services.GetRequiredService<CityModel>();

    public ValueTask InitializeAsync()
    {
        _factory = new DispatchServerFactory(services: s => s.AddSingleton<TimeProvider>(_clock));
        _ = _factory.Server;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_high_priority_incident_whose_station_arrived_and_whose_patrols_did_not_scores_one_tier_of_three()
    {
        // Beside the first grid's station: the station tier commits its responders, who report on scene; no patrol
        // unit drives, so the patrol (3 min) and reinforcement (5 min) tiers pass their deadlines unmet.
        var grid = City.Grids[0];
        var station = City.Stations.Single(s => s.Id == grid.StationId);
        var at = GreatCircle.Offset(station.Location, 60, 40);
        Assert.Equal(grid.Id, City.FindGrid(at)?.Id);
        var grains = _factory.Services.GetRequiredService<IGrainFactory>();
        var opened = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "assault", IncidentPriority.High, at.Latitude, at.Longitude, "index test", IncidentSource.Operator, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var incident = grains.GetGrain<IIncidentGrain>(opened.IncidentId!);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await incident.GetAsync())!.Tiers.All(t => t.Kind != TierKind.StationResponders || t.StationResponders == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Cancel);
        }

        var onScene = await incident.ReportStationOnSceneAsync("operator:test");
        Assert.True(onScene.Ok, onScene.Error);

        // Signed in first: a token stamped ten minutes ahead of the wall clock would not be valid yet.
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        _clock.Advance(TimeSpan.FromMinutes(10));
        await incident.CheckDeadlinesAsync();
        var tiers = (await incident.GetAsync())!.Tiers.ToDictionary(t => t.Name, t => t.Outcome);
        var index = await op.GetFromJsonAsync<JsonElement>($"/api/index?district={grid.DistrictId}", Cancel);
        var district = index.GetProperty("districts")[0].GetProperty("district");
        var gridFigure = district.GetProperty("grids").EnumerateArray().Single(g => g.GetProperty("gridId").GetString() == grid.Id).GetProperty("overall");

        Assert.Equal(new Dictionary<string, TierOutcome> { ["station"] = TierOutcome.Met, ["patrol"] = TierOutcome.Breached, ["reinforcement"] = TierOutcome.Breached }, tiers);
        Assert.Equal(1.0 / 3, Indicator(district.GetProperty("overall"), "tierCompliance").GetProperty("value").GetDouble(), 9);
        Assert.Equal(100.0 / 3, Indicator(district.GetProperty("overall"), "tierCompliance").GetProperty("score").GetDouble(), 6);
        Assert.Equal(100.0 / 3, Indicator(gridFigure, "tierCompliance").GetProperty("score").GetDouble(), 6);
        Assert.Equal("1 tiers met, 2 breached", Indicator(gridFigure, "tierCompliance").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Camera_samples_add_up_per_grid_and_day_and_the_index_divides_the_sums()
    {
        var grid = City.Grids[0];
        var stations = City.Stations.Where(s => s.GridId == grid.Id).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var cameras = City.Cameras.Where(c => stations.Contains(c.StationId)).Select(c => c.Id).Take(4).ToArray();
        Assert.Equal(4, cameras.Length);
        var sampler = _factory.Services.GetRequiredService<CameraShareSampler>();
        var now = _clock.GetUtcNow();

        // 3 of 4 online, then 1 of 4: 4 online of 8 reported; a camera nobody has heard of counts neither way.
        sampler.Sample(new CameraStates(now, [cameras[0], cameras[1], cameras[2]], [cameras[3]]), now);
        sampler.Sample(new CameraStates(now, [cameras[0], "no-such-camera"], [cameras[1], cameras[2], cameras[3]]), now);

        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        var index = await op.GetFromJsonAsync<JsonElement>($"/api/index?district={grid.DistrictId}", Cancel);
        var district = index.GetProperty("districts")[0].GetProperty("district");
        var gridFigure = district.GetProperty("grids").EnumerateArray().Single(g => g.GetProperty("gridId").GetString() == grid.Id).GetProperty("overall");
        var today = district.GetProperty("days").EnumerateArray().Last();

        Assert.Equal(0.5, Indicator(gridFigure, "cameras").GetProperty("value").GetDouble(), 9);
        Assert.Equal(50, Indicator(gridFigure, "cameras").GetProperty("score").GetDouble(), 9);
        Assert.Equal(50, Indicator(today, "cameras").GetProperty("score").GetDouble(), 9);
        Assert.Contains(sampler.Samples(), s => s.GridId == grid.Id && s.Online == 4 && s.Reported == 8);
    }

    private static JsonElement Indicator(JsonElement period, string name) =>
        period.GetProperty("score").GetProperty("indicators").EnumerateArray().Single(i => i.GetProperty("name").GetString() == name);
}
