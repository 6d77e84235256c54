namespace Dispatch.Server.Security;

/// <summary>The audit log's event kinds and the one place that writes them.</summary>
public sealed partial class SecurityAudit(ISecurityStore store, TimeProvider clock, ILogger<SecurityAudit> logger)
{
    public const string SignIn = "sign-in";
    public const string SignInFailed = "sign-in-failed";
    public const string LockedOut = "locked-out";
    public const string SignInWhileLocked = "sign-in-while-locked";
    public const string SignOut = "sign-out";
    public const string TokenIssued = "token-issued";
    public const string AccountCreated = "account-created";
    public const string AccountDeleted = "account-deleted";
    public const string AccountUnlocked = "account-unlocked";
    public const string PasswordSet = "password-set";
    public const string GatewaySaved = "gateway-saved";
    public const string GatewayRotated = "gateway-rotated";
    public const string GatewayRefused = "gateway-refused";
    public const string CameraPending = "camera-pending";
    public const string CameraApproved = "camera-approved";
    public const string CameraRejected = "camera-rejected";
    public const string UnitSignedOn = "unit-signed-on";
    public const string UnitTakenOver = "unit-taken-over";
    public const string UnitSignOnRefused = "unit-sign-on-refused";
    public const string AccessDenied = "access-denied";

    /// <summary>A camera's live picture watched: camera, seconds, frames (the video audit holds the details).</summary>
    public const string VideoLive = "video-live";

    /// <summary>An alert's clip played: alert, camera, seconds.</summary>
    public const string VideoClip = "video-clip";

    /// <summary>Longest text kept per field: a hostile client cannot grow the log with one request.</summary>
    public const int MaxFieldLength = 256;

    /// <summary>Writes one event; a failing store is logged, never thrown at the caller whose action already happened.</summary>
    public async Task RecordAsync(string kind, string actor, string subject, string detail, string remote = "")
    {
        try
        {
            await store.AppendAuditAsync(kind, Bound(actor), Bound(subject), Bound(detail), Bound(remote), clock.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAuditFailed(logger, kind, subject, ex);
        }
    }

    public static string Bound(string? text) =>
        text is null ? "" : text.Length <= MaxFieldLength ? text : string.Concat(text.AsSpan(0, MaxFieldLength), "…");

    public static string RemoteOf(HttpContext? http) => http?.Connection.RemoteIpAddress?.ToString() ?? "";

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit event '{Kind}' for '{Subject}' could not be written")]
    private static partial void LogAuditFailed(ILogger logger, string kind, string subject, Exception exception);
}
