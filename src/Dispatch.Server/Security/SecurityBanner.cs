using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

public static class SecurityBanner
{
    /// <summary>Prints how to sign in, the demo accounts (when seeded) and whether the transport is plain HTTP.</summary>
    public static WebApplication PrintSecurityBanner(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
            var demo = app.Services.GetRequiredService<DemoCredentials>();
            var paths = app.Services.GetRequiredService<SecurityPaths>();
            Console.WriteLine($"Sign-in: /signin on the web port (pages; idle sessions end after {options.IdleTimeoutMinutes} min), " +
                $"POST /api/auth/token (bearer tokens for {options.Tokens.LifetimeMinutes} min).");
            if (demo.Seeded.Count > 0)
            {
                var accounts = demo.Seeded.Where(s => s.Kind == DemoCredentials.AccountKind).ToList();
                var officers = accounts.Where(a => a.Roles == Roles.Officer).ToList();
                var gateways = demo.Seeded.Where(s => s.Kind == DemoCredentials.GatewayKind).ToList();
                Console.WriteLine($"Demo accounts (environment {app.Environment.EnvironmentName}; every secret is in {paths.DemoAccountsPath}):");
                foreach (var account in accounts.Where(a => a.Roles != Roles.Officer))
                {
                    Console.WriteLine($"  {account.Name,-12} {account.Secret}");
                }

                if (officers.Count > 0)
                {
                    Console.WriteLine($"  {officers.Count} officers, one per unit, e.g. {officers[0].Name} {officers[0].Secret}");
                }

                Console.WriteLine($"  {gateways.Count} gateway credentials ({string.Join(", ", gateways.Take(4).Select(g => g.Name))}{(gateways.Count > 4 ? ", ..." : "")})");
            }

            if (TlsSetup.IsPlainHttp(app.Configuration))
            {
                Console.WriteLine("Transport: plain HTTP (no Dispatch:Tls:CertificatePath): fit for the loopback demo only; see README \"TLS\".");
            }
            else
            {
                Console.WriteLine("Transport: TLS on both ports (HTTPS, HTTP/2 over TLS for gRPC).");
            }
        });
        return app;
    }
}
