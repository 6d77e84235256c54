using Dispatch.Contracts.V1;

namespace Dispatch.Gateway.Delivery;

/// <summary>How the gateway reaches the dispatch service.</summary>
public sealed record DeliveryOptions
{
    public required Uri Server { get; init; }

    /// <summary>Other hosts of the same cluster, tried in turn after <see cref="Server"/> when a session is lost or refused.</summary>
    public IReadOnlyList<Uri> FailoverServers { get; init; } = [];

    /// <summary><see cref="Server"/> first, then the failover hosts.</summary>
    public IReadOnlyList<Uri> Servers => [Server, .. FailoverServers];

    public required string GatewayId { get; init; }

    public required string Credential { get; init; }

    /// <summary>Cameras announced in every Hello.</summary>
    public IReadOnlyList<CameraInfo> Cameras { get; init; } = [];

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Used until the service's Welcome says otherwise.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for the Welcome after sending Hello before giving the connection up.</summary>
    public TimeSpan WelcomeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>In-flight cap used until the service sends its flow-control window.</summary>
    public int DefaultWindow { get; init; } = 32;

    /// <summary>Said in Hello: the gateway answers live-view requests.</summary>
    public bool SupportsLiveView { get; init; }

    /// <summary>Said in Hello: the gateway uploads event clips.</summary>
    public bool SupportsEventClips { get; init; }

    /// <summary>Wait before re-sending an alert refused as retryable when the ack names no time.</summary>
    public TimeSpan RetryRejectedAfter { get; init; } = TimeSpan.FromSeconds(1);
}
