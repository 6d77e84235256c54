using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>Credentials a person or program signs in with.</summary>
public sealed record SignInRequest(string? Username, string? Password);

/// <summary>Who is signed in, as the pages read it.</summary>
public sealed record WhoAmI(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Units, string Method, int IdleTimeoutMinutes);

/// <summary>A bearer token for programmatic clients.</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, DateTimeOffset ExpiresAt);

/// <summary>
/// Sign-in for both pages (a cookie), bearer tokens for programs, sign-out, and who is signed in. Failures answer 401
/// with the reason (never saying whether the name exists, except that a locked account says it is locked).
/// </summary>
public static class AuthApi
{
    public const string SignInPagePath = "/signin";

    public static WebApplication MapAuthApi(this WebApplication app)
    {
        // The sign-in page itself is the one page anybody may load.
        app.MapGet(SignInPagePath, (IWebHostEnvironment environment) => Results.File(SignInPage(environment), "text/html; charset=utf-8"))
            .AllowAnonymous().WithName("SignInPage");

        app.MapPost("/api/auth/signin", async (SignInRequest? request, AccountService accounts, HttpContext http) =>
        {
            var outcome = await accounts.SignInAsync(request?.Username, request?.Password, "page", SecurityAudit.RemoteOf(http), http.RequestAborted);
            if (!outcome.Succeeded)
            {
                return Results.Json(new { error = outcome.Error, lockedUntil = outcome.LockedUntil }, statusCode: StatusCodes.Status401Unauthorized);
            }

            var principal = AccountService.Principal(outcome.Account!, "password", Schemes.Cookie);
            await http.SignInAsync(Schemes.Cookie, principal, new AuthenticationProperties { IsPersistent = false });
            return Results.Ok(Describe(principal, http));
        }).AllowAnonymous().RequireRateLimiting(SecuritySetup.SignInRateLimit).WithName("SignIn");

        app.MapPost("/api/auth/token", async (SignInRequest? request, AccountService accounts, TokenIssuer tokens, HttpContext http) =>
        {
            var outcome = await accounts.SignInAsync(request?.Username, request?.Password, "token", SecurityAudit.RemoteOf(http), http.RequestAborted);
            if (!outcome.Succeeded)
            {
                return Results.Json(new { error = outcome.Error, lockedUntil = outcome.LockedUntil }, statusCode: StatusCodes.Status401Unauthorized);
            }

            var (token, expiresAt) = tokens.Issue(outcome.Account!);
            return Results.Ok(new TokenResponse(token, "Bearer", (int)tokens.Lifetime.TotalSeconds, expiresAt));
        }).AllowAnonymous().RequireRateLimiting(SecuritySetup.SignInRateLimit).WithName("IssueToken");

        app.MapPost("/api/auth/signout", async (HttpContext http, SecurityAudit audit) =>
        {
            var name = http.User.Identity?.Name ?? "";
            await http.SignOutAsync(Schemes.Cookie);
            await audit.RecordAsync(SecurityAudit.SignOut, name, name, http.User.FindFirstValue(DispatchClaims.Method) ?? "", SecurityAudit.RemoteOf(http));
            return Results.NoContent();
        }).RequireAuthorization(Policies.Authenticated).WithName("SignOut");

        // Also what a page calls while someone uses it, so the idle timer restarts (the cookie slides).
        app.MapGet("/api/auth/me", (HttpContext http) => Results.Ok(Describe(http.User, http)))
            .RequireAuthorization(Policies.Authenticated).WithName("WhoAmI");
        return app;
    }

    private static WhoAmI Describe(ClaimsPrincipal user, HttpContext http) => new(
        user.Identity?.Name ?? "",
        [.. user.FindAll(DispatchClaims.Role).Select(c => c.Value)],
        [.. user.FindAll(DispatchClaims.Unit).Select(c => c.Value)],
        user.FindFirstValue(DispatchClaims.Method) ?? "",
        http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.IdleTimeoutMinutes);

    private static string SignInPage(IWebHostEnvironment environment)
    {
        string?[] candidates = [environment.WebRootPath, Path.Combine(environment.ContentRootPath, "wwwroot"), Path.Combine(AppContext.BaseDirectory, "wwwroot")];
        return candidates.Select(c => c is null ? null : Path.Combine(c, "signin.html")).FirstOrDefault(File.Exists)
            ?? Path.Combine(AppContext.BaseDirectory, "wwwroot", "signin.html");
    }
}
