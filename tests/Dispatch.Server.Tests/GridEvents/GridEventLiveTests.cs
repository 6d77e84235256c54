using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Server.GridEvents;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Server.Tests.GridEvents;

/// <summary>
/// /hubs/grid-events on the real host over real websockets: changes reach each connection that may read them as they
/// happen, and a time limit passing is pushed the moment it passes on the host's (fake) clock, with the periodic sweep
/// set an hour apart so only the event's own timer can have done it.
/// </summary>
public sealed class GridEventLiveTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly LiveCluster _cluster = new(grids: 2);
    private LiveTestHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        // Street lights get 36 s; the sweep runs once an hour of the fake clock, i.e. never in this test.
        _host = LiveTestHost.StartPrimary(_cluster, TestAccounts.AddTo(new Dictionary<string, string?>
        {
            ["Dispatch:GridEvents:Categories:street-light:SlaHours"] = "0.01",
            ["Dispatch:GridEvents:SlaSweepSeconds"] = "3600",
            ["Dispatch:GridEvents:ResidentRequestsPerHourPerAddress"] = "1000",
        }), services => services.AddSingleton<TimeProvider>(_clock));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Each_connection_receives_the_changes_it_may_read_as_they_happen()
    {
        var (map, mapInbox, _) = await SubscribeAsync(TestAccounts.Operator);
        var (queue, queueInbox, _) = await SubscribeAsync(TestAccounts.Department);
        var (worker, workerInbox, _) = await SubscribeAsync(TestAccounts.GridWorker);
        await using var _1 = map;
        await using var _2 = queue;
        await using var _3 = worker;

        var light = await ReportAsync("street-light", TestAccounts.GridWorker);
        var parking = await ReportAsync("illegal-parking", TestAccounts.Operator);
        using var op = TestAccounts.Http(_host.BaseAddress, TestAccounts.Operator);
        await StepAsync(op, light, "accept");
        await StepAsync(op, light, "assign");

        var reportedOnMap = await mapInbox.WaitForAsync(d => d.Item.EventId == light && d.Change == "reported", Wait);
        var assignedOnMap = await mapInbox.WaitForAsync(d => d.Item.EventId == light && d.Item.State == "assigned", Wait);
        var assignedInQueue = await queueInbox.WaitForAsync(d => d.Item.EventId == light && d.Item.State == "assigned", Wait);
        var assignedForWorker = await workerInbox.WaitForAsync(d => d.Item.EventId == light && d.Item.State == "assigned", Wait);
        await mapInbox.WaitForAsync(d => d.Item.EventId == parking, Wait);

        // A later change of the power department's own event has reached its queue, so the parking event would have too.
        await StepAsync(op, light, "note", note: "crew booked");
        await queueInbox.WaitForAsync(d => d.Item.EventId == light && d.Change == "assigned" && d.Item.Version == 4, Wait);
        var (late, _, lateSnapshot) = await SubscribeAsync(TestAccounts.Department);
        await using var _4 = late;

        Assert.Equal("street-light", reportedOnMap.Item.Category);
        Assert.Equal("power", assignedOnMap.Item.Department);
        Assert.True(assignedOnMap.Seq > reportedOnMap.Seq);
        Assert.Null(assignedOnMap.Item.Contact);
        Assert.Equal(assignedOnMap.Item.Version, assignedInQueue.Item.Version);
        Assert.Equal(assignedOnMap.Item.Version, assignedForWorker.Item.Version);
        Assert.DoesNotContain(queueInbox.Items, d => d.Item.EventId == parking);
        Assert.DoesNotContain(workerInbox.Items, d => d.Item.EventId == parking);
        Assert.Contains(lateSnapshot.Events, e => e.EventId == light && e.State == "assigned");
        Assert.DoesNotContain(lateSnapshot.Events, e => e.EventId == parking);
    }

    [Fact]
    public async Task A_time_limit_passing_is_pushed_the_moment_it_passes_escalated_when_it_may_be_and_marked_overdue_when_not()
    {
        var (map, mapInbox, _) = await SubscribeAsync(TestAccounts.Viewer);
        var (queue, queueInbox, _) = await SubscribeAsync(TestAccounts.Department);
        await using var _1 = map;
        await using var _2 = queue;
        var assigned = await ReportAsync("street-light", TestAccounts.GridWorker);
        var waiting = await ReportAsync("street-light", TestAccounts.GridWorker);
        using var op = TestAccounts.Http(_host.BaseAddress, TestAccounts.Operator);
        await StepAsync(op, assigned, "accept");
        await StepAsync(op, assigned, "assign");
        await mapInbox.WaitForAsync(d => d.Item.EventId == assigned && d.Item.State == "assigned", Wait);
        var watched = _host.Services.GetRequiredService<GridEventFeed>().Watched;

        // 35 s: nothing yet. 2 s more: both limits (36 s) pass.
        _clock.Advance(TimeSpan.FromSeconds(35));
        await Task.Delay(300, Cancel);
        Assert.DoesNotContain(mapInbox.Items, d => d.Item.Overdue);
        _clock.Advance(TimeSpan.FromSeconds(2));

        var escalated = await mapInbox.WaitForAsync(d => d.Item.EventId == assigned && d.Item.State == "escalated", Wait);
        var escalatedInQueue = await queueInbox.WaitForAsync(d => d.Item.EventId == assigned && d.Item.State == "escalated", Wait);
        var overdue = await mapInbox.WaitForAsync(d => d.Item.EventId == waiting && d.Change == "overdue", Wait);
        var journal = (await op.GetFromJsonAsync<JsonElement>($"/api/grid-events/{assigned}", Cancel)).GetProperty("journal").EnumerateArray().ToList();

        Assert.True(watched >= 2, $"{watched} events watched");
        Assert.True(escalated.Item.Overdue);
        Assert.True(escalatedInQueue.Item.Overdue);
        Assert.Equal("reported", overdue.Item.State);
        Assert.True(overdue.Item.Overdue);
        Assert.Equal("system:sla", journal[^1].GetProperty("actor").GetString());
        Assert.Equal("escalated", journal[^1].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Without_an_account_or_as_an_admin_the_hub_is_refused()
    {
        await using var anonymous = _host.Hub(GridEventsHub.Path, user: null);
        await using var admin = _host.Hub(GridEventsHub.Path, user: TestAccounts.Admin);

        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync(Cancel));
        await Assert.ThrowsAnyAsync<Exception>(() => admin.StartAsync(Cancel));
    }

    private async Task<(HubConnection Hub, Inbox<GridEventDelta> Inbox, GridEventsSnapshot Snapshot)> SubscribeAsync(string user)
    {
        var hub = _host.Hub(GridEventsHub.Path, user);
        var inbox = new Inbox<GridEventDelta>(hub, GridEventsHub.Changed);
        await hub.StartAsync(Cancel);
        var snapshot = await hub.InvokeAsync<GridEventsSnapshot>("Subscribe", Cancel);
        return (hub, inbox, snapshot);
    }

    private async Task<string> ReportAsync(string category, string user)
    {
        var inside = _host.City.Grids[0].Boundary.InteriorPoint;
        using var client = TestAccounts.Http(_host.BaseAddress, user);
        using var response = await client.PostAsJsonAsync("/api/grid-events", new { category, latitude = inside.Y, longitude = inside.X, text = $"{category} by the gate" }, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString()!;
    }

    private static async Task StepAsync(HttpClient client, string eventId, string step, string? note = null)
    {
        using var response = await client.PostAsJsonAsync($"/api/grid-events/{eventId}/steps/{step}", new { note }, Cancel);
        Assert.True(response.IsSuccessStatusCode, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
    }
}
