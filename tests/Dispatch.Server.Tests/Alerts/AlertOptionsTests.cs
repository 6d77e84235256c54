using Dispatch.Server.Alerts;
using Dispatch.Server.Cameras;

namespace Dispatch.Server.Tests.Alerts;

/// <summary>Alert and gateway configuration is checked at start, each error naming its key.</summary>
public sealed class AlertOptionsTests
{
    [Fact]
    public void The_shipped_defaults_are_valid_and_map_every_alert_kind()
    {
        Assert.Empty(new AlertIntakeOptions().Validate());
        Assert.Empty(new CameraHealthOptions().Validate());
    }

    [Fact]
    public void An_unknown_kind_a_blank_type_and_a_zero_window_are_refused_by_key()
    {
        var options = new AlertIntakeOptions { MaxUnacknowledgedAlerts = 0 };
        options.Kinds["Earthquake"] = new AlertKindMapping { Type = "quake" };
        options.Kinds["Fight"].Type = " ";

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Dispatch:Alerts:MaxUnacknowledgedAlerts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Alerts:Kinds:Earthquake is not an alert kind", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Dispatch:Alerts:Kinds:Fight:Type", StringComparison.Ordinal));
    }

    [Fact]
    public void A_debounce_shorter_than_the_heartbeat_interval_is_refused()
    {
        var errors = new CameraHealthOptions { HeartbeatIntervalSeconds = 10, OfflineAfterSeconds = 5 }.Validate();

        Assert.Contains(errors, e => e.StartsWith("Dispatch:Cameras:OfflineAfterSeconds", StringComparison.Ordinal));
    }
}
