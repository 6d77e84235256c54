using System.Security.Claims;
using System.Text.Json;
using System.Threading.RateLimiting;
using Dispatch.Server.Cameras;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>
/// Who is calling and what they may do: local accounts (cookies for the pages, the host's bearer tokens for programs),
/// an optional external OpenID Connect provider, gateway credentials, the metrics scrape token; the authorization
/// policies every surface names; the rate limits; and the start-up checks (no demo secret in Production).
/// </summary>
public static class SecuritySetup
{
    public const string SignInRateLimit = "sign-in";
    public const string GatewayAlertRateLimit = "gateway-alerts";
    public const string CookieName = "dispatch.session";

    public static WebApplicationBuilder AddDispatchSecurity(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var options = configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions();
        var limits = configuration.GetSection(GatewayLimitOptions.SectionName).Get<GatewayLimitOptions>() ?? new GatewayLimitOptions();
        var errors = options.Validate().Concat(limits.Validate()).ToList();
        if (builder.Environment.IsProduction())
        {
            errors.AddRange(DemoCredentials.ConfiguredDemoSecrets(configuration).Select(s => $"the Production environment refuses demo credentials: {s}"));
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions), errors);
        }

        var services = builder.Services;
        services.AddOptions<SecurityOptions>().Bind(configuration.GetSection(SecurityOptions.SectionName));
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.SectionName));
        services.AddSingleton(Options.Create(limits));
        services.AddSingleton<SecurityPaths>();
        services.AddSingleton<ISecurityStore>(sp => new SqliteSecurityStore(sp.GetRequiredService<SecurityPaths>().StorePath));
        services.AddSingleton<SecurityAudit>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<GatewayCredentials>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<DemoCredentials>();
        services.AddSingleton<GatewayCameraQuota>();
        services.AddSingleton<GatewayConnectLimiter>();
        services.AddHostedService<SecurityStartup>();

        // Session cookies stay valid across restarts (and across the hosts of a cluster sharing the folder).
        var storage = configuration.GetSection(Hosting.StorageOptions.SectionName).Get<Hosting.StorageOptions>() ?? new Hosting.StorageOptions();
        var dataDirectory = Path.GetDirectoryName(Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath))!;
        services.AddDataProtection().SetApplicationName("dispatch").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));

        AddAuthentication(services, options, configuration);
        AddAuthorization(services);
        AddRateLimits(services, limits);
        return builder;
    }

    /// <summary>Authentication, authorization and rate limits, before the pages, REST, hubs and gRPC.</summary>
    public static WebApplication UseDispatchSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    private static void AddAuthentication(IServiceCollection services, SecurityOptions options, IConfiguration configuration)
    {
        var oidc = !string.IsNullOrWhiteSpace(options.Oidc.Authority);
        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = Schemes.Select;
                o.DefaultChallengeScheme = Schemes.Select;
            })
            .AddPolicyScheme(Schemes.Select, "Dispatch", o => o.ForwardDefaultSelector = http => SelectScheme(http, oidc))
            .AddCookie(Schemes.Cookie, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(options.IdleTimeoutMinutes);
                o.SlidingExpiration = true;
                o.LoginPath = AuthApi.SignInPagePath;
                o.AccessDeniedPath = AuthApi.SignInPagePath;
                o.Events = new CookieAuthenticationEvents
                {
                    // Programs and page scripts get a status; a person opening a page gets the sign-in page.
                    OnRedirectToLogin = c => Refuse(c, StatusCodes.Status401Unauthorized),
                    OnRedirectToAccessDenied = c => Refuse(c, StatusCodes.Status403Forbidden),
                };
            })
            .AddJwtBearer(Schemes.Bearer, o =>
            {
                o.MapInboundClaims = false;
                o.Events = new JwtBearerEvents { OnMessageReceived = ReadHubAccessToken };
            })
            .AddScheme<GatewayAuthenticationOptions, GatewayAuthenticationHandler>(Schemes.Gateway, _ => { })
            .AddScheme<ScrapeTokenOptions, ScrapeTokenHandler>(Schemes.ScrapeToken, o => o.Token = configuration["Dispatch:Metrics:ScrapeToken"] ?? "");
        services.AddOptions<JwtBearerOptions>(Schemes.Bearer)
            .Configure<TokenIssuer>((o, issuer) => o.TokenValidationParameters = issuer.ValidationParameters());

        if (oidc)
        {
            authentication.AddJwtBearer(Schemes.Oidc, o =>
            {
                o.Authority = options.Oidc.Authority;
                o.Audience = options.Oidc.Audience;
                o.RequireHttpsMetadata = options.Oidc.RequireHttpsMetadata;
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = options.Oidc.NameClaim;
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadHubAccessToken,
                    OnTokenValidated = c =>
                    {
                        c.Principal = ExternalPrincipal(c.Principal!, options.Oidc);
                        return Task.CompletedTask;
                    },
                };
            });
        }
    }

    /// <summary>Gateway metadata, then bearer tokens (ours or the external provider's, by issuer; opaque ones are the scrape token), else the page cookie.</summary>
    private static string SelectScheme(HttpContext http, bool oidc)
    {
        if (http.Request.Headers.ContainsKey(Schemes.GatewayIdHeader))
        {
            return Schemes.Gateway;
        }

        var bearer = Schemes.BearerValue(http.Request);
        if (bearer is null)
        {
            return Schemes.Cookie;
        }

        if (!Schemes.LooksLikeJwt(bearer))
        {
            return Schemes.ScrapeToken;
        }

        var local = http.RequestServices.GetRequiredService<TokenIssuer>().Issuer;
        return !oidc || TokenIssuer.PeekIssuer(bearer) == local ? Schemes.Bearer : Schemes.Oidc;
    }

    private static Task ReadHubAccessToken(MessageReceivedContext context)
    {
        if (context.Request.Path.StartsWithSegments("/hubs", StringComparison.Ordinal) && context.Request.Query.TryGetValue(Schemes.AccessTokenQuery, out var token))
        {
            context.Token = token.ToString();
        }

        return Task.CompletedTask;
    }

    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        var isPage = HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !path.StartsWithSegments("/hubs", StringComparison.Ordinal) && !GrpcRefusals.IsGrpc(context.HttpContext)
            && !path.StartsWithSegments("/metrics", StringComparison.Ordinal);
        if (isPage)
        {
            context.Response.Redirect(context.RedirectUri);
        }
        else
        {
            context.Response.StatusCode = status;
        }

        return Task.CompletedTask;
    }

    /// <summary>An external provider's token as a Dispatch principal: its name, its roles mapped to ours, its units.</summary>
    internal static ClaimsPrincipal ExternalPrincipal(ClaimsPrincipal external, OidcOptions options)
    {
        var name = external.FindFirst(options.NameClaim)?.Value ?? external.FindFirst("sub")?.Value ?? "";
        var claims = new List<Claim> { new(DispatchClaims.Name, name), new(DispatchClaims.Method, "oidc") };
        foreach (var role in ClaimValues(external, options.RoleClaim))
        {
            var mapped = options.RoleMap.TryGetValue(role, out var ours) ? ours : role;
            if (Roles.AccountRoles.Contains(mapped))
            {
                claims.Add(new Claim(DispatchClaims.Role, mapped));
            }
        }

        claims.AddRange(ClaimValues(external, options.UnitsClaim).Select(u => new Claim(DispatchClaims.Unit, u)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Schemes.Oidc, DispatchClaims.Name, DispatchClaims.Role));
    }

    /// <summary>The values of a claim; "a.b" reads member b of the JSON object in claim a (Keycloak's realm_access.roles).</summary>
    private static IEnumerable<string> ClaimValues(ClaimsPrincipal principal, string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            foreach (var claim in principal.FindAll(path))
            {
                foreach (var value in SplitJsonArray(claim.Value))
                {
                    yield return value;
                }
            }

            yield break;
        }

        foreach (var claim in principal.FindAll(path[..dot]))
        {
            JsonElement member;
            try
            {
                using var document = JsonDocument.Parse(claim.Value);
                if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty(path[(dot + 1)..], out member))
                {
                    continue;
                }

                member = member.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            if (member.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in member.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String))
                {
                    yield return item.GetString()!;
                }
            }
            else if (member.ValueKind == JsonValueKind.String)
            {
                yield return member.GetString()!;
            }
        }
    }

    private static IEnumerable<string> SplitJsonArray(string value)
    {
        if (!value.StartsWith('['))
        {
            return [value];
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(value) ?? [];
        }
        catch (JsonException)
        {
            return [value];
        }
    }

    private static void AddAuthorization(IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationHandler, UnitAuthorizationHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, DispatchAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            // Deny by default: a surface nobody put under a policy still needs a signed-in principal.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.ViewBoard, p => p.RequireRole(Roles.Viewer, Roles.Operator, Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.Command, p => p.RequireRole(Roles.Operator, Roles.Supervisor))
            .AddPolicy(Policies.WatchVideo, p => p.RequireRole(Roles.Operator, Roles.Supervisor, Roles.Viewer, Roles.Officer))
            .AddPolicy(Policies.ReadAudit, p => p.RequireRole(Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.ManageAccounts, p => p.RequireRole(Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.ManageExports, p => p.RequireRole(Roles.Supervisor, Roles.Admin))
            .AddPolicy(Policies.GrantAdmin, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.ManageGateways, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.Terminal, p => p.RequireRole(Roles.Officer))
            .AddPolicy(Policies.ActForUnit, p => p.RequireRole(Roles.Officer).AddRequirements(new UnitRequirement()))
            .AddPolicy(Policies.Gateway, p => p.RequireRole(Roles.Gateway))
            .AddPolicy(Policies.Metrics, p => p.RequireRole(Roles.MetricsScraper, Roles.Admin))
            .AddPolicy(Policies.Authenticated, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.GridWorker, p => p.RequireRole(Roles.GridWorker))
            .AddPolicy(Policies.ReportGridEvents, p => p.RequireRole(Roles.GridWorker, Roles.Operator, Roles.Supervisor))
            .AddPolicy(Policies.ReadGridEvents, p => p.RequireRole(Roles.GridWorker, Roles.Department, Roles.Viewer, Roles.Operator, Roles.Supervisor))
            .AddPolicy(Policies.WorkGridEvents, p => p.RequireRole(Roles.Department, Roles.Operator, Roles.Supervisor));
    }

    private static void AddRateLimits(IServiceCollection services, GatewayLimitOptions limits)
    {
        services.AddRateLimiter(o =>
        {
            // Password guessing from one address, and the deliberately slow hashing it costs us.
            o.AddPolicy(SignInRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                "signin:" + SecurityAudit.RemoteOf(http),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.SignInsPerMinutePerAddress, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

            // Per authenticated gateway (anything else was refused by authorization already).
            o.AddPolicy(GatewayAlertRateLimit, http => RateLimitPartition.GetTokenBucketLimiter(
                "gateway:" + (http.User.Identity?.Name ?? SecurityAudit.RemoteOf(http)),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.PublishAlertBurst,
                    TokensPerPeriod = limits.PublishAlertsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));

            o.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                if (GrpcRefusals.IsPublishAlert(http))
                {
                    var gateway = http.User.Identity?.Name ?? "";
                    await GrpcRefusals.WriteAckAsync(http, alertId => GrpcRefusals.RateLimited(alertId,
                        $"gateway '{gateway}' is over {limits.PublishAlertsPerSecond} PublishAlert calls per second; send alert '{alertId}' again after {retryAfter.TotalMilliseconds:0} ms", retryAfter));
                    return;
                }

                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await http.Response.WriteAsJsonAsync(new { error = $"too many requests from {SecurityAudit.RemoteOf(http)}; retry after {retryAfter.TotalSeconds:0} s" }, cancellationToken);
            };
        });
    }
}

/// <summary>
/// Opens the store, refuses demo secrets left in it when running in Production, creates the configured seed accounts,
/// the configured gateways, and (demo only) the demo accounts.
/// </summary>
internal sealed class SecurityStartup(
    ISecurityStore store,
    AccountService accounts,
    GatewayCredentials gateways,
    GatewayOptions configuredGateways,
    DemoCredentials demo,
    IOptions<SecurityOptions> options,
    IHostEnvironment environment) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        if (environment.IsProduction() && await demo.StoredDemoSecretsAsync(cancellationToken) is { } leftOver)
        {
            throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions),
                [$"the Production environment refuses demo credentials: {leftOver}"]);
        }

        foreach (var (name, seed) in options.Value.SeedAccounts)
        {
            if (await store.FindAccountAsync(name, cancellationToken) is null)
            {
                var refusal = await accounts.CreateAsync(name, seed.Password, seed.RoleList(), seed.UnitList(), demo: false, "configuration", "", cancellationToken);
                if (refusal is not null)
                {
                    throw new OptionsValidationException(SecurityOptions.SectionName, typeof(SecurityOptions), [$"{SecurityOptions.SectionName}:SeedAccounts:{name}: {refusal}"]);
                }
            }
        }

        await gateways.SeedAsync(configuredGateways, demo: false, cancellationToken);
        await demo.SeedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
