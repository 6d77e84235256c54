using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Server.EarlyWarning;
using Dispatch.Server.Exports;
using Dispatch.Server.GridEvents;
using Dispatch.Server.Tests.GridEvents;
using Dispatch.Server.Live;
using Dispatch.Server.Security;
using Dispatch.Server.Units;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;
using Grpc.Core;
using Microsoft.AspNetCore.SignalR.Client;
using static Dispatch.Server.Tests.Security.Who;

namespace Dispatch.Server.Tests.Security;

/// <summary>One surface (hub method, HTTP endpoint, gRPC method), who may call it, and a call that succeeds for them.</summary>
public sealed record MatrixRow(string Surface, IReadOnlySet<Who> Allowed, Func<Caller, Task> Call);

/// <summary>
/// The expectations of the authorization matrix: one row per surface. A new hub method, endpoint or gRPC method fails
/// the matrix test until it has a row here, naming who may call it and a call that succeeds for them.
/// </summary>
public static class AuthorizationMatrix
{
    public static readonly IReadOnlySet<Who> Everyone = Enum.GetValues<Who>().ToHashSet();
    public static readonly IReadOnlySet<Who> SignedIn = Everyone.Where(w => w != Anonymous).ToHashSet();
    public static readonly IReadOnlySet<Who> Board = new HashSet<Who> { Viewer, Operator, Supervisor, Admin };
    public static readonly IReadOnlySet<Who> Commanders = new HashSet<Who> { Operator, Supervisor };
    public static readonly IReadOnlySet<Who> AccountAdmins = new HashSet<Who> { Supervisor, Admin };
    public static readonly IReadOnlySet<Who> Admins = new HashSet<Who> { Admin };
    public static readonly IReadOnlySet<Who> Officers = new HashSet<Who> { OfficerA, OfficerB };
    public static readonly IReadOnlySet<Who> OfficerOfUnitA = new HashSet<Who> { OfficerA };
    public static readonly IReadOnlySet<Who> Gateways = new HashSet<Who> { GatewayOne, GatewayTwo };
    public static readonly IReadOnlySet<Who> GatewayOfTheCamera = new HashSet<Who> { GatewayOne };
    public static readonly IReadOnlySet<Who> GridReporters = new HashSet<Who> { GridWorker, Operator, Supervisor };
    public static readonly IReadOnlySet<Who> GridReaders = new HashSet<Who> { GridWorker, Department, Viewer, Operator, Supervisor };
    public static readonly IReadOnlySet<Who> GridWorkers = new HashSet<Who> { Department, Operator, Supervisor };
    public static readonly IReadOnlySet<Who> GridWorkersOnly = new HashSet<Who> { GridWorker };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static IReadOnlyList<MatrixRow> Rows { get; } =
    [
        // Pages and sign-in
        Http("GET /signin", Everyone, c => c.CallAsync(HttpMethod.Get, "/signin")),
        Http("GET /terminal", SignedIn, c => c.CallAsync(HttpMethod.Get, "/terminal")),
        Http("POST /api/auth/signin", Everyone, c => c.CallAsync(HttpMethod.Post, "/api/auth/signin", new { username = TestAccounts.Viewer, password = TestAccounts.Password })),
        Http("POST /api/auth/token", Everyone, c => c.CallAsync(HttpMethod.Post, "/api/auth/token", new { username = TestAccounts.Viewer, password = TestAccounts.Password })),
        Http("POST /api/auth/signout", SignedIn, c => c.CallAsync(HttpMethod.Post, "/api/auth/signout")),
        Http("GET /api/auth/me", SignedIn, c => c.CallAsync(HttpMethod.Get, "/api/auth/me")),

        // Health probes carry no credentials.
        Http("ANY /health/live", Everyone, c => c.CallAsync(HttpMethod.Get, "/health/live")),
        Http("ANY /health/ready", Everyone, c => c.CallAsync(HttpMethod.Get, "/health/ready")),
        Http("GET /metrics", Admins, c => c.CallAsync(HttpMethod.Get, "/metrics")),

        // The board, read-only
        Http("GET /api/city", Board, c => c.CallAsync(HttpMethod.Get, "/api/city")),
        Http("GET /api/cameras/health", Board, c => c.CallAsync(HttpMethod.Get, "/api/cameras/health")),
        Http("GET /api/incidents/{incidentId}/alerts", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/incidents/{(await SnapshotAlertAsync(c)).IncidentId}/alerts")),
        Http("GET /api/alerts/{alertId}", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/alerts/{(await SnapshotAlertAsync(c)).AlertId}")),
        Http("GET /api/alerts/{alertId}/snapshot", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/alerts/{(await SnapshotAlertAsync(c)).AlertId}/snapshot?variant=thumb")),
        Http("GET /api/coverage", Board, c => c.CallAsync(HttpMethod.Get, "/api/coverage?cells=false")),
        Http("GET /api/coverage/move-ups", Board, c => c.CallAsync(HttpMethod.Get, "/api/coverage/move-ups")),

        Http("GET /api/incidents/{incidentId}/cap", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/incidents/{await c.Host.OpenIncidentAsync()}/cap")),
        Http("GET /api/incidents/{incidentId}/eido", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/incidents/{await c.Host.OpenIncidentAsync()}/eido")),
        Http("GET /api/incidents", Board, c => c.CallAsync(HttpMethod.Get, "/api/incidents?limit=5")),
        Http("GET /api/incidents/{incidentId}", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/incidents/{await c.Host.OpenIncidentAsync()}")),
        Http("GET /api/incidents/{incidentId}/reach", Board, async c => await c.CallAsync(HttpMethod.Get, $"/api/incidents/{await c.Host.OpenIncidentAsync()}/reach")),
        Http("GET /api/compliance", Board, c => c.CallAsync(HttpMethod.Get, "/api/compliance")),
        Http("GET /api/cameras/states", Board, c => c.CallAsync(HttpMethod.Get, "/api/cameras/states")),

        // The basemap and the API's description: anyone signed in (officers' terminals draw the streets too)
        Http("GET /api/basemap", SignedIn, c => c.CallAsync(HttpMethod.Get, "/api/basemap")),
        Http("GET /api/basemap/roads/{z}/{x}/{y}", SignedIn, c => c.CallAsync(HttpMethod.Get, RoadTilePath(c))),
        Http("GET /api/basemap/background/{z}/{x}/{y}", SignedIn, c => c.CallAsync(HttpMethod.Get, $"/api/basemap/background/{MatrixHost.BackgroundTile}")),
        Http("GET /openapi/{documentName}.json", SignedIn, c => c.CallAsync(HttpMethod.Get, "/openapi/v1.json")),
        Http("GET /api/early-warning/hotspots", Board, c => c.CallAsync(HttpMethod.Get, "/api/early-warning/hotspots")),
        Http("GET /api/early-warning/daily", Board, c => c.CallAsync(HttpMethod.Get, "/api/early-warning/daily")),
        Http("GET /api/early-warning/alert-rates", Board, c => c.CallAsync(HttpMethod.Get, "/api/early-warning/alert-rates")),

        // Commands over HTTP
        Http("POST /api/early-warning/hotspots/{hotspotId}/patrol", Commanders, async c => await c.CallAsync(HttpMethod.Post,
            $"/api/early-warning/hotspots/{await HotspotAsync(c)}/patrol", new { units = 1, note = "matrix" })),
        Http("POST /api/coverage/move-ups/accept", Commanders, c => c.CallAsync(HttpMethod.Post, "/api/coverage/move-ups/accept",
            new { moves = new[] { new { unitId = c.Host.FreshUnit(), postId = c.Host.City.Stations[^1].Id } } })),
        Http("GET /api/cameras/pending/", Commanders, c => c.CallAsync(HttpMethod.Get, "/api/cameras/pending")),
        Http("POST /api/cameras/pending/{cameraId}/approve", Commanders, async c => await c.CallAsync(HttpMethod.Post, $"/api/cameras/pending/{await PendingCameraAsync(c)}/approve")),
        Http("POST /api/cameras/pending/{cameraId}/reject", Commanders, async c => await c.CallAsync(HttpMethod.Post, $"/api/cameras/pending/{await PendingCameraAsync(c)}/reject")),

        // Grid events: residents without an account (throttled), grid workers, departments, the command centre
        Http("GET /report", Everyone, c => c.CallAsync(HttpMethod.Get, "/report")),
        Http("GET /api/grid-events/catalog", Everyone, c => c.CallAsync(HttpMethod.Get, "/api/grid-events/catalog")),
        Http("POST /api/grid-events/resident", Everyone, c => c.CallAsync(HttpMethod.Post, "/api/grid-events/resident", GridEventFixtures.Report(c.Host.City, contact: "138 0000 0000"))),
        Http("GET /api/grid-events/follow/{code}", Everyone, async c => await c.CallAsync(HttpMethod.Get, $"/api/grid-events/follow/{(await GridEventFixtures.ResidentAsync(c.Host)).Code}")),
        Http("POST /api/grid-events/follow/{code}/rate", Everyone, async c => await c.CallAsync(HttpMethod.Post,
            $"/api/grid-events/follow/{(await GridEventFixtures.ResidentAsync(c.Host, resolved: true)).Code}/rate", new { rating = 4 })),
        Http("POST /api/grid-events", GridReporters, c => c.CallAsync(HttpMethod.Post, "/api/grid-events", GridEventFixtures.Report(c.Host.City))),
        Http("GET /api/grid-events", GridReaders, c => c.CallAsync(HttpMethod.Get, "/api/grid-events")),
        Http("GET /api/grid-events/{eventId}", GridReaders, async c => await c.CallAsync(HttpMethod.Get, $"/api/grid-events/{await GridEventFixtures.WorkersEventAsync(c.Host)}")),
        Http("GET /api/grid-events/{eventId}/photos/{number:int}", GridReaders, async c => await c.CallAsync(HttpMethod.Get,
            $"/api/grid-events/{await GridEventFixtures.WorkersEventAsync(c.Host, photo: true)}/photos/1")),
        Http("POST /api/grid-events/{eventId}/steps/{action}", GridWorkers, async c => await c.CallAsync(HttpMethod.Post,
            $"/api/grid-events/{await GridEventFixtures.WorkersEventAsync(c.Host)}/steps/note", new { note = "matrix" })),
        Http("POST /api/grid-events/{eventId}/rate", GridWorkersOnly, async c => await c.CallAsync(HttpMethod.Post,
            $"/api/grid-events/{await GridEventFixtures.WorkersEventAsync(c.Host, resolved: true)}/rate", new { rating = 5 })),
        Http("POST /api/grid-events/{eventId}/incident", Commanders, async c => await c.CallAsync(HttpMethod.Post,
            $"/api/grid-events/{await GridEventFixtures.WorkersEventAsync(c.Host)}/incident", new { type = "public-order", priority = "Low" })),
        Http("GET /api/index", Board, c => c.CallAsync(HttpMethod.Get, "/api/index")),
        Hub("hub GridEventsHub (connect)", GridReaders, GridEventsHub.Path, _ => Task.CompletedTask),
        Hub("hub GridEventsHub.Subscribe", GridReaders, GridEventsHub.Path, (_, h) => h.InvokeAsync<System.Text.Json.JsonElement>("Subscribe", Token)),

        // Accounts, gateways, audit
        Http("GET /api/admin/accounts/", AccountAdmins, c => c.CallAsync(HttpMethod.Get, "/api/admin/accounts")),
        Http("POST /api/admin/accounts/", AccountAdmins, c => c.CallAsync(HttpMethod.Post, "/api/admin/accounts",
            new { username = "m-" + Guid.NewGuid().ToString("N")[..8], password = TestAccounts.Password, roles = new[] { Roles.Viewer } })),
        Http("POST /api/admin/accounts/{username}/password", AccountAdmins, async c => await c.CallAsync(HttpMethod.Post, $"/api/admin/accounts/{await AccountAsync(c)}/password",
            new { password = "another-password-01" })),
        Http("POST /api/admin/accounts/{username}/unlock", AccountAdmins, async c => await c.CallAsync(HttpMethod.Post, $"/api/admin/accounts/{await AccountAsync(c)}/unlock")),
        Http("DELETE /api/admin/accounts/{username}", AccountAdmins, async c => await c.CallAsync(HttpMethod.Delete, $"/api/admin/accounts/{await AccountAsync(c)}")),
        Http("GET /api/admin/gateways/", Admins, c => c.CallAsync(HttpMethod.Get, "/api/admin/gateways")),
        Http("POST /api/admin/gateways/", Admins, c => c.CallAsync(HttpMethod.Post, "/api/admin/gateways", new { gatewayId = "MX-" + Guid.NewGuid().ToString("N")[..8] })),
        Http("POST /api/admin/gateways/{gatewayId}/rotate", Admins, async c => await c.CallAsync(HttpMethod.Post, $"/api/admin/gateways/{await GatewayAsync(c)}/rotate")),
        Http("GET /api/exports/dead-letters", AccountAdmins, c => c.CallAsync(HttpMethod.Get, "/api/exports/dead-letters?limit=5")),
        Http("POST /api/exports/dead-letters/{deliveryId:long}/retry", AccountAdmins, async c => await c.CallAsync(HttpMethod.Post,
            $"/api/exports/dead-letters/{await DeadLetterAsync(c)}/retry")),
        Http("GET /api/audit", AccountAdmins, c => c.CallAsync(HttpMethod.Get, "/api/audit?limit=5")),

        // The operations hub: connect and read for the board, commands for operators and supervisors
        Hub("hub OperationsHub (connect)", Board, OperationsHub.Path, _ => Task.CompletedTask),
        Hub("hub OperationsHub.Subscribe", Board, OperationsHub.Path, (_, h) => h.InvokeAsync<OperationsSnapshot>("Subscribe", (string[]?)null, Token)),
        Hub("hub OperationsHub.NearestCameras", Board, OperationsHub.Path, (c, h) =>
            h.InvokeAsync<object>("NearestCameras", c.Host.City.Center.Latitude, c.Host.City.Center.Longitude, 3, Token)),
        Hub("hub OperationsHub.OpenIncidentFromAlert", Commanders, OperationsHub.Path, async (c, h) =>
            await h.InvokeAsync<string>("OpenIncidentFromAlert", await c.Host.WaitingAlertAsync(), "intrusion", 4, Token)),
        Hub("hub OperationsHub.DismissAlert", Commanders, OperationsHub.Path, async (c, h) =>
            await h.InvokeAsync("DismissAlert", await c.Host.WaitingAlertAsync(), "matrix", Token)),
        Hub("hub OperationsHub.Assign", Commanders, OperationsHub.Path, async (c, h) =>
            await h.InvokeAsync("Assign", await c.Host.OpenIncidentAsync(), c.Host.FreshUnit(), (string?)null, Token)),
        Hub("hub OperationsHub.Reassign", Commanders, OperationsHub.Path, async (c, h) =>
        {
            var (incident, unit) = await AssignedAsync(c);
            await h.InvokeAsync("Reassign", incident, unit, c.Host.FreshUnit(), Token);
        }),
        Hub("hub OperationsHub.Unassign", Commanders, OperationsHub.Path, async (c, h) =>
        {
            var (incident, unit) = await AssignedAsync(c);
            await h.InvokeAsync("Unassign", incident, unit, Token);
        }),
        Hub("hub OperationsHub.Close", Commanders, OperationsHub.Path, async (c, h) => await h.InvokeAsync("Close", await c.Host.OpenIncidentAsync(), "resolved", Token)),
        Hub("hub OperationsHub.SendDirective", Commanders, OperationsHub.Path, (c, h) =>
        {
            var at = c.Host.City.Center;
            var area = new[] { new LatLon(at.Latitude, at.Longitude), new LatLon(at.Latitude + 0.002, at.Longitude), new LatLon(at.Latitude, at.Longitude + 0.002) };
            return h.InvokeAsync<LiveDirective>("SendDirective",
                new DirectiveRequest([c.Host.FreshUnit()], area, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "matrix"), Token);
        }),
        Hub("hub OperationsHub.ReportStationOnScene", Commanders, OperationsHub.Path, async (c, h) =>
            await h.InvokeAsync("ReportStationOnScene", await c.Host.StationIncidentAsync(), Token)),
        Hub("hub OperationsHub.ReportIncident", Commanders, OperationsHub.Path, (c, h) =>
            h.InvokeAsync<string>("ReportIncident", "theft", 4, c.Host.City.Center.Latitude, c.Host.City.Center.Longitude, "matrix", Token)),

        // The terminal hub: officers, each only for its own unit (A here)
        Hub("hub TerminalHub (connect)", Officers, TerminalHub.Path, _ => Task.CompletedTask),
        Hub("hub TerminalHub.SignIn", OfficerOfUnitA, TerminalHub.Path, (c, h) => h.InvokeAsync<TerminalSnapshot>("SignIn", c.Host.UnitA, Token)),
        Hub("hub TerminalHub.TakeOver", OfficerOfUnitA, TerminalHub.Path, (c, h) => h.InvokeAsync<TerminalSnapshot>("TakeOver", c.Host.UnitA, Token)),
        Hub("hub TerminalHub.Perform", OfficerOfUnitA, TerminalHub.Path, async (c, h) =>
        {
            await Caller.InvokeAsync(() => h.InvokeAsync<TerminalSnapshot>("SignIn", c.Host.UnitA, Token));
            await h.InvokeAsync<TerminalActionResult>("Perform", Guid.NewGuid().ToString("N"), "OutOfService", Token);
            await h.InvokeAsync<TerminalActionResult>("Perform", Guid.NewGuid().ToString("N"), "BackInService", Token);
        }),
        Hub("hub TerminalHub.GoOutOfService", OfficerOfUnitA, TerminalHub.Path, async (c, h) =>
        {
            await Caller.InvokeAsync(() => h.InvokeAsync<TerminalSnapshot>("SignIn", c.Host.UnitA, Token));
            await h.InvokeAsync<TerminalActionResult>("GoOutOfService", Guid.NewGuid().ToString("N"), "matrix: meal break", Token);
            await h.InvokeAsync<TerminalActionResult>("Perform", Guid.NewGuid().ToString("N"), "BackInService", Token);
        }),
        Hub("hub TerminalHub.Route", OfficerOfUnitA, TerminalHub.Path, async (c, h) =>
        {
            await Caller.InvokeAsync(() => h.InvokeAsync<TerminalSnapshot>("SignIn", c.Host.UnitA, Token));
            await h.InvokeAsync<TerminalRoute?>("Route", Token);
        }),
        Hub("hub TerminalHub.ReportPosition", OfficerOfUnitA, TerminalHub.Path, async (c, h) =>
        {
            await Caller.InvokeAsync(() => h.InvokeAsync<TerminalSnapshot>("SignIn", c.Host.UnitA, Token));
            var start = c.Host.City.Units[0].Start;
            await h.InvokeAsync("ReportPosition", start.Latitude, start.Longitude, Token);
        }),

        // gRPC: gateways deliver for their own cameras; reflection for anyone signed in; health for probes
        new("grpc /dispatch.v1.CameraGateway/Connect", Gateways, ConnectAsync),
        new("grpc /dispatch.v1.CameraGateway/PublishAlert", GatewayOfTheCamera, PublishAlertAsync),
        new("grpc /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", SignedIn, c => ReflectionAsync(c, "grpc.reflection.v1alpha.ServerReflection")),
        new("grpc /grpc.reflection.v1.ServerReflection/ServerReflectionInfo", SignedIn, c => ReflectionAsync(c, "grpc.reflection.v1.ServerReflection")),
        new("grpc /grpc.health.v1.Health/Check", Everyone, HealthCheckAsync),
        new("grpc /grpc.health.v1.Health/Watch", Everyone, HealthWatchAsync),

        // Live pictures, clips and their audit (VideoMatrix)
        .. VideoMatrix.Rows,
    ];

    /// <summary>The road tile under the city's centre at zoom 14.</summary>
    private static string RoadTilePath(Caller caller)
    {
        const int Zoom = 14;
        var at = caller.Host.City.Center;
        var n = 1 << Zoom;
        var x = (int)((at.Longitude + 180) / 360 * n);
        var latitude = at.Latitude * Math.PI / 180;
        var y = (int)((1 - (Math.Log(Math.Tan(latitude) + (1 / Math.Cos(latitude))) / Math.PI)) / 2 * n);
        return $"/api/basemap/roads/{Zoom}/{x}/{y}";
    }

    private static MatrixRow Http(string surface, IReadOnlySet<Who> allowed, Func<Caller, Task> call) => new(surface, allowed, call);

    private static MatrixRow Hub(string surface, IReadOnlySet<Who> allowed, string path, Func<Caller, Task> afterConnect) =>
        Hub(surface, allowed, path, (c, _) => afterConnect(c));

    private static MatrixRow Hub(string surface, IReadOnlySet<Who> allowed, string path, Func<Caller, HubConnection, Task> call) => new(surface, allowed, async c =>
    {
        await using var hub = await c.HubAsync(path);
        await Caller.InvokeAsync(() => call(c, hub));
    });

    private static readonly SemaphoreSlim SnapshotGate = new(1, 1);
    private static AlertAck? _snapshotAlert;

    /// <summary>One alert with a snapshot, delivered once for the rows that read it.</summary>
    private static async Task<AlertAck> SnapshotAlertAsync(Caller caller)
    {
        await SnapshotGate.WaitAsync(Token);
        try
        {
            return _snapshotAlert ??= await caller.Host.DeliverAlertAsync(caller.Host.CameraOf(caller.Host.GatewayOne, 0), snapshot: true);
        }
        finally
        {
            SnapshotGate.Release();
        }
    }

    private static readonly SemaphoreSlim HistoryGate = new(1, 1);
    private static string? _hotspot;

    /// <summary>A hotspot of eight weeks of history written once into the host's incident record.</summary>
    private static async Task<string> HotspotAsync(Caller caller)
    {
        await HistoryGate.WaitAsync(Token);
        try
        {
            if (_hotspot is null)
            {
                await EarlyWarning.HistorySeed.WriteAsync(caller.Host.Host.Services, caller.Host.City);
                var hotspots = await caller.Host.Service<HotspotDesk>().HotspotsAsync(refresh: true, Token);
                _hotspot = hotspots.Hotspots.FirstOrDefault()?.HotspotId ?? throw new InvalidOperationException("the seeded history has no hotspot");
            }

            return _hotspot;
        }
        finally
        {
            HistoryGate.Release();
        }
    }

    /// <summary>
    /// A delivery that failed for good: the host's one webhook points at a closed port and gives up after one attempt,
    /// so every incident the matrix opens ends as a dead letter.
    /// </summary>
    private static async Task<long> DeadLetterAsync(Caller caller)
    {
        var outbox = caller.Host.Service<WebhookOutbox>();
        await caller.Host.OpenIncidentAsync();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            if ((await outbox.DeadLettersAsync(1, Token)).FirstOrDefault() is { } letter)
            {
                return letter.DeliveryId;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException("no webhook delivery failed within 30 s");
            }

            await Task.Delay(100, Token);
        }
    }

    private static async Task<string> PendingCameraAsync(Caller caller)
    {
        var id = "MXC-" + Guid.NewGuid().ToString("N")[..8];
        var at = caller.Host.City.Center;
        await caller.Host.Service<ISecurityStore>().AddPendingCameraAsync(
            new PendingCamera(id, caller.Host.GatewayOne, "matrix camera", at.Latitude, at.Longitude, 0, DateTimeOffset.UtcNow), Token);
        return id;
    }

    private static async Task<string> AccountAsync(Caller caller)
    {
        var name = "m-" + Guid.NewGuid().ToString("N")[..8];
        var refusal = await caller.Host.Service<AccountService>().CreateAsync(name, TestAccounts.Password, [Roles.Viewer], [], demo: false, "matrix", "", Token);
        return refusal is null ? name : throw new InvalidOperationException(refusal);
    }

    private static async Task<string> GatewayAsync(Caller caller)
    {
        var id = "MX-" + Guid.NewGuid().ToString("N")[..8];
        await caller.Host.Service<GatewayCredentials>().SaveAsync(id, GatewayCredentials.NewCredential(), null, demo: false, "matrix", "", SecurityAudit.GatewaySaved, Token);
        return id;
    }

    private static async Task<(string Incident, string Unit)> AssignedAsync(Caller caller)
    {
        var incident = await caller.Host.OpenIncidentAsync();
        var unit = caller.Host.FreshUnit();
        var result = await caller.Host.Host.Grains.GetGrain<IIncidentGrain>(incident).AssignAsync(unit, null, "operator:matrix");
        return result.Ok ? (incident, unit) : throw new InvalidOperationException(result.Error);
    }

    /// <summary>A gateway says hello as itself; anybody else tries GW-01 with what they hold.</summary>
    private static async Task ConnectAsync(Caller caller)
    {
        var client = new CameraGateway.CameraGatewayClient(caller.Host.Channel);
        var gateway = caller.GatewayId ?? caller.Host.GatewayOne;
        var credential = caller.GatewayCredential ?? await caller.BearerAsync() ?? "";
        await Caller.GrpcAsync(async () =>
        {
            var (session, _) = await GatewaySession.ConnectAsync(client, AlertTestHost.Hello(gateway, credential));
            await session.DisposeAsync();
            return true;
        });
    }

    /// <summary>An alert of GW-01's camera: its own gateway is accepted; the other gateway is refused the camera.</summary>
    private static async Task PublishAlertAsync(Caller caller)
    {
        var client = new CameraGateway.CameraGatewayClient(caller.Host.Channel);
        var camera = caller.Host.CameraOf(caller.Host.GatewayOne, 1);
        var ack = await Caller.GrpcAsync(async () => await client.PublishAlertAsync(AlertTestHost.NewAlert(camera.Id, AlertKind.Intrusion), await caller.MetadataAsync(), cancellationToken: Token));
        if (ack.RejectReason is RejectReason.NotAuthenticated or RejectReason.CameraOfAnotherGateway)
        {
            throw new DeniedException($"{ack.RejectReason}: {ack.Message}");
        }

        if (ack.Outcome is not (AlertOutcome.Accepted or AlertOutcome.Duplicate))
        {
            throw new InvalidOperationException($"{ack.Outcome} {ack.RejectReason}: {ack.Message}");
        }
    }

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Reflection's list_services request, as raw protobuf (field 7, "*").</summary>
    private static async Task ReflectionAsync(Caller caller, string service)
    {
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, service, "ServerReflectionInfo", Bytes, Bytes);
        await Caller.GrpcAsync(async () =>
        {
            using var call = caller.Host.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions(await caller.MetadataAsync(), cancellationToken: Token));
            try
            {
                await call.RequestStream.WriteAsync([58, 1, 42], Token);
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
            {
                // A refused call may end before the request is written: its status is read below.
            }

            return await call.ResponseStream.MoveNext(Token) ? true : throw new InvalidOperationException("no reflection answer");
        });
    }

    private static async Task HealthCheckAsync(Caller caller)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "grpc.health.v1.Health", "Check", Bytes, Bytes);
        await Caller.GrpcAsync(async () => await caller.Host.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(await caller.MetadataAsync(), cancellationToken: Token), []));
    }

    private static async Task HealthWatchAsync(Caller caller)
    {
        var method = new Method<byte[], byte[]>(MethodType.ServerStreaming, "grpc.health.v1.Health", "Watch", Bytes, Bytes);
        await Caller.GrpcAsync(async () =>
        {
            using var call = caller.Host.Channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, new CallOptions(await caller.MetadataAsync(), cancellationToken: Token), []);
            return await call.ResponseStream.MoveNext(Token) ? true : throw new InvalidOperationException("no health answer");
        });
    }

}
