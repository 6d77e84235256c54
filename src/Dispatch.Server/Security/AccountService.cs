using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>How a sign-in attempt ended. <see cref="Error"/> is what the person is told.</summary>
public sealed record SignInOutcome(Account? Account, string? Error, DateTimeOffset? LockedUntil = null)
{
    public bool Succeeded => Account is not null;
}

/// <summary>
/// Local accounts: sign-in with ASP.NET Core Identity's password hasher, lockout after repeated failures, account
/// creation and password changes. Every attempt, success, lockout and change is an audit event.
/// </summary>
public sealed class AccountService(ISecurityStore store, SecurityAudit audit, IOptions<SecurityOptions> options, TimeProvider clock)
{
    public const string WrongCredentials = "wrong username or password";

    private static readonly PasswordHasher<Account> Hasher = new();

    // Compared against when the name is unknown, so an unknown name costs the same time as a wrong password.
    private static readonly Lazy<string> UnknownAccountHash = new(() => Hasher.HashPassword(null!, Guid.NewGuid().ToString("N")));

    private SecurityOptions Options => options.Value;

    public async Task<SignInOutcome> SignInAsync(string? username, string? password, string via, string remote, CancellationToken cancellationToken)
    {
        if (AccountRules.CheckName(username) is not null || string.IsNullOrEmpty(password) || password.Length > 1024)
        {
            await audit.RecordAsync(SecurityAudit.SignInFailed, SecurityAudit.Bound(username), SecurityAudit.Bound(username), $"{via}: malformed username or password", remote);
            return new(null, WrongCredentials);
        }

        var account = await store.FindAccountAsync(username!, cancellationToken);
        if (account is null)
        {
            Hasher.VerifyHashedPassword(null!, UnknownAccountHash.Value, password);
            await audit.RecordAsync(SecurityAudit.SignInFailed, username!, username!, $"{via}: no such account", remote);
            return new(null, WrongCredentials);
        }

        var now = clock.GetUtcNow();
        if (account.LockedUntil is { } until && until > now)
        {
            await audit.RecordAsync(SecurityAudit.SignInWhileLocked, username!, username!, $"{via}: locked until {until:O}", remote);
            return new(null, LockedMessage(username!, until), until);
        }

        var verdict = Hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var failures = await store.CountFailureAsync(username!, cancellationToken);
            await audit.RecordAsync(SecurityAudit.SignInFailed, username!, username!, $"{via}: wrong password ({failures} in a row)", remote);
            if (failures < Options.LockoutFailures)
            {
                return new(null, WrongCredentials);
            }

            var lockedUntil = now.AddMinutes(Options.LockoutMinutes);
            await store.SetLockAsync(username!, lockedUntil, cancellationToken);
            await audit.RecordAsync(SecurityAudit.LockedOut, username!, username!, $"{failures} failed sign-ins; locked until {lockedUntil:O}", remote);
            return new(null, LockedMessage(username!, lockedUntil), lockedUntil);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await store.SetPasswordHashAsync(username!, Hasher.HashPassword(account, password), cancellationToken);
        }

        if (account.FailedSignIns > 0 || account.LockedUntil is not null)
        {
            await store.SetLockAsync(username!, null, cancellationToken);
        }

        await audit.RecordAsync(SecurityAudit.SignIn, username!, username!, via, remote);
        return new(account, null);
    }

    /// <summary>Creates an account; returns the refusal (naming the value) instead when the input is not acceptable.</summary>
    public async Task<string?> CreateAsync(string? username, string? password, IReadOnlyList<string> roles, IReadOnlyList<string> units, bool demo,
        string actor, string remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(units);
        var refusal = AccountRules.CheckName(username) ?? AccountRules.CheckRoles(roles) ?? AccountRules.CheckUnits(units) ?? CheckPassword(password);
        if (refusal is not null)
        {
            return refusal;
        }

        var account = new Account(username!, Hasher.HashPassword(null!, password!), roles, units, demo, 0, null, clock.GetUtcNow());
        if (!await store.CreateAccountAsync(account, cancellationToken))
        {
            return $"account '{username}' already exists";
        }

        await audit.RecordAsync(SecurityAudit.AccountCreated, actor, username!,
            $"roles {string.Join(',', roles)}{(units.Count > 0 ? $"; units {string.Join(',', units.Take(20))}{(units.Count > 20 ? ",…" : "")}" : "")}{(demo ? "; demo" : "")}", remote);
        return null;
    }

    public async Task<string?> SetPasswordAsync(string username, string? password, string actor, string remote, CancellationToken cancellationToken)
    {
        var refusal = CheckPassword(password);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!await store.SetPasswordHashAsync(username, Hasher.HashPassword(null!, password!), cancellationToken))
        {
            return $"no account '{username}'";
        }

        await store.SetLockAsync(username, null, cancellationToken);
        await audit.RecordAsync(SecurityAudit.PasswordSet, actor, username, "password replaced; lock cleared", remote);
        return null;
    }

    public async Task<bool> UnlockAsync(string username, string actor, string remote, CancellationToken cancellationToken)
    {
        if (await store.FindAccountAsync(username, cancellationToken) is null)
        {
            return false;
        }

        await store.SetLockAsync(username, null, cancellationToken);
        await audit.RecordAsync(SecurityAudit.AccountUnlocked, actor, username, "lock cleared", remote);
        return true;
    }

    public async Task<bool> DeleteAsync(string username, string actor, string remote, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAccountAsync(username, cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync(SecurityAudit.AccountDeleted, actor, username, "", remote);
        return true;
    }

    /// <summary>The claims a local account signs in with.</summary>
    public static ClaimsPrincipal Principal(Account account, string method, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(account);
        var claims = new List<Claim> { new(DispatchClaims.Name, account.Username), new(DispatchClaims.Method, method) };
        claims.AddRange(account.Roles.Select(r => new Claim(DispatchClaims.Role, r)));
        claims.AddRange(account.Units.Select(u => new Claim(DispatchClaims.Unit, u)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, DispatchClaims.Name, DispatchClaims.Role));
    }

    public string? CheckPassword(string? password) =>
        string.IsNullOrEmpty(password) || password.Length < Options.MinPasswordLength
            ? $"password must be at least {Options.MinPasswordLength} characters"
            : password.Length > 1024 ? "password must be at most 1024 characters" : null;

    private static string LockedMessage(string username, DateTimeOffset until) =>
        $"account '{username}' is locked until {until.UtcDateTime:HH:mm:ss} UTC after repeated failed sign-ins";
}
