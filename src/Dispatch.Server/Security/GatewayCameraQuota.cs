using System.Threading.RateLimiting;
using Dispatch.Abstractions.Cameras;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>What becomes of a camera new to the service that a gateway announced.</summary>
public enum CameraAdmission
{
    /// <summary>Within the gateway's quota: registered now.</summary>
    Register,

    /// <summary>Beyond the quota: kept waiting for an operator's approval.</summary>
    Pending,

    /// <summary>Beyond this Hello's allowance or the waiting list: refused and not kept.</summary>
    Refused,
}

/// <summary>Cameras new to the service one Hello may still register.</summary>
public sealed class HelloAllowance(int newCameras)
{
    private int _left = newCameras;

    public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;
}

/// <summary>
/// Bounds what gateways register: so many new cameras per Hello, so many self-registered cameras per gateway, then a
/// bounded waiting list that operators approve or reject. Cameras of the city file are approved by the file.
/// </summary>
public sealed class GatewayCameraQuota(ISecurityStore store, SecurityAudit audit, IOptions<GatewayLimitOptions> limits, TimeProvider clock)
{
    private GatewayLimitOptions Limits => limits.Value;

    public HelloAllowance BeginHello() => new(Limits.MaxNewCamerasPerHello);

    public async Task<CameraAdmission> AdmitAsync(string gatewayId, string cameraId, CameraRegistration registration, HelloAllowance allowance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(allowance);
        if (!allowance.TryTake())
        {
            return CameraAdmission.Refused;
        }

        if (await store.CountSelfRegisteredCamerasAsync(gatewayId, cancellationToken) < Limits.MaxSelfRegisteredCameras)
        {
            await store.AddSelfRegisteredCameraAsync(gatewayId, cameraId, cancellationToken);
            return CameraAdmission.Register;
        }

        if (await store.CountPendingCamerasAsync(gatewayId, cancellationToken) >= Limits.MaxPendingCameras)
        {
            return CameraAdmission.Refused;
        }

        var pending = new PendingCamera(cameraId, gatewayId, registration.Name, registration.Location.Latitude, registration.Location.Longitude,
            registration.HeadingDegrees, clock.GetUtcNow());
        if (await store.AddPendingCameraAsync(pending, cancellationToken))
        {
            await audit.RecordAsync(SecurityAudit.CameraPending, gatewayId, cameraId,
                $"over the gateway's {Limits.MaxSelfRegisteredCameras} self-registered cameras; waits for approval");
        }

        return CameraAdmission.Pending;
    }

    /// <summary>Counts an approved camera as the gateway's own from now.</summary>
    public Task CountApprovedAsync(string gatewayId, string cameraId, CancellationToken cancellationToken) =>
        store.AddSelfRegisteredCameraAsync(gatewayId, cameraId, cancellationToken);
}

/// <summary>Connect streams per gateway per minute (System.Threading.RateLimiting), checked once the Hello has authenticated the gateway.</summary>
public sealed class GatewayConnectLimiter(IOptions<GatewayLimitOptions> limits) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(gatewayId =>
        RateLimitPartition.GetFixedWindowLimiter(gatewayId, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limits.Value.ConnectsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public int ConnectsPerMinute => limits.Value.ConnectsPerMinute;

    /// <summary>Null when the gateway may open another stream, else how long it must wait.</summary>
    public TimeSpan? TryConnect(string gatewayId)
    {
        using var lease = _limiter.AttemptAcquire(gatewayId);
        return lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
    }

    public void Dispose() => _limiter.Dispose();
}
