using Dispatch.Abstractions.Incidents;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Dispatch.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// What officers and station desks do through the hubs beyond the status buttons: a station reporting its responders on
/// scene, out of service with a reason, the route to the incident; and the cameras panel's counts.
/// </summary>
public sealed class FieldWorkHubTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    private readonly LiveCluster _cluster = fixture.Cluster;
    private readonly LiveTestHost _host = fixture.Host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<IncidentView> OpenAsync(GeoPoint at, IncidentPriority priority, Func<IncidentView, bool> until)
    {
        var opened = await _host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "assault", priority, at.Latitude, at.Longitude, "hub test", IncidentSource.Call, "operator:test"));
        Assert.True(opened.Ok, opened.Error);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var view = await _host.Grains.GetGrain<IIncidentGrain>(opened.IncidentId!).GetAsync();
            if (view is not null && until(view))
            {
                return view;
            }

            Assert.True(DateTime.UtcNow < deadline, "the incident did not settle");
            await Task.Delay(100, Cancel);
        }
    }

    [Fact]
    public async Task A_station_reporting_its_responders_on_scene_meets_the_station_tier()
    {
        var incident = await OpenAsync(_cluster.City.Stations[0].Location, IncidentPriority.High,
            v => v.DispatchSettled && v.Tiers.Any(t => t.Kind == TierKind.StationResponders && t.StationResponders > 0));
        await using var desk = await _host.ConnectAsync(OperationsHub.Path);
        var changes = new Inbox<LiveDelta<LiveIncident>>(desk, OperationsEvents.IncidentChanged);
        await desk.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Cancel);

        await desk.InvokeAsync("ReportStationOnScene", incident.IncidentId, Cancel);

        var after = (await _host.Grains.GetGrain<IIncidentGrain>(incident.IncidentId).GetAsync())!;
        var station = after.Tiers.First(t => t.Kind == TierKind.StationResponders);
        Assert.Equal(TierOutcome.Met, station.Outcome);
        Assert.NotNull(station.FirstArrivalAt);
        Assert.Contains(after.Timeline, e => e.Kind == TimelineKinds.StationOnScene);
        var pushed = await changes.WaitForAsync(d => d.Item.IncidentId == incident.IncidentId && d.Item.Tiers.Any(t => t.Kind == TierKind.StationResponders && t.Outcome == TierOutcome.Met));
        Assert.Equal(station.StationId, pushed.Item.Tiers.First(t => t.Kind == TierKind.StationResponders).StationId);
        var again = await Assert.ThrowsAsync<HubException>(() => desk.InvokeAsync("ReportStationOnScene", incident.IncidentId, Cancel));
        Assert.Contains("already on scene", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Station_on_scene_for_an_unknown_incident_is_refused_naming_it()
    {
        await using var desk = await _host.ConnectAsync(OperationsHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() => desk.InvokeAsync("ReportStationOnScene", "INC-NOPE", Cancel));

        Assert.Contains("unknown incident 'INC-NOPE'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Out_of_service_keeps_the_officers_reason_until_back_in_service()
    {
        var unitId = _cluster.City.Units[3].Id;
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, Cancel);

        var off = await terminal.InvokeAsync<TerminalActionResult>("GoOutOfService", "oos-1", "vehicle repair", Cancel);
        var back = await terminal.InvokeAsync<TerminalActionResult>("Perform", "oos-2", "BackInService", Cancel);

        Assert.Equal(UnitStatus.OutOfService, off.Unit.Status);
        Assert.Equal("vehicle repair", off.Unit.OutOfServiceReason);
        Assert.Equal(UnitStatus.Available, back.Unit.Status);
        Assert.Null(back.Unit.OutOfServiceReason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Out_of_service_without_a_reason_is_refused_and_the_unit_stays_available(string reason)
    {
        var unitId = _cluster.City.Units[4].Id;
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, Cancel);

        var error = await Assert.ThrowsAsync<HubException>(() => terminal.InvokeAsync<TerminalActionResult>("GoOutOfService", $"oos-{reason.Length}", reason, Cancel));

        Assert.Contains("out-of-service reason must be 1..200 characters", error.Message, StringComparison.Ordinal);
        Assert.Equal(UnitStatus.Available, (await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, Cancel)).Unit.Status);
    }

    [Fact]
    public async Task The_route_to_the_assigned_incident_follows_the_roads_and_carries_an_eta()
    {
        var incident = await OpenAsync(_cluster.City.Stations[2].Location, IncidentPriority.Normal, v => v.DispatchSettled && v.ActiveAssignments.Any());
        var unitId = incident.ActiveAssignments.First().UnitId;
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", unitId, Cancel);

        var route = await terminal.InvokeAsync<TerminalRoute?>("Route", Cancel);

        Assert.NotNull(route);
        Assert.Equal(incident.IncidentId, route.IncidentId);
        Assert.True(route.OnRoads);
        Assert.True(route.Points.Count > 2, $"{route.Points.Count} points");
        Assert.InRange(route.EtaSeconds, 1, 3600);
        Assert.True(route.DistanceMeters >= GreatCircle.DistanceMeters(new GeoPoint(route.Points[0][0], route.Points[0][1]), incident.Location) - 1);
    }

    [Fact]
    public async Task A_unit_without_an_assignment_has_no_route()
    {
        await using var terminal = await _host.ConnectAsync(TerminalHub.Path);
        await terminal.InvokeAsync<TerminalSnapshot>("SignIn", _cluster.City.Units[5].Id, Cancel);

        Assert.Null(await terminal.InvokeAsync<TerminalRoute?>("Route", Cancel));
    }

    [Fact]
    public async Task Camera_health_counts_registered_cameras_no_gateway_reported_as_never_reported_not_offline()
    {
        using var http = TestAccounts.Http(_host.BaseAddress, TestAccounts.Viewer);

        var health = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/cameras/health", Cancel)).RootElement;

        var registered = health.GetProperty("registeredCameras").GetInt32();
        var reporting = health.GetProperty("reportedCameras").GetInt32();
        Assert.Equal(_cluster.City.Cameras.Count, registered);
        Assert.Equal(registered - reporting, health.GetProperty("neverReportedCameras").GetInt32());
        Assert.Equal(health.GetProperty("offline").GetArrayLength(), health.GetProperty("offlineCameras").GetInt32());
        Assert.True(health.GetProperty("neverReportedCameras").GetInt32() > 0);
    }
}
