using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Dispatch.Server.Cameras;
using Microsoft.AspNetCore.Identity;

namespace Dispatch.Server.Security;

/// <summary>
/// One credential per gateway, stored hashed (ASP.NET Core Identity's password hasher) in the security store; seeded
/// from configuration at first start, rotated by an admin without a restart. A gateway whose certificate is pinned must
/// also present that client certificate. Verifying a hash is deliberately slow, so a credential that verified is
/// remembered by its SHA-256 until the stored hash changes, and a gateway id with many recent failures is refused
/// without hashing for a minute.
/// </summary>
public sealed partial class GatewayCredentials(ISecurityStore store, SecurityAudit audit, TimeProvider clock, ILogger<GatewayCredentials> logger)
{
    public const int MaxGatewayIdLength = 128;
    public const int MaxCredentialLength = 1024;

    /// <summary>Failures per gateway id within a minute after which attempts are refused without checking.</summary>
    public const int MaxFailuresPerMinute = 10;

    /// <summary>How long a stored record is trusted before it is read again (a rotation on another host takes effect within this).</summary>
    private static readonly TimeSpan RecordTtl = TimeSpan.FromSeconds(5);

    private static readonly PasswordHasher<GatewayRecord> Hasher = new();
    private readonly ConcurrentDictionary<string, CachedRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Verified> _verified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailureWindow> _failures = new(StringComparer.Ordinal);

    /// <summary>Null when the gateway may act, otherwise why not (naming the gateway, bounded, never echoing a secret).</summary>
    public async Task<string?> AuthenticateAsync(string? gatewayId, string? credential, X509Certificate2? clientCertificate, string remote, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(gatewayId))
        {
            return "gateway_id is empty";
        }

        if (gatewayId.Length > MaxGatewayIdLength)
        {
            return $"gateway_id is longer than {MaxGatewayIdLength} characters";
        }

        if (string.IsNullOrEmpty(credential) || credential.Length > MaxCredentialLength)
        {
            return $"the credential for gateway '{gatewayId}' is missing or longer than {MaxCredentialLength} characters";
        }

        var now = clock.GetUtcNow();
        if (_failures.TryGetValue(gatewayId, out var window) && window.Blocks(now))
        {
            return $"gateway '{gatewayId}' had {MaxFailuresPerMinute} failed attempts within a minute; try again later";
        }

        var record = await RecordAsync(gatewayId, now, cancellationToken);
        if (record is null)
        {
            return await FailAsync(gatewayId, $"gateway '{gatewayId}' is not registered", remote, now);
        }

        if (record.CertificateThumbprint is { } pinned && !Matches(clientCertificate, pinned))
        {
            return await FailAsync(gatewayId, $"gateway '{gatewayId}' must present its client certificate", remote, now);
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(credential));
        if (_verified.TryGetValue(gatewayId, out var known) && known.Hash == record.CredentialHash && CryptographicOperations.FixedTimeEquals(known.Digest, digest))
        {
            return null;
        }

        if (Hasher.VerifyHashedPassword(record, record.CredentialHash, credential) == PasswordVerificationResult.Failed)
        {
            return await FailAsync(gatewayId, $"the credential for gateway '{gatewayId}' is wrong", remote, now);
        }

