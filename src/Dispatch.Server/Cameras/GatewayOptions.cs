using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Server.Cameras;

/// <summary>One registered camera gateway (appsettings "Dispatch:Gateways:&lt;gateway id&gt;").</summary>
public sealed class GatewayRegistration
{
    /// <summary>The secret the gateway presents in Hello (or as a bearer token on PublishAlert).</summary>
    public string Credential { get; set; } = "";

    /// <summary>This gateway's flow-control window; unset: Dispatch:Alerts:MaxUnacknowledgedAlerts.</summary>
    public int? MaxUnacknowledgedAlerts { get; set; }
}

/// <summary>The gateways allowed to deliver alerts, by id.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Dispatch:Gateways";

    public Dictionary<string, GatewayRegistration> Gateways { get; } = new(StringComparer.Ordinal);

    /// <summary>Null when the gateway may connect, otherwise why not (naming the gateway, never echoing a secret).</summary>
    public string? Authenticate(string? gatewayId, string? credential)
    {
        if (string.IsNullOrWhiteSpace(gatewayId))
        {
            return "gateway_id is empty";
        }

        if (!Gateways.TryGetValue(gatewayId, out var registration) || string.IsNullOrEmpty(registration.Credential))
        {
            return $"gateway '{gatewayId}' is not registered (configure {SectionName}:{gatewayId}:Credential)";
        }

        var expected = Encoding.UTF8.GetBytes(registration.Credential);
        var given = Encoding.UTF8.GetBytes(credential ?? "");
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : $"the credential for gateway '{gatewayId}' is wrong";
    }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (id, registration) in Gateways)
        {
            if (id.Length > 128)
            {
                errors.Add($"{SectionName}: gateway id '{id[..32]}...' is longer than 128 characters");
            }

            if (registration.MaxUnacknowledgedAlerts is < 1 or > 100_000)
            {
                errors.Add($"{SectionName}:{id}:MaxUnacknowledgedAlerts must be within 1..100000, got {registration.MaxUnacknowledgedAlerts}");
            }
        }

        return errors;
    }
}
