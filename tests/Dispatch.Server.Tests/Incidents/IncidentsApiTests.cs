using System.Net;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Incidents;

/// <summary>One host for the class, with a finished day of incidents (2026-11-23, UTC+8) in its incident record.</summary>
public sealed class IncidentsApiFixture : IAsyncLifetime
{
    public LiveCluster Cluster { get; } = new();

    public LiveTestHost Host { get; private set; } = null!;

    public IncidentDaySeed Day { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = LiveTestHost.StartPrimary(Cluster);
        Day = new IncidentDaySeed(Cluster.City, new DateOnly(2026, 11, 23));
        await Day.WriteAsync(Host.Services);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Cluster.Dispose();
    }
}

/// <summary>GET /api/incidents, /api/incidents/{id} and its reach, the basemap and the OpenAPI document on the real host.</summary>
public sealed class IncidentsApiTests(IncidentsApiFixture fixture) : IClassFixture<IncidentsApiFixture>, IDisposable
{
    private readonly LiveCluster _cluster = fixture.Cluster;
    private readonly LiveTestHost _host = fixture.Host;
    private readonly HttpClient _http = TestAccounts.Http(fixture.Host.BaseAddress, TestAccounts.Viewer);
    private readonly IncidentDaySeed _day = fixture.Day;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> GetJsonAsync(string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _http.GetAsync(url, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(expected == response.StatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<string> Ids(JsonElement page) => [.. page.GetProperty("incidents").EnumerateArray().Select(i => i.GetProperty("incidentId").GetString()!)];

    [Fact]
    public async Task A_district_and_a_local_time_range_list_that_districts_incidents_of_those_hours_newest_first()
    {
        var grid = _cluster.City.Grids[1];

        var page = await GetJsonAsync($"/api/incidents?district={grid.Id}&from=2026-11-23T06:00:00%2B08:00&until=2026-11-23T12:00:00%2B08:00");

        var expected = _day.Expected(grid.Id, new TimeOnly(6, 0), new TimeOnly(12, 0));
        Assert.Equal(expected.Select(i => i.IncidentId), Ids(page));
        Assert.Equal(3, expected.Count);
        var first = page.GetProperty("incidents")[0];
        Assert.Equal(grid.Id, first.GetProperty("district").GetProperty("id").GetString());
        Assert.Equal(grid.NameEn, first.GetProperty("district").GetProperty("nameEn").GetString());
        Assert.Equal("Closed", first.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Pages_follow_the_cursor_through_the_whole_day_once_each()
    {
        var listed = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetJsonAsync($"/api/incidents?from=2026-11-23&until=2026-11-24&limit=10{(cursor is null ? "" : $"&cursor={cursor}")}");
            listed.AddRange(Ids(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(_day.Incidents.OrderByDescending(i => i.CreatedAt).Select(i => i.IncidentId), listed);
        Assert.Equal(5, pages);
    }

    [Fact]
    public async Task Type_priority_and_status_filters_combine()
    {
        var page = await GetJsonAsync("/api/incidents?type=theft&priority=Critical&status=closed&from=2026-11-23&until=2026-11-24&limit=500");

        var expected = _day.Incidents.Where(i => i.Type == "theft" && i.Priority == IncidentPriority.Critical)
            .OrderByDescending(i => i.CreatedAt).Select(i => i.IncidentId);
        Assert.Equal(expected, Ids(page));
        Assert.NotEmpty(Ids(page));
    }

    [Theory]
    [InlineData("status=Pending", "status must be Open, Closed or Cancelled, got 'Pending'")]
    [InlineData("priority=7", "priority must be 1-4 or Critical, High, Normal, Low, got '7'")]
    [InlineData("source=Radio", "source must be Call, Operator, Camera or Sensor, got 'Radio'")]
    [InlineData("from=yesterday", "from must be an ISO 8601 date or date-time")]
    [InlineData("from=2026-11-23T08:00:00", "got '2026-11-23T08:00:00'")]
    [InlineData("from=2026-11-24&until=2026-11-23", "until (2026-11-23) must be later than from (2026-11-24)")]
    [InlineData("district=G-99", "unknown district 'G-99'")]
    [InlineData("bbox=36.6,117.0,36.7", "bbox must be four numbers south,west,north,east in degrees, got '36.6,117.0,36.7'")]
    [InlineData("bbox=36.7,117.0,36.6,117.1", "south <= north")]
    [InlineData("limit=0", "limit must be a whole number within 1..500, got '0'")]
    [InlineData("limit=501", "got '501'")]
    [InlineData("cursor=not-a-cursor", "cursor 'not-a-cursor' is not one this service gave out")]
    public async Task A_bad_query_value_is_refused_with_400_naming_it(string query, string expected)
    {
        var body = await GetJsonAsync($"/api/incidents?{query}", HttpStatusCode.BadRequest);

        Assert.Contains(expected, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_incident_comes_with_its_tiers_assignments_and_timeline()
    {
        var station = _cluster.City.Stations[0].Location;
        var opened = await _host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "assault", IncidentPriority.High, station.Latitude + 0.001, station.Longitude, "a fight outside a shop", IncidentSource.Call, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var view = await WaitForAsync(opened.IncidentId!, v => v.DispatchSettled);

        var detail = await GetJsonAsync($"/api/incidents/{opened.IncidentId}");

        Assert.Equal("assault", detail.GetProperty("type").GetString());
        Assert.Equal("High", detail.GetProperty("priority").GetString());
        Assert.Equal(view.Tiers.Select(t => t.Name), detail.GetProperty("tiers").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("StationResponders", detail.GetProperty("tiers")[0].GetProperty("kind").GetString());
        Assert.Equal(view.Assignments.Select(a => a.UnitId), detail.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("unitId").GetString()));
        Assert.NotEmpty(view.Assignments);
        Assert.Equal(_cluster.City.FindUnit(view.Assignments[0].UnitId)!.CallSign, detail.GetProperty("assignments")[0].GetProperty("callSign").GetString());
        Assert.Equal(view.Timeline.Select(e => e.Kind), detail.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(TimelineKinds.Created, detail.GetProperty("timeline")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Compliance_of_today_counts_a_met_station_tier_in_its_district_and_leaves_undecided_tiers_out()
    {
        var station = _cluster.City.Stations[3];
        var opened = await _host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "assault", IncidentPriority.High, station.Location.Latitude, station.Location.Longitude + 0.0005, "compliance test", IncidentSource.Call, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        await WaitForAsync(opened.IncidentId!, v => v.DispatchSettled && v.Tiers.Any(t => t.Kind == TierKind.StationResponders && t.StationResponders > 0));
        Assert.True((await _host.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!).ReportStationOnSceneAsync(Dispatch.Abstractions.Common.Actors.Station(station.Id))).Ok);

        var today = await GetJsonAsync($"/api/compliance?district={station.GridId}");
        var seededDay = await GetJsonAsync($"/api/compliance?date=2026-11-23&district={station.GridId}");

        var row = Assert.Single(today.GetProperty("districts").EnumerateArray());
        Assert.Equal(station.GridId, row.GetProperty("district").GetProperty("id").GetString());
        var stationTier = row.GetProperty("tiers").EnumerateArray().Single(t => t.GetProperty("tier").GetString() == "station");
        Assert.Equal(1, stationTier.GetProperty("met").GetInt32());
        Assert.Equal(0, stationTier.GetProperty("breached").GetInt32());
        Assert.Equal(1.0, stationTier.GetProperty("metShare").GetDouble());
        var patrol = row.GetProperty("tiers").EnumerateArray().Single(t => t.GetProperty("tier").GetString() == "patrol");
        Assert.Equal(JsonValueKind.Null, patrol.GetProperty("metShare").ValueKind);
        Assert.Equal(12, seededDay.GetProperty("incidents").GetInt32());
        Assert.Contains("got 'yesterday'", (await GetJsonAsync("/api/compliance?date=yesterday", HttpStatusCode.BadRequest)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_incident_is_404_naming_it()
    {
        var body = await GetJsonAsync("/api/incidents/INC-NOPE", HttpStatusCode.NotFound);

        Assert.Equal("unknown incident 'INC-NOPE'", body.GetProperty("error").GetString());
        await GetJsonAsync("/api/incidents/INC-NOPE/reach", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_incidents_reach_is_shaded_by_tier_from_the_scene_outwards()
    {
        var station = _cluster.City.Stations[1].Location;
        var opened = await _host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "theft", IncidentPriority.Normal, station.Latitude, station.Longitude, "reach test", IncidentSource.Call, "operator:test"));
        Assert.True(opened.Ok, opened.Error);

        var reach = await GetJsonAsync($"/api/incidents/{opened.IncidentId}/reach");
        var cells = reach.GetProperty("cells").EnumerateArray().Select(c => (Lat: c[0].GetDouble(), Lon: c[1].GetDouble(), Tier: c[2].GetDouble())).ToList();

        Assert.True(reach.GetProperty("onRoads").GetBoolean());
        Assert.Equal([60.0, 180.0, 300.0], reach.GetProperty("tierSeconds").EnumerateArray().Select(t => t.GetDouble()));
        var nearest = cells.MinBy(c => Dispatch.Domain.Geo.GreatCircle.DistanceMeters(new(c.Lat, c.Lon), station));
        Assert.Equal(60, nearest.Tier);
        Assert.Contains(cells, c => c.Tier == 300);
        var meanDistance = (double tier) => cells.Where(c => c.Tier == tier).Average(c => Dispatch.Domain.Geo.GreatCircle.DistanceMeters(new(c.Lat, c.Lon), station));
        Assert.True(meanDistance(60) < meanDistance(180) && meanDistance(180) < meanDistance(300), "farther tiers lie farther out");
        Assert.Contains("got 'boat'", (await GetJsonAsync($"/api/incidents/{opened.IncidentId}/reach?kind=boat", HttpStatusCode.BadRequest)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Road_tiles_draw_arterials_from_afar_and_every_street_with_names_close_up()
    {
        var info = await GetJsonAsync("/api/basemap");
        var center = _cluster.City.Stations[0].Location;
        (int X, int Y) Tile(int z)
        {
            var (x, y) = Dispatch.Domain.Roads.RoadTiles.WorldPoint(center);
            return ((int)(x * (1 << z)), (int)(y * (1 << z)));
        }

        var far = await GetJsonAsync($"/api/basemap/roads/12/{Tile(12).X}/{Tile(12).Y}");
        var near = await GetJsonAsync($"/api/basemap/roads/16/{Tile(16).X}/{Tile(16).Y}");

        Assert.Equal("/api/basemap/roads/{z}/{x}/{y}", info.GetProperty("roads").GetProperty("tileUrl").GetString());
        var classes = far.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).ToList();
        string ClassOf(JsonElement line) => classes[line[0].GetInt32()]!;
        Assert.DoesNotContain(far.GetProperty("lines").EnumerateArray(), l => ClassOf(l) == "residential");
        Assert.Contains(near.GetProperty("lines").EnumerateArray(), l => ClassOf(l) == "residential");
        Assert.Contains(near.GetProperty("names").EnumerateArray(), n => n[1].GetString()?.EndsWith(" Road", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("/api/basemap/roads/25/0/0", "zoom must be within 0..20, got 25")]
    [InlineData("/api/basemap/roads/3/9/0", "x must be within 0..7 at zoom 3, got 9")]
    [InlineData("/api/basemap/roads/3/0/y", "y must be a whole number, got 'y'")]
    public async Task A_bad_tile_address_is_refused_with_400_naming_it(string url, string expected)
    {
        var body = await GetJsonAsync(url, HttpStatusCode.BadRequest);

        Assert.Equal(expected, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_incident_api_and_the_basemap()
    {
        var document = await GetJsonAsync("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        var list = paths.GetProperty("/api/incidents").GetProperty("get");
        var parameters = list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("Dispatch HTTP API", document.GetProperty("info").GetProperty("title").GetString());
        Assert.Equal(["status", "type", "priority", "source", "from", "until", "district", "bbox", "limit", "cursor"], parameters);
        Assert.True(list.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(paths.GetProperty("/api/incidents/{incidentId}").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _));
        Assert.True(paths.TryGetProperty("/api/incidents/{incidentId}/reach", out _));
        Assert.True(paths.TryGetProperty("/api/basemap/roads/{z}/{x}/{y}", out _));
        Assert.True(paths.TryGetProperty("/api/cameras/health", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("IncidentDetail", out _));
    }

    private async Task<IncidentView> WaitForAsync(string incidentId, Func<IncidentView, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var view = await _host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
            if (view is not null && done(view))
            {
                return view;
            }

            Assert.True(DateTime.UtcNow < deadline, $"incident {incidentId} did not settle");
            await Task.Delay(100, Cancel);
        }
    }
}