        _verified[gatewayId] = new Verified(record.CredentialHash, digest);
        return null;
    }

    /// <summary>Gateways configured in Dispatch:Gateways that the store does not hold yet are added with their credential hashed.</summary>
    public async Task SeedAsync(GatewayOptions configured, bool demo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configured);
        foreach (var (id, registration) in configured.Gateways)
        {
            if (string.IsNullOrEmpty(registration.Credential))
            {
                continue;
            }

            var stored = await store.FindGatewayAsync(id, cancellationToken);
            if (stored is null)
            {
                await SaveAsync(id, registration.Credential, registration.CertificateThumbprint, demo || registration.Credential == DemoCredentials.LegacyGatewayCredential,
                    "configuration", "", SecurityAudit.GatewaySaved, cancellationToken);
            }
            else if (Hasher.VerifyHashedPassword(stored, stored.CredentialHash, registration.Credential) == PasswordVerificationResult.Failed)
            {
                LogConfiguredCredentialIgnored(logger, id);
            }
        }
    }

    /// <summary>Creates the gateway or replaces its credential (and pinned certificate); the new credential works at once on every host within seconds.</summary>
    public async Task SaveAsync(string gatewayId, string credential, string? certificateThumbprint, bool demo, string actor, string remote, string auditKind, CancellationToken cancellationToken)
    {
        var record = new GatewayRecord(gatewayId, "", NormalizeThumbprint(certificateThumbprint), demo, clock.GetUtcNow());
        record = record with { CredentialHash = Hasher.HashPassword(record, credential) };
        await store.SaveGatewayAsync(record, cancellationToken);
        _records[gatewayId] = new CachedRecord(record, clock.GetUtcNow());
        _verified.TryRemove(gatewayId, out _);
        _failures.TryRemove(gatewayId, out _);
        await audit.RecordAsync(auditKind, actor, gatewayId, certificateThumbprint is null ? "" : "client certificate pinned", remote);
    }

    /// <summary>A new random credential (256 bits, URL-safe text).</summary>
    public static string NewCredential() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? CheckGatewayId(string? gatewayId) =>
        string.IsNullOrWhiteSpace(gatewayId) ? "gateway id must not be blank"
        : gatewayId.Length > MaxGatewayIdLength ? $"gateway id must be at most {MaxGatewayIdLength} characters"
        : gatewayId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? null
        : $"gateway id '{gatewayId}' may hold only letters, digits and - _ .";

    public static string? NormalizeThumbprint(string? thumbprint) =>
        string.IsNullOrWhiteSpace(thumbprint) ? null : thumbprint.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();

    private static bool Matches(X509Certificate2? certificate, string pinned) =>
        certificate is not null && string.Equals(Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)), pinned, StringComparison.Ordinal);

    private async Task<GatewayRecord?> RecordAsync(string gatewayId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_records.TryGetValue(gatewayId, out var cached) && now - cached.ReadAt < RecordTtl)
        {
            return cached.Record;
        }

        var record = await store.FindGatewayAsync(gatewayId, cancellationToken);
        if (record is not null)
        {
            _records[gatewayId] = new CachedRecord(record, now);
        }
        else
        {
            _records.TryRemove(gatewayId, out _);
        }

        return record;
    }

    private async Task<string> FailAsync(string gatewayId, string refusal, string remote, DateTimeOffset now)
    {
        // Unknown ids are neither kept nor audited (a flood of made-up ids must grow neither memory nor the audit log;
        // the refusal is logged by the caller); a registered gateway counts its failures and each is audited.
        if (_records.ContainsKey(gatewayId))
        {
            _failures.AddOrUpdate(gatewayId, _ => new FailureWindow(now, 1), (_, w) => w.Add(now));
            await audit.RecordAsync(SecurityAudit.GatewayRefused, gatewayId, gatewayId, refusal, remote);
        }

        return refusal;
    }

    private sealed record CachedRecord(GatewayRecord Record, DateTimeOffset ReadAt);

    private sealed record Verified(string Hash, byte[] Digest);

    private sealed record FailureWindow(DateTimeOffset Start, int Count)
    {
        public FailureWindow Add(DateTimeOffset now) => now - Start > TimeSpan.FromMinutes(1) ? new(now, 1) : this with { Count = Count + 1 };

        public bool Blocks(DateTimeOffset now) => Count >= MaxFailuresPerMinute && now - Start <= TimeSpan.FromMinutes(1);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch:Gateways:{GatewayId}:Credential differs from the stored credential, which was rotated since; the stored one is used")]
    private static partial void LogConfiguredCredentialIgnored(ILogger logger, string gatewayId);
}
