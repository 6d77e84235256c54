using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dispatch.Server.Security;

/// <summary>Transport security (appsettings "Dispatch:Tls").</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Dispatch:Tls";

    /// <summary>Server certificate: a PFX/PKCS#12 file, or a PEM certificate with <see cref="KeyPath"/>. Empty: plain HTTP.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>PEM private key of the certificate (PEM certificates only).</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>Password of the PFX file or of an encrypted PEM key.</summary>
    public string CertificatePassword { get; set; } = "";

    /// <summary>Client certificates on the gRPC port: None, Allow (a gateway whose thumbprint is pinned must present it), or Require (every gateway presents one).</summary>
    public string GatewayClientCertificates { get; set; } = "Allow";
}

/// <summary>
/// With a certificate configured, both ports speak TLS: HTTPS with HTTP/1.1 and HTTP/2 on the web port, HTTP/2 over TLS
/// on the gRPC port, where gateways may present client certificates. Without one, both stay plain HTTP (the loopback demo),
/// and the host says so at start.
/// </summary>
public static class TlsSetup
{
    public const string WebUrlKey = "Kestrel:Endpoints:Web:Url";
    public const string GrpcUrlKey = "Kestrel:Endpoints:Grpc:Url";

    public static WebApplicationBuilder AddDispatchTls(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TlsOptions.SectionName).Get<TlsOptions>() ?? new TlsOptions();
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return builder;
        }

        var errors = new List<string>();
        var certificate = Path.GetFullPath(options.CertificatePath, builder.Environment.ContentRootPath);
        if (!File.Exists(certificate))
        {
            errors.Add($"{TlsOptions.SectionName}:CertificatePath: no file at '{certificate}'");
        }

        if (!Enum.TryParse<ClientCertificateMode>(options.GatewayClientCertificates switch
        {
            "None" => nameof(ClientCertificateMode.NoCertificate),
            "Allow" => nameof(ClientCertificateMode.AllowCertificate),
            "Require" => nameof(ClientCertificateMode.RequireCertificate),
            var other => other,
        }, out var mode) || options.GatewayClientCertificates is not ("None" or "Allow" or "Require"))
        {
            errors.Add($"{TlsOptions.SectionName}:GatewayClientCertificates must be None, Allow or Require, got '{options.GatewayClientCertificates}'");
        }

        if (errors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(TlsOptions.SectionName, typeof(TlsOptions), errors);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Certificates:Default:Path"] = certificate,
            ["Kestrel:Certificates:Default:KeyPath"] = string.IsNullOrWhiteSpace(options.KeyPath) ? null : Path.GetFullPath(options.KeyPath, builder.Environment.ContentRootPath),
            ["Kestrel:Certificates:Default:Password"] = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword,
            ["Kestrel:Endpoints:Web:Protocols"] = "Http1AndHttp2",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Grpc:ClientCertificateMode"] = mode.ToString(),
        };
        foreach (var key in new[] { WebUrlKey, GrpcUrlKey })
        {
            if (builder.Configuration[key] is { } url && url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                settings[key] = "https://" + url["http://".Length..];
            }
        }

        builder.Configuration.AddInMemoryCollection(settings);

        // A gateway's certificate is checked against the thumbprint pinned for it (GatewayCredentials), not a CA:
        // gateways commonly carry self-signed certificates.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ClientCertificateValidation = (_, _, _) => true));
        return builder;
    }

    /// <summary>Whether both ports speak TLS, for the start-up message.</summary>
    public static bool IsPlainHttp(IConfiguration configuration) =>
        configuration[WebUrlKey]?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true
        || configuration[GrpcUrlKey]?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true;
}
