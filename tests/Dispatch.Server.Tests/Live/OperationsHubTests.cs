using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Units;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Server.Alerts;
using Dispatch.Server.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Live;

public sealed class OperationsHubTests(LiveHostFixture fixture) : IClassFixture<LiveHostFixture>
{
    private readonly LiveCluster _cluster = fixture.Cluster;
    private readonly LiveTestHost _host = fixture.Host;

    [Fact]
    public async Task Subscribe_returns_every_unit_of_the_city_with_its_position()
    {
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var snapshot = await ops.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, TestContext.Current.CancellationToken);

        Assert.Equal(_cluster.City.Units.Select(u => u.Id).Order(StringComparer.Ordinal), snapshot.Units.Select(u => u.UnitId));
        Assert.All(snapshot.Units, u => Assert.NotNull(u.Latitude));
        Assert.Equal(_cluster.City.Cameras.Count, snapshot.CameraCount);
    }

    [Fact]
    public async Task Subscribe_to_an_unknown_district_is_refused_naming_it()
    {
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            ops.InvokeAsync<OperationsSnapshot>("Subscribe", new[] { "G-NOWHERE" }, TestContext.Current.CancellationToken));

        Assert.Contains("unknown district 'G-NOWHERE'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assigning_an_unknown_unit_is_refused_and_the_incident_is_unchanged()
    {
        var incidentId = await OpenIncidentAsync();
        var before = await _host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            ops.InvokeAsync("Assign", incidentId, "P-NOPE", (string?)null, TestContext.Current.CancellationToken));

        Assert.Contains("unknown unit 'P-NOPE'", error.Message, StringComparison.Ordinal);
        var after = await _host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        Assert.Equal(before!.Assignments.Count, after!.Assignments.Count);
    }

    [Fact]
    public async Task Closing_an_unknown_incident_is_refused_naming_it()
    {
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            ops.InvokeAsync("Close", "INC-NOPE", "resolved", TestContext.Current.CancellationToken));

        Assert.Contains("unknown incident 'INC-NOPE'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Positions_of_many_moving_units_arrive_in_a_few_batches_a_second_with_the_latest_positions()
    {
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);
        var moved = new Inbox<UnitPositionBatch>(ops, OperationsEvents.UnitsMoved);
        var snapshot = await ops.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, TestContext.Current.CancellationToken);
        var units = _cluster.City.Units;

        // Every unit reports ten fixes within about a second.
        var started = DateTime.UtcNow;
        for (var step = 1; step <= 10; step++)
        {
            await Task.WhenAll(units.Select(u => _host.Grains.GetGrain<IPatrolUnitGrain>(u.Id)
                .ReportPositionAsync(GreatCircle.Offset(u.Start, northMeters: step * 5, eastMeters: 0))));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var last = units[^1];
        var expected = GreatCircle.Offset(last.Start, northMeters: 50, eastMeters: 0);
        await moved.WaitForAsync(b => b.Positions.Any(p => p.UnitId == last.Id && Math.Abs(p.Latitude - expected.Latitude) < 1e-9));
        var elapsedSeconds = (DateTime.UtcNow - started).TotalSeconds;

        var batches = moved.Items;
        Assert.True(batches.Count <= Math.Ceiling(elapsedSeconds * 4) + 2, $"{batches.Count} batches in {elapsedSeconds:F1} s for {units.Count * 10} fixes");
        Assert.All(batches, b => Assert.True(b.Seq > snapshot.Seq));
        Assert.All(batches, b => Assert.Equal(b.Positions.Count, b.Positions.Select(p => p.UnitId).Distinct().Count()));
    }

    [Fact]
    public async Task An_operator_limited_to_a_district_gets_only_that_districts_movements()
    {
        var city = _cluster.City;
        var gridA = city.Grids[0].Id;
        var unitInA = city.Units.First(u => city.FindGrid(u.Start)?.Id == gridA);
        var unitElsewhere = city.Units.First(u => city.FindGrid(u.Start) is { } g && g.Id != gridA);
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);
        var moved = new Inbox<UnitPositionBatch>(ops, OperationsEvents.UnitsMoved);
        var snapshot = await ops.InvokeAsync<OperationsSnapshot>("Subscribe", new[] { gridA }, TestContext.Current.CancellationToken);
        Assert.True(snapshot.Units.Any(u => u.UnitId == unitInA.Id),
            $"{unitInA.Id} not in the snapshot of {gridA}: {string.Join(", ", snapshot.Units.Select(u => $"{u.UnitId}@{u.GridId}"))}; districts {string.Join(",", snapshot.Districts ?? [])}");

        await _host.Grains.GetGrain<IPatrolUnitGrain>(unitElsewhere.Id).ReportPositionAsync(GreatCircle.Offset(unitElsewhere.Start, 3, 3));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        await _host.Grains.GetGrain<IPatrolUnitGrain>(unitInA.Id).ReportPositionAsync(GreatCircle.Offset(unitInA.Start, 3, 3));
        await moved.WaitForAsync(b => b.Positions.Any(p => p.UnitId == unitInA.Id));

        Assert.All(snapshot.Units, u => Assert.Equal(gridA, u.GridId));
        Assert.DoesNotContain(moved.Items.SelectMany(b => b.Positions), p => p.UnitId == unitElsewhere.Id);
    }

    [Fact]
    public async Task A_raised_alert_reaches_operators_with_its_snapshot_url_and_the_snapshot_is_served()
    {
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);
        var alerts = new Inbox<LiveDelta<LiveAlert>>(ops, OperationsEvents.AlertChanged);
        await ops.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, TestContext.Current.CancellationToken);
        var camera = _cluster.City.Cameras[0];
        var image = "<svg xmlns='http://www.w3.org/2000/svg' width='4' height='3'/>"u8.ToArray();

        await _host.Services.GetRequiredService<AlertDesk>().RaiseAsync(new CameraAlertReport(
            "AL-1", camera.Id, "fight", 0.9, DateTimeOffset.UtcNow, image, "image/svg+xml", [new AlertBox(0.1, 0.2, 0.3, 0.4, "person")]));
        var alert = (await alerts.WaitForAsync(a => a.Item.AlertId == "AL-1")).Item;
        using var http = new HttpClient { BaseAddress = _host.BaseAddress };
        var served = await http.GetByteArrayAsync(alert.SnapshotUrl, TestContext.Current.CancellationToken);

        Assert.Equal(camera.Id, alert.CameraId);
        Assert.Equal(camera.Location.Latitude, alert.Latitude, 9);
        Assert.Equal("person", Assert.Single(alert.Boxes).Label);
        Assert.Equal(image, served);
    }

    [Fact]
    public async Task Opening_an_incident_from_an_alert_creates_it_at_the_camera_and_marks_the_alert()
    {
        var camera = _cluster.City.Cameras[1];
        await _host.Services.GetRequiredService<AlertDesk>().RaiseAsync(new CameraAlertReport(
            "AL-2", camera.Id, "intrusion", 0.8, DateTimeOffset.UtcNow, null, null, []));
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var incidentId = await ops.InvokeAsync<string>("OpenIncidentFromAlert", "AL-2", "intrusion", 2, TestContext.Current.CancellationToken);
        var again = await Assert.ThrowsAsync<HubException>(() => ops.InvokeAsync("DismissAlert", "AL-2", "", TestContext.Current.CancellationToken));

        var incident = await _host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        Assert.Equal(camera.Location, incident!.Location);
        Assert.Equal(IncidentSource.Camera, incident.Source);
        Assert.Contains("already Opened", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reported_call_opens_an_incident_at_the_point_as_a_call()
    {
        var at = GreatCircle.Offset(_cluster.City.Stations[1].Location, 120, -80);
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var incidentId = await ops.InvokeAsync<string>("ReportIncident", "theft", 3, at.Latitude, at.Longitude, "bicycle taken", TestContext.Current.CancellationToken);

        var incident = await _host.Grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        Assert.Equal(IncidentSource.Call, incident!.Source);
        Assert.Equal(IncidentPriority.Normal, incident.Priority);
        Assert.Equal(at.Latitude, incident.Location.Latitude, 9);
        Assert.Equal("bicycle taken", incident.Description);
    }

    [Theory]
    [InlineData("theft", 7, 36.66, 117.0, "priority must be 1 (Critical) to 4 (Low), got 7")]
    [InlineData(" ", 2, 36.66, 117.0, "incident type must not be blank")]
    [InlineData("theft", 2, 95.0, 117.0, "latitude must be within [-90, 90]")]
    public async Task A_reported_call_with_a_bad_value_is_refused_naming_it(string type, int priority, double latitude, double longitude, string expected)
    {
        await using var ops = await _host.ConnectAsync(OperationsHub.Path);

        var error = await Assert.ThrowsAsync<HubException>(() =>
            ops.InvokeAsync<string>("ReportIncident", type, priority, latitude, longitude, (string?)null, TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private async Task<string> OpenIncidentAsync()
    {
        var at = _cluster.City.Stations[0].Location;
        var result = await _host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "theft", IncidentPriority.Normal, at.Latitude, at.Longitude, "test", IncidentSource.Operator, "operator:test"));
        return result.IncidentId ?? throw new InvalidOperationException(result.Error);
    }
}
