using Microsoft.AspNetCore.Authorization;

namespace Dispatch.Server.Security;

/// <summary>An account to create.</summary>
public sealed record NewAccount(string? Username, string? Password, string[]? Roles, string[]? Units);

/// <summary>A new password.</summary>
public sealed record NewPassword(string? Password);

/// <summary>An account as listed (never its hash).</summary>
public sealed record AccountView(string Username, IReadOnlyList<string> Roles, IReadOnlyList<string> Units, bool Demo, int FailedSignIns, DateTimeOffset? LockedUntil, DateTimeOffset CreatedAt);

/// <summary>A gateway to create (a credential is generated when none is given).</summary>
public sealed record NewGateway(string? GatewayId, string? Credential, string? CertificateThumbprint);

/// <summary>A gateway's credential, shown once, when it was created or rotated.</summary>
public sealed record GatewaySecret(string GatewayId, string Credential);

/// <summary>A gateway as listed (never its credential).</summary>
public sealed record GatewayView(string GatewayId, string? CertificateThumbprint, bool Demo, DateTimeOffset ChangedAt);

/// <summary>
/// Accounts (supervisors and admins; only an admin may grant the admin role), gateway credentials (admins: create,
/// rotate without a restart) and the audit log (supervisors and admins).
/// </summary>
public static class AdminApi
{
    public const int MaxAuditPage = 500;

    public static WebApplication MapAdminApi(this WebApplication app)
    {
        var accounts = app.MapGroup("/api/admin/accounts").RequireAuthorization(Policies.ManageAccounts);
        accounts.MapGet("", async (ISecurityStore store, CancellationToken cancellationToken) =>
            Results.Ok((await store.ListAccountsAsync(cancellationToken))
                .Select(a => new AccountView(a.Username, a.Roles, a.Units, a.Demo, a.FailedSignIns, a.LockedUntil, a.CreatedAt))))
            .WithName("ListAccounts");

        accounts.MapPost("", async (NewAccount? request, AccountService service, IAuthorizationService authorization, HttpContext http) =>
        {
            if (request is null)
            {
                return Results.BadRequest(new { error = "body must be an account: username, password, roles, units" });
            }

            var roles = request.Roles ?? [];
            if (roles.Contains(Roles.Admin) && !(await authorization.AuthorizeAsync(http.User, Policies.GrantAdmin)).Succeeded)
            {
                return Results.Json(new { error = "only an admin may grant the admin role" }, statusCode: StatusCodes.Status403Forbidden);
            }

            var refusal = await service.CreateAsync(request.Username, request.Password, roles, request.Units ?? [], demo: false,
                http.User.Identity?.Name ?? "", SecurityAudit.RemoteOf(http), http.RequestAborted);
            return refusal is null
                ? Results.Created($"/api/admin/accounts/{request.Username}", new { username = request.Username })
                : refusal.Contains("already exists", StringComparison.Ordinal) ? Results.Conflict(new { error = refusal }) : Results.BadRequest(new { error = refusal });
        }).WithName("CreateAccount");

        accounts.MapPost("/{username}/password", async (string username, NewPassword? request, AccountService service, HttpContext http) =>
        {
            var refusal = await service.SetPasswordAsync(username, request?.Password, http.User.Identity?.Name ?? "", SecurityAudit.RemoteOf(http), http.RequestAborted);
            return refusal is null ? Results.NoContent()
                : refusal.StartsWith("no account", StringComparison.Ordinal) ? Results.NotFound(new { error = refusal }) : Results.BadRequest(new { error = refusal });
        }).WithName("SetPassword");

        accounts.MapPost("/{username}/unlock", async (string username, AccountService service, HttpContext http) =>
            await service.UnlockAsync(username, http.User.Identity?.Name ?? "", SecurityAudit.RemoteOf(http), http.RequestAborted)
                ? Results.NoContent() : Results.NotFound(new { error = $"no account '{SecurityAudit.Bound(username)}'" }))
            .WithName("UnlockAccount");

        accounts.MapDelete("/{username}", async (string username, AccountService service, HttpContext http) =>
            await service.DeleteAsync(username, http.User.Identity?.Name ?? "", SecurityAudit.RemoteOf(http), http.RequestAborted)
                ? Results.NoContent() : Results.NotFound(new { error = $"no account '{SecurityAudit.Bound(username)}'" }))
            .WithName("DeleteAccount");

        var gateways = app.MapGroup("/api/admin/gateways").RequireAuthorization(Policies.ManageGateways);
        gateways.MapGet("", async (ISecurityStore store, CancellationToken cancellationToken) =>
            Results.Ok((await store.ListGatewaysAsync(cancellationToken)).Select(g => new GatewayView(g.GatewayId, g.CertificateThumbprint, g.Demo, g.ChangedAt))))
            .WithName("ListGateways");

        gateways.MapPost("", async (NewGateway? request, GatewayCredentials credentials, ISecurityStore store, HttpContext http) =>
        {
            var refusal = GatewayCredentials.CheckGatewayId(request?.GatewayId);
            if (refusal is not null)
            {
                return Results.BadRequest(new { error = refusal });
            }

            if (request!.Credential is { Length: < 16 or > GatewayCredentials.MaxCredentialLength })
            {
                return Results.BadRequest(new { error = $"credential must be 16..{GatewayCredentials.MaxCredentialLength} characters, got {request.Credential.Length}" });
            }

            if (await store.FindGatewayAsync(request.GatewayId!, http.RequestAborted) is not null)
            {
                return Results.Conflict(new { error = $"gateway '{request.GatewayId}' exists; rotate its credential instead" });
            }

            var credential = request.Credential ?? GatewayCredentials.NewCredential();
            await credentials.SaveAsync(request.GatewayId!, credential, request.CertificateThumbprint, demo: false, http.User.Identity?.Name ?? "",
                SecurityAudit.RemoteOf(http), SecurityAudit.GatewaySaved, http.RequestAborted);
            return Results.Created($"/api/admin/gateways/{request.GatewayId}", new GatewaySecret(request.GatewayId!, credential));
        }).WithName("CreateGateway");

        // A new generated credential replaces the old one on every host within seconds; the old one stops working.
        gateways.MapPost("/{gatewayId}/rotate", async (string gatewayId, GatewayCredentials credentials, ISecurityStore store, HttpContext http) =>
        {
            var existing = await store.FindGatewayAsync(gatewayId, http.RequestAborted);
            if (existing is null)
            {
                return Results.NotFound(new { error = $"no gateway '{SecurityAudit.Bound(gatewayId)}'" });
            }

            var credential = GatewayCredentials.NewCredential();
            await credentials.SaveAsync(gatewayId, credential, existing.CertificateThumbprint, demo: false, http.User.Identity?.Name ?? "",
                SecurityAudit.RemoteOf(http), SecurityAudit.GatewayRotated, http.RequestAborted);
            return Results.Ok(new GatewaySecret(gatewayId, credential));
        }).WithName("RotateGatewayCredential");

        app.MapGet("/api/audit", async (long? before, int? limit, string? kind, ISecurityStore store, CancellationToken cancellationToken) =>
        {
            var take = limit ?? 100;
            if (take is < 1 or > MaxAuditPage)
            {
                return Results.BadRequest(new { error = $"limit must be within 1..{MaxAuditPage}, got {take}" });
            }

            return Results.Ok(await store.ReadAuditAsync(before, take, string.IsNullOrWhiteSpace(kind) ? null : kind, cancellationToken));
        }).RequireAuthorization(Policies.ReadAudit).WithName("ReadAudit");
        return app;
    }
}
