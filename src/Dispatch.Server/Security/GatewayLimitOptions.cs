namespace Dispatch.Server.Security;

/// <summary>What one gateway may do (appsettings "Dispatch:GatewayLimits"): cameras it may register, calls it may make.</summary>
public sealed class GatewayLimitOptions
{
    public const string SectionName = "Dispatch:GatewayLimits";

    /// <summary>Cameras new to the service one Hello may register; the rest of that Hello's new cameras are refused.</summary>
    public int MaxNewCamerasPerHello { get; set; } = 100;

    /// <summary>Cameras a gateway may register itself (not listed in the city file); beyond it new cameras wait for an operator's approval.</summary>
    public int MaxSelfRegisteredCameras { get; set; } = 500;

    /// <summary>Cameras of one gateway that may wait for approval; beyond it they are refused without being kept.</summary>
    public int MaxPendingCameras { get; set; } = 200;

    /// <summary>PublishAlert calls a gateway may make per second, sustained.</summary>
    public int PublishAlertsPerSecond { get; set; } = 50;

    /// <summary>PublishAlert calls a gateway may make at once after a quiet spell.</summary>
    public int PublishAlertBurst { get; set; } = 200;

    /// <summary>Connect streams a gateway may open per minute (a reconnect loop gets a retryable refusal).</summary>
    public int ConnectsPerMinute { get; set; } = 30;

    /// <summary>Sign-ins and token requests per minute from one address (beyond: 429, retry after the minute).</summary>
    public int SignInsPerMinutePerAddress { get; set; } = 600;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(string name, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                errors.Add($"{SectionName}:{name} must be within {min}..{max}, got {value}");
            }
        }

        Check(nameof(MaxNewCamerasPerHello), MaxNewCamerasPerHello, 0, 100_000);
        Check(nameof(MaxSelfRegisteredCameras), MaxSelfRegisteredCameras, 0, 1_000_000);
        Check(nameof(MaxPendingCameras), MaxPendingCameras, 0, 100_000);
        Check(nameof(PublishAlertsPerSecond), PublishAlertsPerSecond, 1, 100_000);
        Check(nameof(PublishAlertBurst), PublishAlertBurst, 1, 1_000_000);
        Check(nameof(ConnectsPerMinute), ConnectsPerMinute, 1, 100_000);
        Check(nameof(SignInsPerMinutePerAddress), SignInsPerMinutePerAddress, 1, 1_000_000);
        return errors;
    }
}
