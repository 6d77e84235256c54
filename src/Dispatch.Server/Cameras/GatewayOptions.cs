namespace Dispatch.Server.Cameras;

/// <summary>One registered camera gateway (appsettings "Dispatch:Gateways:&lt;gateway id&gt;").</summary>
public sealed class GatewayRegistration
{
    /// <summary>
    /// The secret the gateway presents in Hello (or as a bearer token on PublishAlert). Read once: at the first start
    /// that finds the gateway missing from the security store it is stored hashed; rotate it there afterwards.
    /// </summary>
    public string Credential { get; set; } = "";

    /// <summary>SHA-256 thumbprint (hex) of the client certificate the gateway must present; unset: none required.</summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>This gateway's flow-control window; unset: Dispatch:Alerts:MaxUnacknowledgedAlerts.</summary>
    public int? MaxUnacknowledgedAlerts { get; set; }
}

/// <summary>The gateways allowed to deliver alerts, by id.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Dispatch:Gateways";

    public Dictionary<string, GatewayRegistration> Gateways { get; } = new(StringComparer.Ordinal);

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
