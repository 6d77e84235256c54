using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dispatch.Contracts.V1;
using Dispatch.Server.Security;
using Dispatch.Server.Tests.Alerts;
using Dispatch.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using static Dispatch.Server.Tests.Alerts.AlertTestHost;

namespace Dispatch.Server.Tests.Security;

/// <summary>With a certificate configured, both ports speak TLS (HTTP/2 included); a gateway with a pinned certificate must present it.</summary>
public sealed class TlsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Both_ports_speak_tls_and_a_pinned_gateway_must_present_its_client_certificate()
    {
        using var directory = new TempDirectory("dispatch-tls");
        using var server = SelfSigned("CN=127.0.0.1", serverAuth: true);
        using var gatewayCertificate = SelfSigned("CN=gw-pinned", serverAuth: false);
        await File.WriteAllBytesAsync(directory.File("server.pfx"), server.Export(X509ContentType.Pfx, "pfx-password"), Cancel);
        await using var host = new AlertTestHost(directory, settings: new Dictionary<string, string?>
        {
            ["Dispatch:Tls:CertificatePath"] = directory.File("server.pfx"),
            ["Dispatch:Tls:CertificatePassword"] = "pfx-password",
            ["Dispatch:Tls:GatewayClientCertificates"] = "Allow",
        });
        host.Start();
        await host.Services.GetRequiredService<GatewayCredentials>().SaveAsync("gw-pinned", Credential,
            Convert.ToHexString(gatewayCertificate.GetCertHash(HashAlgorithmName.SHA256)), demo: false, "test", "", SecurityAudit.GatewaySaved, Cancel);

        using var web = new HttpClient(Trusting(server)) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var health = await web.GetAsync($"https://127.0.0.1:{host.WebPort}/health/live", Cancel);
        var plain = await Record.ExceptionAsync(async () =>
        {
            using var http = new HttpClient();
            using var _ = await http.GetAsync($"http://127.0.0.1:{host.WebPort}/health/live", Cancel);
        });

        var tested = await HelloAsync(host, server, "gw-test", null);
        var pinnedWithout = await HelloAsync(host, server, "gw-pinned", null);
        var pinnedWith = await HelloAsync(host, server, "gw-pinned", gatewayCertificate);

        Assert.Equal((HttpStatusCode.OK, HttpVersion.Version20), (health.StatusCode, health.Version));
        Assert.NotNull(plain);
        Assert.Null(tested);
        Assert.Equal("gateway 'gw-pinned' must present its client certificate", pinnedWithout);
        Assert.Null(pinnedWith);
    }

    /// <summary>Null when the gateway was welcomed over TLS, else the refusal.</summary>
    private static async Task<string?> HelloAsync(AlertTestHost host, X509Certificate2 server, string gateway, X509Certificate2? clientCertificate)
    {
        var handler = Trusting(server);
        if (clientCertificate is not null)
        {
            handler.ClientCertificates.Add(clientCertificate);
        }

        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{host.GrpcPort}", new GrpcChannelOptions { HttpHandler = handler });
        try
        {
            var (session, _) = await GatewaySession.ConnectAsync(new CameraGateway.CameraGatewayClient(channel), Hello(gateway, Credential));
            await session.DisposeAsync();
            return null;
        }
        catch (RpcException ex)
        {
            return ex.Status.Detail;
        }
    }

    /// <summary>A client that trusts exactly this (self-signed) server certificate.</summary>
    private static HttpClientHandler Trusting(X509Certificate2 server) => new()
    {
        ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == server.Thumbprint,
    };

    private static X509Certificate2 SelfSigned(string subject, bool serverAuth)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], critical: false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }
}
