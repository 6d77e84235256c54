using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Live;
using Dispatch.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dispatch.Server.Tests.Security;

/// <summary>
/// A stand-in for an agency's OpenID Connect provider (Keycloak, Entra ID, ADFS) on 127.0.0.1: its discovery document,
/// its signing keys (JWKS), and the access tokens it would issue.
/// </summary>
public sealed class TokenIssuerStandIn : IAsyncDisposable
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly WebApplication _app;

    private TokenIssuerStandIn(WebApplication app, int port)
    {
        _app = app;
        Authority = $"http://127.0.0.1:{port}/realms/police";
    }

    public string Authority { get; }

    private RsaSecurityKey SigningKey => new(_key) { KeyId = "stand-in-1" };

    public static async Task<TokenIssuerStandIn> StartAsync()
    {
        var port = TestPorts.GetFreeTcpPort();
        // Its own content root: the Dispatch host's appsettings.json beside the tests must not configure this one.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var issuer = new TokenIssuerStandIn(app, port);
        app.MapGet("/realms/police/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer.Authority,
            ["jwks_uri"] = $"{issuer.Authority}/protocol/openid-connect/certs",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/realms/police/protocol/openid-connect/certs", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(issuer._key.ExportParameters(false)) { KeyId = "stand-in-1" });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return issuer;
    }

    /// <summary>An access token as the provider issues it; <paramref name="claims"/> are added as given (JSON values allowed).</summary>
    public string Token(string audience, IDictionary<string, object> claims, string? issuer = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer ?? Authority,
        Audience = audience,
        Expires = DateTime.UtcNow.AddMinutes(10),
        Claims = claims,
        SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
    });

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
    }
}

/// <summary>The host accepts an external provider's tokens by configuration: issuer, audience, role and unit claims mapped.</summary>
public sealed class ExternalOidcTests
{
    private const string Audience = "dispatch-service";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Tokens_of_the_configured_provider_sign_people_in_with_their_mapped_roles_and_units()
    {
        await using var provider = await TokenIssuerStandIn.StartAsync();
        using var cluster = new LiveCluster();
        await using var host = LiveTestHost.StartPrimary(cluster, Settings(provider));
        var unit = cluster.City.Units[0].Id;
        var otherUnit = cluster.City.Units[1].Id;

        // Keycloak style: roles inside realm_access, mapped to ours.
        var dispatcher = provider.Token(Audience, new Dictionary<string, object>
        {
            ["preferred_username"] = "li.wei",
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "dispatch-ops", "offline_access" } },
        });
        var officer = provider.Token(Audience, new Dictionary<string, object>
        {
            ["preferred_username"] = "zhang.min",
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "patrol" } },
            ["dispatch_units"] = new[] { unit },
        });
        var nobody = provider.Token(Audience, new Dictionary<string, object> { ["preferred_username"] = "guest" });
        var otherAudience = provider.Token("another-service", new Dictionary<string, object>
        {
            ["preferred_username"] = "li.wei",
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "dispatch-ops" } },
        });

        using (var discovery = new HttpClient())
        {
            var document = await discovery.GetStringAsync($"{provider.Authority}/.well-known/openid-configuration", Cancel);
            Assert.Contains(provider.Authority, document, StringComparison.Ordinal);
        }

        var me = await GetAsync(host, "/api/auth/me", dispatcher);
        var city = await GetAsync(host, "/api/city", dispatcher);
        var withoutRole = await GetAsync(host, "/api/city", nobody);
        var wrongAudience = await GetAsync(host, "/api/city", otherAudience);
        var forged = await GetAsync(host, "/api/city", ForgedToken(provider));
        await using var terminal = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, TerminalHub.Path), o =>
            {
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(officer);
            })
            .Build();
        await terminal.StartAsync(Cancel);
        var signedOn = await terminal.InvokeAsync<JsonElement>("SignIn", unit, Cancel);
        var refused = await Assert.ThrowsAsync<HubException>(() => terminal.InvokeAsync<JsonElement>("SignIn", otherUnit, Cancel));

        Assert.Equal(HttpStatusCode.OK, me.Status);
        Assert.Equal("li.wei", me.Body.GetProperty("name").GetString());
        Assert.Equal(["operator"], me.Body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("oidc", me.Body.GetProperty("method").GetString());
        Assert.Equal(HttpStatusCode.OK, city.Status);
        Assert.Equal(HttpStatusCode.Forbidden, withoutRole.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);
        Assert.Equal(unit, signedOn.GetProperty("unit").GetProperty("unitId").GetString());
        Assert.Contains($"officer 'zhang.min' may not sign onto unit '{otherUnit}'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hosts_own_tokens_still_work_beside_the_provider()
    {
        await using var provider = await TokenIssuerStandIn.StartAsync();
        using var cluster = new LiveCluster();
        await using var host = LiveTestHost.StartPrimary(cluster, Settings(provider));

        var local = await GetAsync(host, "/api/city", await TestAccounts.TokenAsync(host.BaseAddress, TestAccounts.Viewer));

        Assert.Equal(HttpStatusCode.OK, local.Status);
    }

    private static Dictionary<string, string?> Settings(TokenIssuerStandIn provider) => new()
    {
        ["Dispatch:Security:Oidc:Authority"] = provider.Authority,
        ["Dispatch:Security:Oidc:Audience"] = Audience,
        ["Dispatch:Security:Oidc:RequireHttpsMetadata"] = "false",
        ["Dispatch:Security:Oidc:RoleClaim"] = "realm_access.roles",
        ["Dispatch:Security:Oidc:RoleMap:dispatch-ops"] = "operator",
        ["Dispatch:Security:Oidc:RoleMap:patrol"] = "officer",
    };

    /// <summary>Claims the provider's issuer but signed with another key.</summary>
    private static string ForgedToken(TokenIssuerStandIn provider)
    {
        using var other = RSA.Create(2048);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = provider.Authority,
            Audience = Audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["preferred_username"] = "mallory", ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "dispatch-ops" } } },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(other) { KeyId = "stand-in-1" }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(LiveTestHost host, string path, string token)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.GetAsync(path, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        return (response.StatusCode, text.StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }
}
