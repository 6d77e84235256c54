using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Dispatch.Server.Security;

/// <summary>
/// The host's own bearer tokens for programmatic clients (simulator, load driver, integrations): HMAC-SHA256 signed
/// JWTs with the account's name, roles and units. The key is generated once and kept in a file readable only by the
/// service account; hosts of one cluster share the file.
/// </summary>
public sealed class TokenIssuer
{
    private readonly SecurityOptions _options;
    private readonly TimeProvider _clock;
    private readonly JsonWebTokenHandler _handler = new();

    public TokenIssuer(IOptions<SecurityOptions> options, SecurityPaths paths, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        _options = options.Value;
        _clock = clock;
        Key = new SymmetricSecurityKey(LoadOrCreateKey(paths.SigningKeyPath)) { KeyId = "dispatch-local" };
    }

    public SymmetricSecurityKey Key { get; }

    public string Issuer => _options.Tokens.Issuer;

    public string Audience => _options.Tokens.Audience;

    public TimeSpan Lifetime => TimeSpan.FromMinutes(_options.Tokens.LifetimeMinutes);

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key,
        NameClaimType = DispatchClaims.Name,
        RoleClaimType = DispatchClaims.Role,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    public (string Token, DateTimeOffset ExpiresAt) Issue(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var now = _clock.GetUtcNow();
        var expires = now + Lifetime;
        var identity = AccountService.Principal(account, "token", "token").Identities.First();
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity(identity.Claims),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }

    /// <summary>The issuer a bearer token names, without validating it (to pick the scheme that validates it).</summary>
    public static string? PeekIssuer(string token)
    {
        try
        {
            return new JsonWebTokenHandler().ReadJsonWebToken(token).Issuer;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static byte[] LoadOrCreateKey(string path)
    {
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length >= 32 ? key : throw new InvalidOperationException($"token signing key '{path}' is shorter than 256 bits; delete it to have a new one generated");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var created = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var file = new StreamWriter(path, options);
            file.Write(Convert.ToBase64String(created));
            return created;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another host of the cluster created it first: use theirs.
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
    }
}
