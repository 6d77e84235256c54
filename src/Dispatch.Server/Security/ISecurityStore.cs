namespace Dispatch.Server.Security;

/// <summary>A local account as stored: the password only as a PasswordHasher hash.</summary>
public sealed record Account(
    string Username,
    string PasswordHash,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Units,
    bool Demo,
    int FailedSignIns,
    DateTimeOffset? LockedUntil,
    DateTimeOffset CreatedAt);

/// <summary>A gateway's credential as stored (hashed), with the certificate it must present when one is pinned.</summary>
public sealed record GatewayRecord(string GatewayId, string CredentialHash, string? CertificateThumbprint, bool Demo, DateTimeOffset ChangedAt);

/// <summary>One audit log entry.</summary>
public sealed record AuditEvent(long Id, DateTimeOffset At, string Kind, string Actor, string Subject, string Detail, string Remote);

/// <summary>A camera a gateway announced beyond its quota, waiting for an operator.</summary>
public sealed record PendingCamera(
    string CameraId, string GatewayId, string Name, double Latitude, double Longitude, double HeadingDegrees, DateTimeOffset RequestedAt);

/// <summary>
/// The host's own security store: accounts, gateway credentials, cameras gateways registered themselves (and those
/// waiting for approval), and the audit log. Plain portable SQL behind this interface, so a PostgreSQL store can
/// serve a cluster the same way.
/// </summary>
public interface ISecurityStore
{
    Task InitializeAsync(CancellationToken cancellationToken);

    Task<Account?> FindAccountAsync(string username, CancellationToken cancellationToken);

    Task<IReadOnlyList<Account>> ListAccountsAsync(CancellationToken cancellationToken);

    /// <summary>False when the name is taken.</summary>
    Task<bool> CreateAccountAsync(Account account, CancellationToken cancellationToken);

    Task<bool> SetPasswordHashAsync(string username, string passwordHash, CancellationToken cancellationToken);

    /// <summary>Counts a failed sign-in; returns the failures in a row now.</summary>
    Task<int> CountFailureAsync(string username, CancellationToken cancellationToken);

    /// <summary>Sets (or clears) the lock and resets the failure count.</summary>
    Task SetLockAsync(string username, DateTimeOffset? lockedUntil, CancellationToken cancellationToken);

    Task<bool> DeleteAccountAsync(string username, CancellationToken cancellationToken);

    Task<GatewayRecord?> FindGatewayAsync(string gatewayId, CancellationToken cancellationToken);

    Task<IReadOnlyList<GatewayRecord>> ListGatewaysAsync(CancellationToken cancellationToken);

    /// <summary>Creates the gateway or replaces its credential.</summary>
    Task SaveGatewayAsync(GatewayRecord gateway, CancellationToken cancellationToken);

    /// <summary>Cameras the gateway registered itself through Hello (not listed in the city file).</summary>
    Task<int> CountSelfRegisteredCamerasAsync(string gatewayId, CancellationToken cancellationToken);

    Task AddSelfRegisteredCameraAsync(string gatewayId, string cameraId, CancellationToken cancellationToken);

    /// <summary>False when the camera already waits.</summary>
    Task<bool> AddPendingCameraAsync(PendingCamera camera, CancellationToken cancellationToken);

    Task<int> CountPendingCamerasAsync(string gatewayId, CancellationToken cancellationToken);

    Task<IReadOnlyList<PendingCamera>> ListPendingCamerasAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Removes and returns the waiting camera (null when none waits).</summary>
    Task<PendingCamera?> TakePendingCameraAsync(string cameraId, CancellationToken cancellationToken);

    Task AppendAuditAsync(string kind, string actor, string subject, string detail, string remote, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Newest first; <paramref name="beforeId"/> pages back.</summary>
    Task<IReadOnlyList<AuditEvent>> ReadAuditAsync(long? beforeId, int limit, string? kind, CancellationToken cancellationToken);
}
