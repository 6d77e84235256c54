using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Domain.Plans;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>The CameraGateway service over real HTTP/2: Hello, validation, idempotency, correlation, cooldown, snapshots, flow control.</summary>
public sealed class CameraGatewayTests(SharedAlertHost shared) : IClassFixture<SharedAlertHost>
{
    private CameraGateway.CameraGatewayClient Client => shared.Client;

    [Fact]
    public async Task Hello_is_welcomed_with_the_flow_control_window_and_refuses_cameras_it_may_not_serve()
    {
        var (session, welcome) = await GatewaySession.ConnectAsync(Client, Hello(Gateway, Credential,
            new CameraInfo { CameraId = CameraId(1) },
            new CameraInfo { CameraId = "O-01" },
            new CameraInfo { CameraId = "NEW-NO-PLACE" },
            new CameraInfo { CameraId = "NEW-BAD-PLACE", Location = new GeoLocation { Latitude = 91, Longitude = 117 } }));
        await using var _ = session;

        Assert.Equal(64u, welcome.FlowControl.MaxUnacknowledgedAlerts);
        Assert.Equal(10u, welcome.HeartbeatIntervalSeconds);
        Assert.InRange(welcome.ServerTime.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(["O-01", "NEW-NO-PLACE", "NEW-BAD-PLACE"], welcome.RefusedCameraIds);
        Assert.Equal([RejectReason.CameraOfAnotherGateway, RejectReason.CameraLocationMissing, RejectReason.CoordinatesOutOfRange], welcome.RefusedReasons);
    }

    [Fact]
    public async Task A_new_camera_announced_with_its_location_can_send_alerts()
    {
        var place = Offset(0.02, 0.02);
        var (session, welcome) = await GatewaySession.ConnectAsync(Client, Hello(Gateway, Credential,
            new CameraInfo { CameraId = "NEW-CAM-1", Name = "new gate camera", Location = new GeoLocation { Latitude = place.Latitude, Longitude = place.Longitude } }));
        await using var _ = session;

        var ack = await session.SendAsync(NewAlert("NEW-CAM-1", AlertKind.Intrusion));

        Assert.Empty(welcome.RefusedCameraIds);
        Assert.Equal(AlertOutcome.Accepted, ack.Outcome);
        var incident = await IncidentAsync(ack.IncidentId);
        Assert.Equal(place.Latitude, incident.Location.Latitude, 6);
    }

    [Theory]
    [InlineData("unknown-gateway", Credential)]
    [InlineData(Gateway, "wrong-credential")]
    [InlineData(Gateway, "")]
    public async Task Hello_with_an_unknown_gateway_or_wrong_credential_ends_the_call_unauthenticated(string gateway, string credential)
    {
        await using var session = GatewaySession.Open(Client);
        await session.SendRawAsync(Hello(gateway, credential));

        var failure = await session.FailureAsync();

        Assert.Equal(StatusCode.Unauthenticated, failure.StatusCode);
        Assert.Contains(gateway, failure.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("test-credential", failure.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_alert_before_hello_is_rejected_as_not_authenticated_and_creates_nothing()
    {
        await using var session = GatewaySession.Open(Client);
        var alert = NewAlert(CameraId(2));

        var ack = await session.SendAsync(alert);

        Assert.Equal(AlertOutcome.Rejected, ack.Outcome);
        Assert.Equal(RejectReason.NotAuthenticated, ack.RejectReason);
        Assert.NotNull(ack.RetryAfter);
        using var http = shared.Host.Http();
        using var response = await http.GetAsync($"/api/alerts/{alert.AlertId}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    public static TheoryData<string, RejectReason> BadAlerts => new()
    {
        { "unknown camera", RejectReason.UnknownCamera },
        { "camera of another gateway", RejectReason.CameraOfAnotherGateway },
        { "latitude out of range", RejectReason.CoordinatesOutOfRange },
        { "longitude out of range", RejectReason.CoordinatesOutOfRange },
        { "confidence above 1", RejectReason.ConfidenceOutOfRange },
        { "confidence below 0", RejectReason.ConfidenceOutOfRange },
        { "observed in the future", RejectReason.ObservedInFuture },
        { "observed too long ago", RejectReason.ObservedTooOld },
        { "observed time missing", RejectReason.ObservedTooOld },
        { "snapshot over 1 MiB", RejectReason.SnapshotTooLarge },
        { "snapshot not a JPEG", RejectReason.SnapshotNotJpeg },
        { "snapshot with a JPEG marker that does not decode", RejectReason.SnapshotNotJpeg },
        { "missing alert id", RejectReason.MissingAlertId },
        { "unspecified kind", RejectReason.UnknownKind },
        { "box outside the frame", RejectReason.BoxOutOfRange },
    };

    [Theory]
    [MemberData(nameof(BadAlerts))]
    public async Task A_bad_alert_is_rejected_with_its_reason_and_the_stream_carries_on(string problem, RejectReason expected)
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var __ = session;
        var alert = Spoil(NewAlert(CameraId(3), AlertKind.Loitering, Offset(0.03, -0.03)), problem);

        var ack = await session.SendAsync(alert);
        var next = await session.SendAsync(NewAlert(CameraId(3), AlertKind.Loitering, Offset(0.03, -0.03)));

        Assert.Equal(AlertOutcome.Rejected, ack.Outcome);
        Assert.Equal(expected, ack.RejectReason);
        Assert.False(string.IsNullOrWhiteSpace(ack.Message));
        Assert.Empty(ack.IncidentId);
        Assert.Equal(AlertOutcome.Accepted, next.Outcome);
    }

    [Fact]
    public async Task An_accepted_alert_opens_an_incident_of_the_type_and_priority_mapped_from_its_kind()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;

        var fight = await session.SendAsync(NewAlert(CameraId(4), AlertKind.Fight, Offset(-0.03, 0.03)));
        var panic = await session.SendAsync(NewAlert(CameraId(4), AlertKind.PanicButton, Offset(-0.03, 0.03)));

        Assert.Equal(AlertOutcome.Accepted, fight.Outcome);
        var fightIncident = await IncidentAsync(fight.IncidentId);
        Assert.Equal(("public-order", IncidentPriority.High, IncidentSource.Camera), (fightIncident.Type, fightIncident.Priority, fightIncident.Source));
        var panicIncident = await IncidentAsync(panic.IncidentId);
        Assert.Equal(("panic-alarm", IncidentPriority.Critical, IncidentSource.Sensor), (panicIncident.Type, panicIncident.Priority, panicIncident.Source));
        Assert.NotEqual(fight.IncidentId, panic.IncidentId);
    }

    [Fact]
    public async Task The_same_alert_id_twice_is_a_duplicate_with_the_original_incident_and_creates_nothing()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;
        var alert = NewAlert(CameraId(5), AlertKind.Fall, Offset(0.04, 0.0));

        var first = await session.SendAsync(alert);
        var again = await session.SendAsync(alert.Clone());
        var (other, ___) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var ____ = other;
        var onAnotherStream = await other.SendAsync(alert.Clone());

        Assert.Equal(AlertOutcome.Accepted, first.Outcome);
        Assert.Equal((AlertOutcome.Duplicate, first.IncidentId), (again.Outcome, again.IncidentId));
        Assert.Equal((AlertOutcome.Duplicate, first.IncidentId), (onAnotherStream.Outcome, onAnotherStream.IncidentId));
        var alerts = await IncidentAlertsAsync(first.IncidentId);
        Assert.Single(alerts);
    }

    [Fact]
    public async Task Alerts_of_an_unknown_incident_are_not_found_and_of_an_incident_without_alerts_an_empty_list()
    {
        var ct = TestContext.Current.CancellationToken;
        var grains = shared.Host.Services.GetRequiredService<IGrainFactory>();
        var called = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "medical", IncidentPriority.Normal, Offset(0.046, 0.046).Latitude, Offset(0.046, 0.046).Longitude, "phoned in", IncidentSource.Call, "calltaker:test"));
        using var http = shared.Host.Http();

        using var unknown = await http.GetAsync("/api/incidents/no-such-incident/alerts", ct);
        var withoutAlerts = await http.GetFromJsonAsync<List<JsonElement>>($"/api/incidents/{called.IncidentId}/alerts", ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no-such-incident", await unknown.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.True(called.Ok, called.Error);
        Assert.Empty(withoutAlerts!);
    }

    [Fact]
    public async Task Two_cameras_seeing_one_fight_give_one_incident()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;

        var first = await session.SendAsync(NewAlert(CameraId(6), AlertKind.Fight, Offset(0.01, -0.04)));
        var second = await session.SendAsync(NewAlert(CameraId(7), AlertKind.Fight, Offset(0.0105, -0.04)));   // ~55 m north
        var crowd = await session.SendAsync(NewAlert(CameraId(8), AlertKind.Crowd, Offset(0.0103, -0.04)));    // same type group

        Assert.Equal(AlertOutcome.Accepted, second.Outcome);
        Assert.Equal(first.IncidentId, second.IncidentId);
        Assert.Equal(first.IncidentId, crowd.IncidentId);
        Assert.Equal([CameraId(6), CameraId(7), CameraId(8)], (await IncidentAlertsAsync(first.IncidentId)).Select(a => a.GetProperty("cameraId").GetString()));
    }

    [Fact]
    public async Task Alerts_far_apart_or_of_an_incompatible_kind_open_separate_incidents()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;

        var fight = await session.SendAsync(NewAlert(CameraId(9), AlertKind.Fight, Offset(-0.01, -0.04)));
        var farFight = await session.SendAsync(NewAlert(CameraId(10), AlertKind.Fight, Offset(-0.015, -0.04)));  // ~550 m away
        var fire = await session.SendAsync(NewAlert(CameraId(11), AlertKind.FireOrSmoke, Offset(-0.01, -0.04)));

        Assert.Equal(3, new[] { fight.IncidentId, farFight.IncidentId, fire.IncidentId }.Distinct().Count());
    }

