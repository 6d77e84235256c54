using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Server.GridEvents;
using Dispatch.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Server.Tests.GridEvents;

/// <summary>The grid events' closed loop through the real host's HTTP API, signed in like real clients, on the host's clock.</summary>
public sealed class GridEventApiTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private DispatchServerFactory _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private CityModel City => _factory.Services.GetRequiredService<CityModel>();

    public ValueTask InitializeAsync()
    {
        _factory = new DispatchServerFactory(
            new Dictionary<string, string?> { ["Dispatch:GridEvents:ResidentRequestsPerHourPerAddress"] = "1000" },
            services: s => s.AddSingleton<TimeProvider>(_clock));
        _ = _factory.Server;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_resident_reports_with_a_photo_the_department_resolves_the_resident_rates_and_every_step_is_journaled_by_who_did_it()
    {
        using var anonymous = _factory.CreateClient();
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        using var department = await _factory.SignedInClientAsync(TestAccounts.Department);

        var reported = await Json(await anonymous.PostAsJsonAsync("/api/grid-events/resident", GridEventFixtures.Report(City, contact: "138 0000 0000"), Cancel), HttpStatusCode.Created);
        var id = reported.GetProperty("eventId").GetString()!;
        var code = reported.GetProperty("followCode").GetString()!;
        await Step(op, id, "accept", 1);
        await Step(op, id, "assign", 2);
        var queue = await Json(await department.GetAsync("/api/grid-events?state=assigned", Cancel));
        await Step(department, id, "start", 3);
        await Step(department, id, "resolve", 4, note: "lamp replaced");
        var follow = await Json(await anonymous.GetAsync($"/api/grid-events/follow/{code}", Cancel));
        var rated = await Json(await anonymous.PostAsJsonAsync($"/api/grid-events/follow/{code}/rate", new { rating = 5, comment = "quick" }, Cancel));
        await Step(op, id, "close", 6);
        var photo = await op.GetAsync($"/api/grid-events/{id}/photos/1", Cancel);
        var read = await Json(await op.GetAsync($"/api/grid-events/{id}", Cancel));

        Assert.Equal("reported", reported.GetProperty("state").GetString());
        Assert.Matches("^[2-9A-Z]{10}$", code);
        Assert.Contains(queue.EnumerateArray(), e => e.GetProperty("eventId").GetString() == id && e.GetProperty("department").GetString() == "power");
        Assert.True(follow.GetProperty("canRate").GetBoolean());
        Assert.Equal("rated", rated.GetProperty("state").GetString());
        Assert.Equal("image/jpeg", photo.Content.Headers.ContentType?.MediaType);
        Assert.Equal("closed", read.GetProperty("state").GetString());
        Assert.Equal(5, read.GetProperty("rating").GetInt32());
        Assert.Equal(
            ["reported resident", "accepted operator:t-operator", "assigned operator:t-operator", "started department:t-department",
             "resolved department:t-department", $"rated resident:{id}", "closed operator:t-operator"],
            read.GetProperty("journal").EnumerateArray().Select(j => $"{j.GetProperty("kind").GetString()} {j.GetProperty("actor").GetString()}"));
    }

    [Fact]
    public async Task A_rating_before_resolution_is_refused_naming_the_event_and_its_state_and_changes_nothing()
    {
        using var anonymous = _factory.CreateClient();
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        var reported = await Json(await anonymous.PostAsJsonAsync("/api/grid-events/resident", GridEventFixtures.Report(City, contact: "138 0000 0000", photo: false), Cancel), HttpStatusCode.Created);
        var id = reported.GetProperty("eventId").GetString()!;
        await Step(op, id, "accept", 1);
        await Step(op, id, "assign", 2);
        await Step(op, id, "start", 3);

        var refused = await anonymous.PostAsJsonAsync($"/api/grid-events/follow/{reported.GetProperty("followCode").GetString()}/rate", new { rating = 2 }, Cancel);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal($"cannot rate grid event {id}: it is in progress", (await Json(refused, HttpStatusCode.Conflict)).GetProperty("error").GetString());
        Assert.Equal("in-progress", (await Json(await op.GetAsync($"/api/grid-events/{id}", Cancel))).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Bad_reports_are_refused_naming_the_value()
    {
        using var anonymous = _factory.CreateClient();
        var good = GridEventFixtures.Report(City, contact: "138 0000 0000", photo: false);
        var outside = City.Grids.Max(g => g.Boundary.EnvelopeInternal.MaxY) + 1;

        var unknown = await Error(await anonymous.PostAsJsonAsync("/api/grid-events/resident", good with { Category = "volcano" }, Cancel));
        var notImage = await Error(await anonymous.PostAsJsonAsync("/api/grid-events/resident",
            good with { Photos = [Convert.ToBase64String("GIF89a not really a picture"u8.ToArray())] }, Cancel));
        var fakeJpeg = await Error(await anonymous.PostAsJsonAsync("/api/grid-events/resident",
            good with { Photos = [Convert.ToBase64String([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5])] }, Cancel));
        var away = await Error(await anonymous.PostAsJsonAsync("/api/grid-events/resident", good with { Latitude = outside }, Cancel));
        var noContact = await Error(await anonymous.PostAsJsonAsync("/api/grid-events/resident", good with { Contact = null }, Cancel));
        var tooMany = await Error(await anonymous.PostAsJsonAsync("/api/grid-events/resident",
            good with { Photos = [.. Enumerable.Repeat(GridEventFixtures.Photo(), 4)] }, Cancel));

        Assert.StartsWith("unknown category 'volcano'; expected one of ", unknown, StringComparison.Ordinal);
        Assert.Equal("photo 1 is not an image (JPEG, PNG or WebP expected)", notImage);
        Assert.Equal("photo 1 is not an image: it does not decode as image/jpeg", fakeJpeg);
        Assert.Contains("is outside every grid of the city", away, StringComparison.Ordinal);
        Assert.StartsWith("a resident's report needs a contact", noContact, StringComparison.Ordinal);
        Assert.Equal("a report may carry at most 3 photos, got 4", tooMany);
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        Assert.Empty((await Json(await op.GetAsync("/api/grid-events", Cancel))).EnumerateArray());
    }

    [Fact]
    public async Task A_step_on_a_stale_version_is_refused_and_a_department_works_only_its_own_queue()
    {
        using var worker = await _factory.SignedInClientAsync(TestAccounts.GridWorker);
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        using var department = await _factory.SignedInClientAsync(TestAccounts.Department);
        var light = (await Json(await worker.PostAsJsonAsync("/api/grid-events", GridEventFixtures.Report(City, photo: false), Cancel), HttpStatusCode.Created)).GetProperty("eventId").GetString()!;
        var parking = (await Json(await worker.PostAsJsonAsync("/api/grid-events", GridEventFixtures.Report(City, photo: false) with { Category = "illegal-parking" }, Cancel), HttpStatusCode.Created))
            .GetProperty("eventId").GetString()!;
        await Step(op, light, "accept", 1);

        var stale = await op.PostAsJsonAsync($"/api/grid-events/{light}/steps/reject", new { version = 1 }, Cancel);
        var departmentAccepts = await department.PostAsJsonAsync($"/api/grid-events/{parking}/steps/accept", new { }, Cancel);
        var otherQueue = await department.GetAsync($"/api/grid-events/{parking}", Cancel);
        var departmentList = await Json(await department.GetAsync("/api/grid-events", Cancel));
        var workerList = await Json(await worker.GetAsync("/api/grid-events", Cancel));

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains($"grid event {light} is at version 2, not 1", (await Json(stale, HttpStatusCode.Conflict)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, departmentAccepts.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherQueue.StatusCode);
        Assert.Equal([light], departmentList.EnumerateArray().Select(e => e.GetProperty("eventId").GetString()));
        Assert.Equal([light, parking], workerList.EnumerateArray().Select(e => e.GetProperty("eventId").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_open_event_past_its_time_limit_is_escalated_to_its_district_once()
    {
        using var worker = await _factory.SignedInClientAsync(TestAccounts.GridWorker);
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        var parking = (await Json(await worker.PostAsJsonAsync("/api/grid-events", GridEventFixtures.Report(City, photo: false) with { Category = "illegal-parking" }, Cancel), HttpStatusCode.Created))
            .GetProperty("eventId").GetString()!;
        var light = (await Json(await worker.PostAsJsonAsync("/api/grid-events", GridEventFixtures.Report(City, photo: false), Cancel), HttpStatusCode.Created)).GetProperty("eventId").GetString()!;
        await Step(op, parking, "accept", 1);
        var desk = _factory.Services.GetRequiredService<GridEventDesk>();

        _clock.Advance(TimeSpan.FromHours(3));
        var early = await desk.EscalateOverdueAsync(Cancel);
        _clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await desk.EscalateOverdueAsync(Cancel);
        await desk.EscalateOverdueAsync(Cancel);
        var read = await Json(await op.GetAsync($"/api/grid-events/{parking}", Cancel));
        var other = await Json(await op.GetAsync($"/api/grid-events/{light}", Cancel));

        Assert.Equal(0, early);
        Assert.Equal("escalated", read.GetProperty("state").GetString());
        var escalations = read.GetProperty("journal").EnumerateArray().Where(j => j.GetProperty("kind").GetString() == "escalated").ToList();
        var escalation = Assert.Single(escalations);
        Assert.Equal("system:sla", escalation.GetProperty("actor").GetString());
        Assert.Contains("escalated to", escalation.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Equal("reported", other.GetProperty("state").GetString());
        Assert.False(other.GetProperty("overdue").GetBoolean());
    }

    [Fact]
    public async Task An_event_becomes_an_incident_in_one_action_and_each_names_the_other()
    {
        using var worker = await _factory.SignedInClientAsync(TestAccounts.GridWorker);
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        var id = (await Json(await worker.PostAsJsonAsync("/api/grid-events", GridEventFixtures.Report(City, photo: false) with { Category = "dispute", Text = "a fight is starting" }, Cancel),
            HttpStatusCode.Created)).GetProperty("eventId").GetString()!;

        var converted = await Json(await op.PostAsJsonAsync($"/api/grid-events/{id}/incident", new { type = "assault", priority = "High" }, Cancel));
        var again = await op.PostAsJsonAsync($"/api/grid-events/{id}/incident", new { type = "assault" }, Cancel);

        var incidentId = converted.GetProperty("incidentId").GetString()!;
        Assert.Equal("closed", converted.GetProperty("state").GetString());
        var incident = Assert.Single(await _factory.Services.GetRequiredService<IIncidentStore>().FindAsync(new IncidentFilter { Limit = 100 }, Cancel), i => i.IncidentId == incidentId);
        Assert.Contains($"from grid event {id}", incident.Description, StringComparison.Ordinal);
        Assert.Equal("assault", incident.Type);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"cannot convert to an incident grid event {id}: it is closed", (await Json(again, HttpStatusCode.Conflict)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_index_shows_the_district_figures_change_when_an_event_is_rated()
    {
        using var worker = await _factory.SignedInClientAsync(TestAccounts.GridWorker);
        using var op = await _factory.SignedInClientAsync(TestAccounts.Operator);
        var district = City.Grids[0].DistrictId;
        var before = await Json(await op.GetAsync($"/api/index?district={district}", Cancel));
        var id = (await Json(await worker.PostAsJsonAsync("/api/grid-events", GridEventFixtures.Report(City, photo: false), Cancel), HttpStatusCode.Created)).GetProperty("eventId").GetString()!;
        await GridEventFixtures.ResolveAsync(_factory.Services.GetRequiredService<GridEventDesk>(), id);
        await Json(await worker.PostAsJsonAsync($"/api/grid-events/{id}/rate", new { rating = 2 }, Cancel));

        var after = await Json(await op.GetAsync($"/api/index?district={district}", Cancel));
        var bad = await op.GetAsync("/api/index?district=atlantis", Cancel);

        static JsonElement Satisfaction(JsonElement index) => index.GetProperty("districts")[0].GetProperty("district").GetProperty("overall").GetProperty("score")
            .GetProperty("indicators").EnumerateArray().Single(i => i.GetProperty("name").GetString() == "satisfaction");
        Assert.Equal(JsonValueKind.Null, Satisfaction(before).GetProperty("score").ValueKind);
        Assert.Equal(25, Satisfaction(after).GetProperty("score").GetDouble(), 9);
        Assert.Equal(100, after.GetProperty("districts")[0].GetProperty("district").GetProperty("overall").GetProperty("score").GetProperty("indicators").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == "gridEventsWithinSla").GetProperty("score").GetDouble(), 9);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("unknown district 'atlantis'", (await Json(bad, HttpStatusCode.BadRequest)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Residents_are_throttled_per_address()
    {
        await using var factory = new DispatchServerFactory(new Dictionary<string, string?> { ["Dispatch:GridEvents:ResidentRequestsPerHourPerAddress"] = "2" });
        using var anonymous = factory.CreateClient();
        var city = factory.Services.GetRequiredService<CityModel>();

        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await anonymous.PostAsJsonAsync("/api/grid-events/resident", GridEventFixtures.Report(city, contact: "138 0000 0000", photo: false), Cancel)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], answers);
    }

    private static async Task Step(HttpClient client, string id, string action, long version, string? note = null) =>
        await Json(await client.PostAsJsonAsync($"/api/grid-events/{id}/steps/{action}", new { version, note }, Cancel));

    private static async Task<string> Error(HttpResponseMessage response) => (await Json(response, HttpStatusCode.BadRequest)).GetProperty("error").GetString()!;

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
