using System.Net;
using System.Net.Http.Headers;
using Dispatch.Abstractions.Incidents;
using Dispatch.Contracts.V1;
using Dispatch.Domain.City;
using Dispatch.Domain.Plans;
using Dispatch.Server.Live;
using Dispatch.Server.Security;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Security;

/// <summary>Who calls, in the authorization matrix.</summary>
public enum Who
{
    Anonymous,
    Viewer,
    Operator,
    Supervisor,
    Admin,
    OfficerA,
    OfficerB,
    GatewayOne,
    GatewayTwo,
}

/// <summary>A call the host refused for who made it (401/403, UNAUTHENTICATED/PERMISSION_DENIED, "unauthorized", another unit or camera).</summary>
public sealed class DeniedException(string message) : Exception(message);

/// <summary>
/// One real host for the matrix: the small city with demo roads, officers of unit A and unit B, gateways GW-01 and
/// GW-02 with their own credentials, and incidents opened at priority Low (which the plan here dispatches to nobody),
/// so each authorized call has an incident and free units of its own.
/// </summary>
public sealed class MatrixHost : IAsyncLifetime
{
    public const string OfficerA = "officer-a";
    public const string OfficerB = "officer-b";
    public const string GatewayOneCredential = "gateway-one-credential-0001";
    public const string GatewayTwoCredential = "gateway-two-credential-0002";
    private int _nextUnit = 2;
    private GrpcChannel? _channel;

    public LiveCluster Cluster { get; } = new();

    public LiveTestHost Host { get; private set; } = null!;

    public CityModel City => Cluster.City;

    public string UnitA => City.Units[0].Id;

    public string UnitB => City.Units[1].Id;

    public string GatewayOne => "GW-01";

    public string GatewayTwo => "GW-02";

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress($"http://127.0.0.1:{Host.GrpcPort}");

    public ValueTask InitializeAsync()
    {
        var settings = TestAccounts.Settings((OfficerA, City.Units[0].Id), (OfficerB, City.Units[1].Id));
        settings["Dispatch:Roads:Demo"] = "true";
        settings[$"Dispatch:Gateways:{GatewayOne}:Credential"] = GatewayOneCredential;
        settings[$"Dispatch:Gateways:{GatewayTwo}:Credential"] = GatewayTwoCredential;

        // Station staff only for Normal incidents: the station desk's report has responders to report, and no unit is taken.
        settings["Dispatch:ResponsePlan:Tiers:1:RespondersByPriority:Normal"] = "0";
        settings["Dispatch:ResponsePlan:Tiers:2:RespondersByPriority:Normal"] = "0";

        // A background tile file with one tile (BackgroundTile), as a site's own MBTiles would be.
        settings["Dispatch:Basemap:TileFile"] = WriteBackgroundTiles(Cluster.DatabasePath + ".mbtiles");

        // One webhook at a closed port, given up after one attempt: the matrix's incidents make dead letters to retry.
        settings["Dispatch:Exports:Webhooks:0:Name"] = "matrix";
        settings["Dispatch:Exports:Webhooks:0:Url"] = "http://127.0.0.1:9/cap";
        settings["Dispatch:Exports:Webhooks:0:Secret"] = "matrix-webhook-secret-0001";
        settings["Dispatch:Exports:MaxAttempts"] = "1";
        foreach (var tier in new[] { 0, 1, 2 })
        {
            settings[$"Dispatch:ResponsePlan:Tiers:{tier}:RespondersByPriority:Low"] = "0";
        }

        // Alerts open Low incidents too, so they take no unit another call needs.
        foreach (var kind in new[] { "Intrusion", "Fight" })
        {
            settings[$"Dispatch:Alerts:Kinds:{kind}:Priority"] = "Low";
        }

        Host = LiveTestHost.StartPrimary(Cluster, settings);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await Host.DisposeAsync();
        Cluster.Dispose();
    }

