using System.Reflection;
using System.Text;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Security;

/// <summary>
/// Every hub method, HTTP endpoint and gRPC method of the real host, found by reflection over the hubs and the endpoint
/// data source, called as every kind of principal: no call succeeds for someone its row does not allow, and every call
/// succeeds for someone it does.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixHost fixture) : IClassFixture<MatrixHost>
{
    /// <summary>Hub lifecycle methods, not callable by clients.</summary>
    private static readonly HashSet<string> HubLifecycle = [nameof(Hub.OnConnectedAsync), nameof(Hub.OnDisconnectedAsync), nameof(Hub.Dispose)];

    [Fact]
    public void Every_surface_of_the_host_has_a_row_of_expectations_and_every_row_a_surface()
    {
        var surfaces = Surfaces();
        var rows = AuthorizationMatrix.Rows.Select(r => r.Surface).ToHashSet(StringComparer.Ordinal);

        var missing = surfaces.Except(rows).Order().ToList();
        var stale = rows.Except(surfaces).Order().ToList();

        Assert.True(missing.Count == 0, $"surfaces without a row in AuthorizationMatrix.Rows (add who may call them): {string.Join("; ", missing)}");
        Assert.True(stale.Count == 0, $"rows for surfaces the host no longer has: {string.Join("; ", stale)}");
        Assert.True(surfaces.Count >= 45, $"found only {surfaces.Count} surfaces: {string.Join("; ", surfaces.Order())}");
    }

    [Fact]
    public async Task Every_principal_succeeds_exactly_where_its_row_allows_it()
    {
        var principals = Enum.GetValues<Who>();
        var unauthorizedSuccesses = new List<string>();
        var authorizedFailures = new List<string>();
        var table = new StringBuilder();
        table.AppendLine($"{"surface",-70} {string.Join(" ", principals.Select(p => Short(p).PadRight(5)))}");
        foreach (var row in AuthorizationMatrix.Rows)
        {
            var cells = new List<string>();
            foreach (var who in principals)
            {
                var outcome = await RunAsync(row, fixture.As(who));
                var allowed = row.Allowed.Contains(who);
                switch (outcome)
                {
                    case null when allowed:
                        cells.Add("ok");
                        break;
                    case null:
                        cells.Add("LEAK");
                        unauthorizedSuccesses.Add($"{row.Surface} as {who}");
                        break;
                    case DeniedException when !allowed:
                        cells.Add("-");
                        break;
                    case DeniedException denied:
                        cells.Add("DENY");
                        authorizedFailures.Add($"{row.Surface} as {who}: denied ({denied.Message})");
                        break;
                    default:
                        cells.Add("FAIL");
                        (allowed ? authorizedFailures : unauthorizedSuccesses).Add($"{row.Surface} as {who}: {outcome.GetType().Name}: {outcome.Message}");
                        break;
                }
            }

            table.AppendLine($"{row.Surface,-70} {string.Join(" ", cells.Select(c => c.PadRight(5)))}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(table.ToString());
        Console.WriteLine(table.ToString());
        Assert.True(unauthorizedSuccesses.Count == 0, $"{unauthorizedSuccesses.Count} calls not refused as unauthorized:\n{string.Join("\n", unauthorizedSuccesses)}\n\n{table}");
        Assert.True(authorizedFailures.Count == 0, $"{authorizedFailures.Count} authorized calls failed:\n{string.Join("\n", authorizedFailures)}\n\n{table}");
    }

    /// <summary>Null when the call succeeded, else why not.</summary>
    private static async Task<Exception?> RunAsync(MatrixRow row, Caller caller)
    {
        try
        {
            await row.Call(caller).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return ex;
        }
    }

    /// <summary>The host's surfaces as the rows name them: "hub Hub.Method", "hub Hub (connect)", "METHOD /pattern", "grpc /service/method".</summary>
    private HashSet<string> Surfaces()
    {
        var surfaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in fixture.Host.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<HubMetadata>() is { } hub)
            {
                surfaces.Add($"hub {hub.HubType.Name} (connect)");
                foreach (var method in hub.HubType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                             .Where(m => !m.IsSpecialName && !HubLifecycle.Contains(m.Name)))
                {
                    surfaces.Add($"hub {hub.HubType.Name}.{method.Name}");
                }
            }
            else if (endpoint.RoutePattern.RawText?.Contains("grpcunimplemented", StringComparison.Ordinal) == true)
            {
                // gRPC's catch-alls for methods and services that do not exist: not methods (they answer UNIMPLEMENTED,
                // or UNAUTHENTICATED without credentials under the fallback policy).
                continue;
            }
            else if (endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc)
            {
                surfaces.Add($"grpc {grpc.Method.FullName}");
            }
            else
            {
                var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
                surfaces.Add($"{(methods is { Count: > 0 } ? string.Join('|', methods) : "ANY")} {endpoint.RoutePattern.RawText}");
            }
        }

        return surfaces;
    }

    private static string Short(Who who) => who switch
    {
        Who.Anonymous => "anon",
        Who.Viewer => "view",
        Who.Operator => "oper",
        Who.Supervisor => "super",
        Who.Admin => "admin",
        Who.OfficerA => "offA",
        Who.OfficerB => "offB",
        Who.GatewayOne => "gw01",
        Who.GatewayTwo => "gw02",
        _ => who.ToString(),
    };
}
