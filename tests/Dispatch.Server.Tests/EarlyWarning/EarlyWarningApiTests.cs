using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Journal;
using Dispatch.Contracts.V1;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Server.EarlyWarning;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.EarlyWarning;

/// <summary>Hotspots from the host's own incident journal, the day's list, and one call to patrol a hotspot.</summary>
public sealed class HotspotApiTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private static readonly TimeSpan Local = TimeSpan.FromHours(8);
    private readonly LiveCluster _cluster = new();
    private LiveTestHost _host = null!;
    private HttpClient _http = null!;
    private GeoPoint _spot;
    private int _spotHour;

    public async ValueTask InitializeAsync()
    {
        _host = LiveTestHost.StartPrimary(_cluster);
        _http = TestAccounts.Http(_host.BaseAddress);
        await SeedHistoryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        _cluster.Dispose();
    }

    private async Task SeedHistoryAsync() =>
        (_spot, _spotHour) = await HistorySeed.WriteAsync(_host.Services, _cluster.City);

    private async Task<HotspotsView> HotspotsAsync() =>
        (await _http.GetFromJsonAsync<HotspotsView>("/api/early-warning/hotspots?refresh=true", Json, TestContext.Current.CancellationToken))!;

    private bool AtSpot(HotspotView h) => GreatCircle.DistanceMeters(new GeoPoint(h.Latitude, h.Longitude), _spot) < 300;

    /// <summary>The planted spot's hotspot that comes next (the spot is hot every day, so it has one per weekday).</summary>
    private async Task<HotspotView> NextAtSpotAsync() => (await HotspotsAsync()).Hotspots.Where(AtSpot).OrderBy(h => h.NextFrom).First();

    [Fact]
    public async Task The_planted_spot_is_a_hotspot_with_its_hours_strength_and_next_window()
    {
        var view = await HotspotsAsync();

        Assert.True(view.Incidents >= 2500, $"{view.Incidents} incidents read from the journal");
        var atSpot = view.Hotspots.Where(AtSpot).ToList();
        Assert.Equal(7, atSpot.Select(h => h.StartHourOfWeek / 24).Distinct().Count());
        Assert.All(atSpot, hotspot =>
        {
            Assert.True(hotspot.RelativeRisk > 2 && hotspot.QValue < 0.05, $"{hotspot.RelativeRisk} {hotspot.QValue}");
            Assert.Contains(_spotHour, Enumerable.Range(0, hotspot.Hours).Select(k => (hotspot.StartHourOfWeek + k) % 24));
            Assert.Equal(4, hotspot.Corners.Count);
            Assert.NotNull(hotspot.DistrictId);
        });

        // The background has no hotspot; at a 5 % false-discovery rate an odd false one may still appear, rarely two.
        var elsewhere = view.Hotspots.Where(h => !AtSpot(h)).ToList();
        Assert.True(elsewhere.Count <= 2, string.Join(", ", elsewhere.Select(h => $"{h.HotspotId} q={h.QValue}")));
        var next = atSpot.MinBy(h => h.NextFrom)!;
        Assert.True(next.NextUntil > DateTimeOffset.UtcNow && next.NextFrom < DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public async Task The_days_list_names_the_district_and_the_window_and_refuses_a_bad_date()
    {
        var hotspot = await NextAtSpotAsync();
        var date = hotspot.NextFrom.ToOffset(Local).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var daily = (await _http.GetFromJsonAsync<DailyWarningsView>($"/api/early-warning/daily?date={date}&district={hotspot.DistrictId}", Json, TestContext.Current.CancellationToken))!;

        var district = Assert.Single(daily.Districts);
        Assert.Equal(hotspot.DistrictId, district.DistrictId);
        Assert.Contains(district.Warnings, w => w.HotspotId == hotspot.HotspotId && w.From == hotspot.NextFrom);
        var bad = await _http.GetAsync(new Uri("/api/early-warning/daily?date=05/12/2026", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("date must be YYYY-MM-DD, got '05/12/2026'", await bad.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var unknown = await _http.GetAsync(new Uri("/api/early-warning/daily?district=G-99", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Contains("unknown district 'G-99'", await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_call_sends_the_nearest_free_units_a_patrol_directive_for_the_hotspots_window()
    {
        var hotspot = await NextAtSpotAsync();
        var center = new GeoPoint(hotspot.Latitude, hotspot.Longitude);
        var nearest = _cluster.City.Units.OrderBy(u => GreatCircle.DistanceMeters(u.Start, center)).ThenBy(u => u.Id, StringComparer.Ordinal).Take(2).Select(u => u.Id).ToList();
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        var received = new Inbox<LiveDelta<LiveDirective>>(terminal, TerminalEvents.DirectiveReceived);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", nearest[0], TestContext.Current.CancellationToken);

        var response = await _http.PostAsJsonAsync($"/api/early-warning/hotspots/{hotspot.HotspotId}/patrol", new { units = 2 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patrol = (await response.Content.ReadFromJsonAsync<HotspotPatrolView>(Json, TestContext.Current.CancellationToken))!;
        Assert.Equal(nearest.Order(StringComparer.Ordinal), patrol.Directive.UnitIds.Order(StringComparer.Ordinal));
        Assert.Equal(hotspot.NextUntil, patrol.Until);
        Assert.Equal(4, patrol.Directive.Area.Count);
        var delivered = await received.WaitForAsync(d => d.Item.DirectiveId == patrol.Directive.DirectiveId);
        Assert.Contains("Hotspot patrol", delivered.Item.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patrol_for_an_unknown_hotspot_or_a_bad_unit_count_is_refused_naming_the_value()
    {
        var unknown = await _http.PostAsJsonAsync("/api/early-warning/hotspots/E0N0@999/patrol", new { }, TestContext.Current.CancellationToken);
        var zero = await _http.PostAsJsonAsync($"/api/early-warning/hotspots/{(await HotspotsAsync()).Hotspots[0].HotspotId}/patrol", new { units = 0 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("unknown hotspot 'E0N0@999'", await unknown.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Contains("units must be within 1..20, got 0", await zero.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_history_reads_real_incidents_with_their_place_and_end()
    {
        var station = _cluster.City.Stations[0].Location;
        var intake = _host.Grains.GetGrain<IIntakeGrain>(0);
        var open = await intake.ReportAsync(new IncidentReport("fire", IncidentPriority.Critical, station.Latitude, station.Longitude, "smoke, at (1, 2): tricky text", IncidentSource.Call, "operator:t"));
        var cancelled = await intake.ReportAsync(new IncidentReport("traffic accident with injuries", IncidentPriority.High, station.Latitude + 0.001, station.Longitude, "", IncidentSource.Operator, "operator:t"));
        Assert.True((await _host.Grains.GetGrain<IIncidentGrain>(cancelled.IncidentId!).CancelAsync("duplicate", "operator:t")).Ok);
        var history = _host.Services.GetRequiredService<IIncidentHistory>();

        var read = await history.ReadAsync(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddMinutes(1), TestContext.Current.CancellationToken);

        var fire = Assert.Single(read, i => i.IncidentId == open.IncidentId);
        Assert.Equal(("fire", IncidentPriority.Critical, HistoricalOutcome.Open), (fire.Type, fire.Priority, fire.Outcome));
        Assert.True(GreatCircle.DistanceMeters(fire.Location, station) < 1);
        var accident = Assert.Single(read, i => i.IncidentId == cancelled.IncidentId);
        Assert.Equal(("traffic accident with injuries", HistoricalOutcome.Cancelled), (accident.Type, accident.Outcome));
        Assert.NotNull(accident.EndedAt);
    }
}

/// <summary>Rising alert rates per camera and per sensor group, fed by alerts arriving over gRPC.</summary>
public sealed class AlertRateWarningTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("alert-rates");
    private AlertTestHost _host = null!;
    private CameraGateway.CameraGatewayClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _host = new AlertTestHost(_directory, settings: new Dictionary<string, string?>
        {
            ["Dispatch:EarlyWarning:SensorGroups:rail-east:0"] = AlertTestHost.CameraId(6),
            ["Dispatch:EarlyWarning:SensorGroups:rail-east:1"] = AlertTestHost.CameraId(7),
        });
        _client = _host.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _directory.Dispose();
    }

    private async Task<List<AlertRateWarningView>> WarningsAsync()
    {
        using var http = _host.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/early-warning/alert-rates", UriKind.Relative), TestContext.Current.CancellationToken));
        return JsonSerializer.Deserialize<List<AlertRateWarningView>>(document.RootElement.GetProperty("warnings").GetRawText(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    [Fact]
    public async Task A_camera_suddenly_alerting_many_times_raises_a_warning_and_a_quiet_one_does_not()
    {
        var (session, _) = await GatewaySession.ConnectAsync(_client, AlertTestHost.Hello());
        await using var _ = session;
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(AlertOutcome.Accepted, (await session.SendAsync(AlertTestHost.NewAlert(AlertTestHost.CameraId(5), AlertKind.Loitering))).Outcome);
        }

        Assert.Equal(AlertOutcome.Accepted, (await session.SendAsync(AlertTestHost.NewAlert(AlertTestHost.CameraId(8), AlertKind.Loitering))).Outcome);

        var warnings = await WarningsAsync();
        var warning = Assert.Single(warnings, w => w.SourceId == AlertTestHost.CameraId(5));
        Assert.Equal("camera", warning.SourceKind);
        Assert.Equal(9, warning.RecentAlerts);
        Assert.True(warning.RateRatio > 10 && warning.PValue <= 1e-6, $"{warning.RateRatio} {warning.PValue}");
        Assert.NotNull(warning.Latitude);
        Assert.DoesNotContain(warnings, w => w.SourceId == AlertTestHost.CameraId(8));
    }

    [Fact]
    public async Task Sensors_of_one_group_warn_together_when_none_warns_alone()
    {
        var (session, _) = await GatewaySession.ConnectAsync(_client, AlertTestHost.Hello());
        await using var _ = session;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(AlertOutcome.Accepted, (await session.SendAsync(AlertTestHost.NewAlert(AlertTestHost.CameraId(6), AlertKind.Sensor))).Outcome);
            Assert.Equal(AlertOutcome.Accepted, (await session.SendAsync(AlertTestHost.NewAlert(AlertTestHost.CameraId(7), AlertKind.Sensor))).Outcome);
        }

        var warnings = await WarningsAsync();

        var group = Assert.Single(warnings, w => w.SourceId == "rail-east");
        Assert.Equal(("sensor-group", 8), (group.SourceKind, group.RecentAlerts));
        Assert.DoesNotContain(warnings, w => w.SourceId == AlertTestHost.CameraId(6) || w.SourceId == AlertTestHost.CameraId(7));
    }
}