    public T Service<T>()
        where T : notnull => Host.Services.GetRequiredService<T>();

    /// <summary>A unit no other call used (neither A nor B).</summary>
    public string FreshUnit() => City.Units[2 + (Interlocked.Increment(ref _nextUnit) % (City.Units.Count - 2))].Id;

    public async Task<string> OpenIncidentAsync()
    {
        var at = City.Stations[0].Location;
        var result = await Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "theft", IncidentPriority.Low, at.Latitude, at.Longitude, "matrix", IncidentSource.Operator, "operator:matrix"));
        return result.IncidentId ?? throw new InvalidOperationException(result.Error);
    }

    /// <summary>An open incident whose station committed responders who are not on scene yet.</summary>
    public async Task<string> StationIncidentAsync()
    {
        var at = City.Stations[0].Location;
        var result = await Host.Grains.GetGrain<IIntakeGrain>(0).ReportAsync(new IncidentReport(
            "disturbance", IncidentPriority.Normal, at.Latitude, at.Longitude, "matrix", IncidentSource.Operator, "operator:matrix"));
        return result.IncidentId ?? throw new InvalidOperationException(result.Error);
    }

    /// <summary>The slippy address (z/x/y) of the one tile in the host's background tile file.</summary>
    public const string BackgroundTile = "4/13/5";

    private static string WriteBackgroundTiles(string file)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();

        // MBTiles numbers rows from the south (TMS): slippy row 5 at zoom 4 is row 10. The bytes are a 1x1 PNG.
        command.CommandText = """
            CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
            INSERT INTO tiles VALUES (4, 13, 10, $png);
            """;
        command.Parameters.AddWithValue("$png", Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        command.ExecuteNonQuery();
        return file;
    }

    public CameraSpec CameraOf(string gatewayId, int index) => City.Cameras.Where(c => c.GatewayId == gatewayId).ElementAt(index);

    /// <summary>An alert GW-01 delivered (with a snapshot), through its Connect stream; returns the ack.</summary>
    public async Task<AlertAck> DeliverAlertAsync(CameraSpec camera, bool snapshot = false)
    {
        var client = new CameraGateway.CameraGatewayClient(Channel);
        var credential = camera.GatewayId == GatewayOne ? GatewayOneCredential : GatewayTwoCredential;
        var (session, _) = await GatewaySession.ConnectAsync(client, AlertTestHost.Hello(camera.GatewayId, credential));
        await using (session)
        {
            var alert = AlertTestHost.NewAlert(camera.Id, AlertKind.Intrusion);
            if (snapshot)
            {
                alert.SnapshotJpeg = AlertTestHost.Jpeg();
            }

            return await session.SendAsync(alert);
        }
    }

    /// <summary>An alert waiting for an operator: inside its camera's cooldown after the incident of its first alert was closed.</summary>
    public async Task<string> WaitingAlertAsync()
    {
        var camera = CameraOf(GatewayOne, 2 + (Interlocked.Increment(ref _nextUnit) % 10));
        var first = await DeliverAlertAsync(camera);
        if (first.IncidentId.Length > 0)
        {
            await Host.Grains.GetGrain<IIncidentGrain>(first.IncidentId).CloseAsync("resolved", "operator:matrix");
        }

        var second = await DeliverAlertAsync(camera);
        return second.Outcome == AlertOutcome.Accepted && second.IncidentId.Length == 0
            ? second.AlertId
            : throw new InvalidOperationException($"expected a waiting alert, got {second.Outcome} {second.IncidentId}");
    }

    /// <summary>The caller's way into the host as <paramref name="who"/>.</summary>
    public Caller As(Who who) => new(this, who);
}

/// <summary>One principal's clients: HTTP, hubs and gRPC with its credentials (a bearer token, or a gateway's metadata).</summary>
public sealed class Caller(MatrixHost host, Who who)
{
    public Who Who => who;

