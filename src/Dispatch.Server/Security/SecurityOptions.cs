namespace Dispatch.Server.Security;

/// <summary>Sign-in, sessions, tokens and external identity (appsettings "Dispatch:Security").</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Dispatch:Security";

    /// <summary>SQLite file of accounts, gateway credentials, camera approvals and the audit log; empty: security.db beside the grain database.</summary>
    public string StorePath { get; set; } = "";

    /// <summary>A page session ends after this long without use (CJIS: 30 minutes).</summary>
    public int IdleTimeoutMinutes { get; set; } = 30;

    /// <summary>Failed sign-ins in a row that lock an account.</summary>
    public int LockoutFailures { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public int LockoutMinutes { get; set; } = 10;

    /// <summary>Shortest password an account may be given.</summary>
    public int MinPasswordLength { get; set; } = 10;

    public TokenOptions Tokens { get; set; } = new();

    public OidcOptions Oidc { get; set; } = new();

    /// <summary>Accounts created at start when missing (e.g. a first admin); their passwords are hashed, never kept.</summary>
    public Dictionary<string, SeedAccount> SeedAccounts { get; set; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (IdleTimeoutMinutes is < 1 or > 24 * 60)
        {
            errors.Add($"{SectionName}:IdleTimeoutMinutes must be within 1..1440, got {IdleTimeoutMinutes}");
        }

        if (LockoutFailures is < 1 or > 100)
        {
            errors.Add($"{SectionName}:LockoutFailures must be within 1..100, got {LockoutFailures}");
        }

        if (LockoutMinutes is < 1 or > 24 * 60)
        {
            errors.Add($"{SectionName}:LockoutMinutes must be within 1..1440, got {LockoutMinutes}");
        }

        if (MinPasswordLength is < 8 or > 128)
        {
            errors.Add($"{SectionName}:MinPasswordLength must be within 8..128, got {MinPasswordLength}");
        }

        if (Tokens.LifetimeMinutes is < 1 or > 24 * 60)
        {
            errors.Add($"{SectionName}:Tokens:LifetimeMinutes must be within 1..1440, got {Tokens.LifetimeMinutes}");
        }

        if (!string.IsNullOrWhiteSpace(Oidc.Authority) && !Uri.TryCreate(Oidc.Authority, UriKind.Absolute, out _))
        {
            errors.Add($"{SectionName}:Oidc:Authority must be an absolute URL, got '{Oidc.Authority}'");
        }

        if (!string.IsNullOrWhiteSpace(Oidc.Authority) && string.IsNullOrWhiteSpace(Oidc.Audience))
        {
            errors.Add($"{SectionName}:Oidc:Audience must be set when Oidc:Authority is");
        }

        foreach (var (name, seed) in SeedAccounts)
        {
            var refusal = AccountRules.CheckName(name) ?? AccountRules.CheckRoles(seed.RoleList()) ?? CheckSeedPassword(name, seed.Password);
            if (refusal is not null)
            {
                errors.Add($"{SectionName}:SeedAccounts:{name}: {refusal}");
            }
        }

        return errors;
    }

    private string? CheckSeedPassword(string name, string password) =>
        password.Length < MinPasswordLength ? $"Password must be at least {MinPasswordLength} characters (account '{name}')" : null;
}

/// <summary>The host's own bearer tokens (POST /api/auth/token).</summary>
public sealed class TokenOptions
{
    /// <summary>How long a token is valid; a hub connection made with it is closed when it expires.</summary>
    public int LifetimeMinutes { get; set; } = 60;

    /// <summary>File holding the signing key (generated at first start); empty: token-signing.key beside the grain database.</summary>
    public string SigningKeyPath { get; set; } = "";

    public string Issuer { get; set; } = "dispatch";

    public string Audience { get; set; } = "dispatch";
}

/// <summary>An external OpenID Connect provider (Keycloak, Entra ID, ADFS) whose access tokens the host accepts as bearer tokens.</summary>
public sealed class OidcOptions
{
    /// <summary>The issuer URL; its /.well-known/openid-configuration names the signing keys. Empty: no external provider.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The audience the provider puts in tokens meant for this service.</summary>
    public string Audience { get; set; } = "";

    /// <summary>Refuse a provider reached over plain HTTP (turn off only for a provider on loopback).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Claim holding the person's name.</summary>
    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Claim holding roles; a dotted path reads inside a JSON claim (Keycloak: "realm_access.roles").</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The provider's role names mapped to Dispatch roles; a role not mapped is kept when it is a Dispatch role name.</summary>
    public Dictionary<string, string> RoleMap { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Claim listing the units an officer may sign onto (unit ids, "station:S01", or "*").</summary>
    public string UnitsClaim { get; set; } = "dispatch_units";
}

/// <summary>An account created at start when it does not exist yet.</summary>
public sealed class SeedAccount
{
    public string Password { get; set; } = "";

    /// <summary>Comma-separated roles.</summary>
    public string Roles { get; set; } = "";

    /// <summary>Comma-separated units an officer may sign onto (unit ids, "station:S01", "*").</summary>
    public string Units { get; set; } = "";

    public IReadOnlyList<string> RoleList() => Split(Roles);

    public IReadOnlyList<string> UnitList() => Split(Units);

    internal static IReadOnlyList<string> Split(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];
}

/// <summary>What an account name, its roles and units must look like.</summary>
public static class AccountRules
{
    public const int MaxNameLength = 64;
    public const int MaxUnits = 1000;

    public static string? CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "username must not be blank";
        }

        if (name.Length > MaxNameLength)
        {
            return $"username must be at most {MaxNameLength} characters, got {name.Length}";
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            ? null
            : $"username '{name}' may hold only letters, digits and - _ . @";
    }

    public static string? CheckRoles(IReadOnlyList<string> roles)
    {
        if (roles.Count == 0)
        {
            return "an account needs at least one role";
        }

        var unknown = roles.FirstOrDefault(r => !Roles.AccountRoles.Contains(r));
        return unknown is null ? null : $"unknown role '{unknown}'; expected one of {string.Join(", ", Roles.AccountRoles)}";
    }

    public static string? CheckUnits(IReadOnlyList<string> units) =>
        units.Count > MaxUnits ? $"an account may list at most {MaxUnits} units, got {units.Count}"
        : units.FirstOrDefault(u => u.Length is 0 or > 128) is { } bad ? $"unit entry '{bad}' must be 1..128 characters" : null;
}