    [Fact]
    public async Task A_cameras_repeated_alerts_inside_its_cooldown_join_its_incident_wherever_they_point()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;

        var first = await session.SendAsync(NewAlert(CameraId(12), AlertKind.Intrusion, Offset(0.035, 0.035)));
        var repeat = await session.SendAsync(NewAlert(CameraId(12), AlertKind.Intrusion, Offset(0.045, 0.045)));  // 1.4 km away: no correlation

        Assert.Equal(AlertOutcome.Accepted, repeat.Outcome);
        Assert.Equal(first.IncidentId, repeat.IncidentId);
    }

    [Fact]
    public async Task After_an_operator_closes_the_incident_the_cameras_cooldown_accepts_alerts_into_no_incident()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;
        var first = await session.SendAsync(NewAlert(CameraId(13), AlertKind.Vehicle, Offset(-0.035, -0.035)));
        var grains = shared.Host.Services.GetRequiredService<IGrainFactory>();
        Assert.True((await grains.GetGrain<IIncidentGrain>(first.IncidentId).CloseAsync("false alarm", "operator:test")).Ok);

        var repeat = await session.SendAsync(NewAlert(CameraId(13), AlertKind.Vehicle, Offset(-0.035, -0.035)));

        Assert.Equal(AlertOutcome.Accepted, repeat.Outcome);
        Assert.Empty(repeat.IncidentId);
    }

    [Fact]
    public async Task Snapshots_are_kept_as_original_thumbnail_and_annotated_copy_and_served_over_http()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;
        var alert = NewAlert(CameraId(14), AlertKind.Loitering, Offset(0.045, -0.045));
        alert.SnapshotJpeg = Jpeg(640, 360);
        alert.Boxes.Add(new BoundingBox { X = 0.1f, Y = 0.2f, Width = 0.3f, Height = 0.5f, Label = "person", Score = 0.8f });
        alert.Attributes["zone"] = "school yard";

        var ack = await session.SendAsync(alert);
        using var http = shared.Host.Http();
        var ct = TestContext.Current.CancellationToken;
        var original = await http.GetByteArrayAsync($"/api/alerts/{alert.AlertId}/snapshot?variant=original", ct);
        var thumb = await http.GetByteArrayAsync($"/api/alerts/{alert.AlertId}/snapshot?variant=thumb", ct);
        var annotated = await http.GetByteArrayAsync($"/api/alerts/{alert.AlertId}/snapshot?variant=annotated", ct);
        using var badVariant = await http.GetAsync($"/api/alerts/{alert.AlertId}/snapshot?variant=huge", ct);

        Assert.Equal(AlertOutcome.Accepted, ack.Outcome);
        Assert.Equal(alert.SnapshotJpeg.ToByteArray(), original);
        using (var small = OpenCvSharp.Cv2.ImDecode(thumb, OpenCvSharp.ImreadModes.Color))
        {
            Assert.Equal((320, 180), (small.Width, small.Height));
        }

        using (var drawn = OpenCvSharp.Cv2.ImDecode(annotated, OpenCvSharp.ImreadModes.Color))
        using (var clean = OpenCvSharp.Cv2.ImDecode(original, OpenCvSharp.ImreadModes.Color))
        {
            // The box's top edge runs at y = 0.2 * 360 = 72 from x = 64: red there only in the annotated copy.
            var edge = drawn.At<OpenCvSharp.Vec3b>(72, 120);
            Assert.True(edge.Item2 > 150 && edge.Item0 < 100, $"annotated pixel {edge.Item0},{edge.Item1},{edge.Item2} is not the box colour");
            Assert.True(clean.At<OpenCvSharp.Vec3b>(72, 120).Item2 < 100);
        }

        Assert.Equal(HttpStatusCode.BadRequest, badVariant.StatusCode);
        var listed = Assert.Single(await IncidentAlertsAsync(ack.IncidentId));
        Assert.True(listed.GetProperty("hasSnapshot").GetBoolean());
        Assert.Equal("school yard", listed.GetProperty("attributes").GetProperty("zone").GetString());
    }

    [Fact]
    public async Task The_annotated_snapshot_draws_the_zone_or_line_of_the_rule_as_well_as_the_boxes()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello());
        await using var _ = session;
        var alert = NewAlert(CameraId(17), AlertKind.LineCrossing, Offset(-0.045, -0.02));
        alert.SnapshotJpeg = Jpeg(640, 360);
        alert.Boxes.Add(new BoundingBox { X = 0.1f, Y = 0.2f, Width = 0.2f, Height = 0.5f, Label = "person", Score = 0.8f });
        alert.RuleShapes.Add(new RuleShape { Name = "gate", Points = { new ImagePoint { X = 0.75f, Y = 0.1f }, new ImagePoint { X = 0.75f, Y = 0.9f } } });
        alert.RuleShapes.Add(new RuleShape
        {
            Name = "yard",
            Closed = true,
            Points = { new ImagePoint { X = 0.05f, Y = 0.85f }, new ImagePoint { X = 0.6f, Y = 0.85f }, new ImagePoint { X = 0.6f, Y = 0.95f } },
        });

        var ack = await session.SendAsync(alert);
        using var http = shared.Host.Http();
        var annotated = await http.GetByteArrayAsync($"/api/alerts/{alert.AlertId}/snapshot?variant=annotated", TestContext.Current.CancellationToken);

        Assert.Equal(AlertOutcome.Accepted, ack.Outcome);
        using var drawn = OpenCvSharp.Cv2.ImDecode(annotated, OpenCvSharp.ImreadModes.Color);
        // The line runs down column 0.75 * 639 = 479; the zone's top edge along row 0.85 * 359 = 305.
        foreach (var (row, column) in new[] { (100, 479), (250, 479), (305, 200) })
        {
            var pixel = drawn.At<OpenCvSharp.Vec3b>(row, column);
            Assert.True(pixel.Item2 > 180 && pixel.Item1 > 160 && pixel.Item0 < 90, $"expected the rule's yellow at ({column}, {row}), got {pixel}");
        }

        Assert.True(drawn.At<OpenCvSharp.Vec3b>(72, 100).Item2 > 150, "the box is drawn too");
    }

    [Fact]
    public async Task Beyond_the_window_alerts_are_rejected_as_too_many_and_go_through_when_sent_again()
    {
        var (session, welcome) = await GatewaySession.ConnectAsync(Client, Hello(CappedGateway));
        await using var _ = session;
        var alerts = Enumerable.Range(0, 40).Select(i => NewAlert($"K-{(i % 4) + 1:00}", AlertKind.Crowd, Offset(-0.045, 0.045))).ToList();

        // A burst without waiting for acks, as a gateway ignoring flow control would send it.
        var acks = await Task.WhenAll(await Task.WhenAll(alerts.Select(session.PostAsync)));

        Assert.Equal((uint)CappedWindow, welcome.FlowControl.MaxUnacknowledgedAlerts);
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), acks.Select(a => a.AlertId).Order());
        var refused = acks.Where(a => a.RejectReason == RejectReason.TooManyUnacknowledged).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, a => Assert.NotNull(a.RetryAfter));
        Assert.All(acks.Except(refused), a => Assert.Equal(AlertOutcome.Accepted, a.Outcome));

        // The gateway keeps the refused ones and sends them again one at a time, as flow control asks.
        foreach (var ack in refused)
        {
            var again = await session.SendAsync(alerts.Single(a => a.AlertId == ack.AlertId).Clone());
            Assert.Equal(AlertOutcome.Accepted, again.Outcome);
        }
    }

    [Fact]
    public async Task Publish_alert_accepts_an_authenticated_device_with_the_same_rules()
    {
        var alert = NewAlert(CameraId(15), AlertKind.PanicButton, Offset(0.025, -0.025));
        var ct = TestContext.Current.CancellationToken;

        var accepted = await Client.PublishAlertAsync(alert, Credentials(), cancellationToken: ct);
        var duplicate = await Client.PublishAlertAsync(alert, Credentials(), cancellationToken: ct);
        var wrongCredential = await Client.PublishAlertAsync(NewAlert(CameraId(15)), Credentials(Gateway, "nope"), cancellationToken: ct);
        var noCredential = await Client.PublishAlertAsync(NewAlert(CameraId(15)), cancellationToken: ct);
        var otherGateways = await Client.PublishAlertAsync(NewAlert("O-02"), Credentials(), cancellationToken: ct);
        var bad = NewAlert(CameraId(15));
        bad.Confidence = 2;
        var invalid = await Client.PublishAlertAsync(bad, Credentials(), cancellationToken: ct);

        Assert.Equal(AlertOutcome.Accepted, accepted.Outcome);
        Assert.Equal((AlertOutcome.Duplicate, accepted.IncidentId), (duplicate.Outcome, duplicate.IncidentId));
        Assert.Equal(RejectReason.NotAuthenticated, wrongCredential.RejectReason);
        Assert.Equal(RejectReason.NotAuthenticated, noCredential.RejectReason);
        Assert.Equal(RejectReason.CameraOfAnotherGateway, otherGateways.RejectReason);
        Assert.Equal(RejectReason.ConfidenceOutOfRange, invalid.RejectReason);
    }

    [Fact]
    public async Task Heartbeats_are_accepted_and_a_single_offline_report_is_not_yet_an_outage()
    {
        var (session, _) = await GatewaySession.ConnectAsync(Client, Hello(Gateway, Credential, new CameraInfo { CameraId = CameraId(16) }));
        await using var _ = session;
        var heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        heartbeat.Cameras.Add(new CameraHealth { CameraId = CameraId(16), Status = CameraStatus.Offline, Detail = "rtsp: connection refused" });
        await session.SendRawAsync(new GatewayMessage { Heartbeat = heartbeat });
        var marker = await session.SendAsync(NewAlert(CameraId(16), AlertKind.Sensor, Offset(-0.025, 0.025))); // acks after the heartbeat was read

        using var http = shared.Host.Http();
        using var health = JsonDocument.Parse(await http.GetStringAsync("/api/cameras/health", TestContext.Current.CancellationToken));

        Assert.Equal(AlertOutcome.Accepted, marker.Outcome);
        var root = health.RootElement;
        Assert.Equal(AlertTestHost.TestCity().Cameras.Count, root.GetProperty("registeredCameras").GetInt32());
        Assert.True(root.GetProperty("onlineCameras").GetInt32() >= 1);
        Assert.DoesNotContain(root.GetProperty("offline").EnumerateArray(), c => c.GetProperty("cameraId").GetString() == CameraId(16));
    }

    [Fact]
    public async Task Server_reflection_lists_the_camera_gateway_and_grpc_health_answers_serving()
    {
        var ct = TestContext.Current.CancellationToken;
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(shared.Host.Channel);
        // Reflection answers anyone with credentials (here the gateway's); health answers probes without.
        using var call = reflection.ServerReflectionInfo(AlertTestHost.Credentials(), cancellationToken: ct);
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" }, ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(ct));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        var health = new Grpc.Health.V1.Health.HealthClient(shared.Host.Channel);
        var status = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), cancellationToken: ct);

        Assert.Contains("dispatch.v1.CameraGateway", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
    }

    private static Alert Spoil(Alert alert, string problem)
    {
        switch (problem)
        {
            case "unknown camera": alert.CameraId = "NO-SUCH-CAMERA"; break;
            case "camera of another gateway": alert.CameraId = "O-01"; break;
            case "latitude out of range": alert.Location = new GeoLocation { Latitude = 90.5, Longitude = 117 }; break;
            case "longitude out of range": alert.Location = new GeoLocation { Latitude = 36, Longitude = -181 }; break;
            case "confidence above 1": alert.Confidence = 1.01f; break;
            case "confidence below 0": alert.Confidence = -0.1f; break;
            case "observed in the future": alert.ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(2)); break;
            case "observed too long ago": alert.ObservedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)); break;
            case "observed time missing": alert.ObservedAt = null; break;
            case "snapshot over 1 MiB": alert.SnapshotJpeg = ByteString.CopyFrom(new byte[(1024 * 1024) + 1]); break;
            case "snapshot not a JPEG": alert.SnapshotJpeg = ByteString.CopyFromUtf8("GIF89a this is not a jpeg at all"); break;
            case "snapshot with a JPEG marker that does not decode": alert.SnapshotJpeg = ByteString.CopyFrom([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6]); break;
            case "missing alert id": alert.AlertId = ""; break;
            case "unspecified kind": alert.Kind = AlertKind.Unspecified; break;
            case "box outside the frame": alert.Boxes.Add(new BoundingBox { X = 0.8f, Y = 0.1f, Width = 0.5f, Height = 0.2f, Score = 0.5f }); break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), problem, "no such spoiler");
        }

        return alert;
    }

    private async Task<IncidentView> IncidentAsync(string incidentId)
    {
        Assert.False(string.IsNullOrEmpty(incidentId), "ack carries no incident id");
        var grains = shared.Host.Services.GetRequiredService<IGrainFactory>();
        return await grains.GetGrain<IIncidentGrain>(incidentId).GetAsync() ?? throw new Xunit.Sdk.XunitException($"no incident {incidentId}");
    }

    private async Task<List<JsonElement>> IncidentAlertsAsync(string incidentId)
    {
        using var http = shared.Host.Http();
        var alerts = await http.GetFromJsonAsync<List<JsonElement>>($"/api/incidents/{incidentId}/alerts", TestContext.Current.CancellationToken);
        return alerts ?? [];
    }
}
