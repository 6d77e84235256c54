using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>The authentication schemes of the host.</summary>
public static class Schemes
{
    /// <summary>Picks one of the others per request (the default scheme).</summary>
    public const string Select = "dispatch";

    /// <summary>The pages' session cookie.</summary>
    public const string Cookie = "cookie";

    /// <summary>Bearer tokens this host issued (POST /api/auth/token).</summary>
    public const string Bearer = "bearer";

    /// <summary>Bearer tokens of an external OpenID Connect provider.</summary>
    public const string Oidc = "oidc";

    /// <summary>A gateway's id and credential in metadata (x-dispatch-gateway-id, authorization: Bearer).</summary>
    public const string Gateway = "gateway";

    /// <summary>The /metrics scrape token (an opaque bearer value).</summary>
    public const string ScrapeToken = "scrape-token";

    public const string GatewayIdHeader = "x-dispatch-gateway-id";
    public const string AccessTokenQuery = "access_token";

    /// <summary>The bearer value of the request: the Authorization header, or for hub connections the access_token query (browsers cannot set headers on websockets).</summary>
    public static string? BearerValue(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string Prefix = "Bearer ";
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return header[Prefix.Length..].Trim();
        }

        return request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal) && request.Query.TryGetValue(AccessTokenQuery, out var query)
            ? query.ToString()
            : null;
    }

    /// <summary>A JWT has three dot-separated parts; anything else is an opaque value (the scrape token).</summary>
    public static bool LooksLikeJwt(string value) => value.Count(c => c == '.') == 2;
}

public sealed class GatewayAuthenticationOptions : AuthenticationSchemeOptions;

/// <summary>Authenticates a gateway from its metadata against the hashed credential in the store.</summary>
public sealed class GatewayAuthenticationHandler(
    IOptionsMonitor<GatewayAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    GatewayCredentials credentials) : AuthenticationHandler<GatewayAuthenticationOptions>(options, logger, encoder)
{
    /// <summary>Why authentication failed, for the refusal the caller receives.</summary>
    public const string FailureItem = "dispatch:gateway-refusal";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var gatewayId = Request.Headers[Schemes.GatewayIdHeader].ToString();
        var credential = Schemes.BearerValue(Request);
        var refusal = credential is null
            ? $"missing 'authorization: Bearer <credential>' metadata for gateway '{Bounded(gatewayId)}'"
            : await credentials.AuthenticateAsync(gatewayId, credential, Context.Connection.ClientCertificate, SecurityAudit.RemoteOf(Context), Context.RequestAborted);
        if (refusal is not null)
        {
            Context.Items[FailureItem] = refusal;
            return AuthenticateResult.Fail(refusal);
        }

        var identity = new ClaimsIdentity(
            [new Claim(DispatchClaims.Name, gatewayId), new Claim(DispatchClaims.Role, Roles.Gateway), new Claim(DispatchClaims.Method, "gateway")],
            Scheme.Name, DispatchClaims.Name, DispatchClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    private static string Bounded(string id) => id.Length <= GatewayCredentials.MaxGatewayIdLength ? id : id[..32] + "…";
}

public sealed class ScrapeTokenOptions : AuthenticationSchemeOptions
{
    /// <summary>The token Prometheus presents; empty: no scrape token (only admins read /metrics).</summary>
    public string Token { get; set; } = "";
}

/// <summary>The /metrics scrape token, compared in fixed time.</summary>
public sealed class ScrapeTokenHandler(IOptionsMonitor<ScrapeTokenOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ScrapeTokenOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var given = Schemes.BearerValue(Request);
        if (given is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var expected = Options.Token;
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given))))
        {
            return Task.FromResult(AuthenticateResult.Fail("the bearer value is neither a token of this host nor the scrape token"));
        }

        var identity = new ClaimsIdentity(
            [new Claim(DispatchClaims.Name, "metrics-scraper"), new Claim(DispatchClaims.Role, Roles.MetricsScraper), new Claim(DispatchClaims.Method, "scrape-token")],
            Scheme.Name, DispatchClaims.Name, DispatchClaims.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