    public MatrixHost Host => host;

    public string? User => who switch
    {
        Who.Viewer => TestAccounts.Viewer,
        Who.Operator => TestAccounts.Operator,
        Who.Supervisor => TestAccounts.Supervisor,
        Who.Admin => TestAccounts.Admin,
        Who.OfficerA => MatrixHost.OfficerA,
        Who.OfficerB => MatrixHost.OfficerB,
        _ => null,
    };

    public string? GatewayId => who switch
    {
        Who.GatewayOne => host.GatewayOne,
        Who.GatewayTwo => host.GatewayTwo,
        _ => null,
    };

    public string? GatewayCredential => who switch
    {
        Who.GatewayOne => MatrixHost.GatewayOneCredential,
        Who.GatewayTwo => MatrixHost.GatewayTwoCredential,
        _ => null,
    };

    /// <summary>The bearer value this principal presents: its token, or its gateway credential.</summary>
    public async Task<string?> BearerAsync() =>
        User is { } user ? await TestAccounts.TokenAsync(host.Host.BaseAddress, user) : GatewayCredential;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? json = null)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Host.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(json);
        }

        if (await BearerAsync() is { } bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (GatewayId is { } gateway)
        {
            request.Headers.Add(Schemes.GatewayIdHeader, gateway);
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Sends and expects success: 401/403 (or a page sending to sign-in) is a denial, any other failure fails the call.</summary>
    public async Task<HttpResponseMessage> CallAsync(HttpMethod method, string path, object? json = null)
    {
        var response = await SendAsync(method, path, json);
        var status = (int)response.StatusCode;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new DeniedException($"{status}");
        }

        var location = response.Headers.Location is { } to ? (to.IsAbsoluteUri ? to.AbsolutePath : to.OriginalString) : "";
        if (status is >= 300 and < 400 && location.StartsWith(AuthApi.SignInPagePath, StringComparison.Ordinal))
        {
            throw new DeniedException($"{status} to sign-in");
        }

        if (status >= 400)
        {
            throw new InvalidOperationException($"{status} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        return response;
    }

    /// <summary>A started hub connection, or a denial when the host refuses to connect.</summary>
    public async Task<HubConnection> HubAsync(string path)
    {
        var gateway = GatewayId;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Host.BaseAddress, path), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = BearerAsync;
                if (gateway is not null)
                {
                    o.Headers[Schemes.GatewayIdHeader] = gateway;
                }
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        try
        {
            await connection.StartAsync(TestContext.Current.CancellationToken);
            return connection;
        }
        catch (Exception ex) when (ex.Message.Contains("401", StringComparison.Ordinal) || ex.Message.Contains("403", StringComparison.Ordinal))
        {
            await connection.DisposeAsync();
            throw new DeniedException(ex.Message);
        }
    }

    /// <summary>Runs a hub call; a refusal for who called ("unauthorized", another unit) is a denial.</summary>
    public static async Task<T> InvokeAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HubException ex) when (ex.Message.Contains("unauthorized", StringComparison.Ordinal) || ex.Message.Contains("may not sign onto", StringComparison.Ordinal))
        {
            throw new DeniedException(ex.Message);
        }
    }

    public static Task InvokeAsync(Func<Task> call) => InvokeAsync(async () =>
    {
        await call();
        return true;
    });

    /// <summary>gRPC metadata: the gateway's, or the person's token.</summary>
    public async Task<Metadata> MetadataAsync()
    {
        var metadata = new Metadata();
        if (await BearerAsync() is { } bearer)
        {
            metadata.Add("authorization", $"Bearer {bearer}");
        }

        if (GatewayId is { } gateway)
        {
            metadata.Add(Schemes.GatewayIdHeader, gateway);
        }

        return metadata;
    }

    public static async Task<T> GrpcAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            throw new DeniedException($"{ex.StatusCode}: {ex.Status.Detail}");
        }
    }
}
