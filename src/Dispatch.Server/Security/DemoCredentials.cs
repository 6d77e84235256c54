using System.Security.Cryptography;
using System.Text;
using Dispatch.Domain.City;
using Dispatch.Server.Cameras;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>The demo (appsettings "Dispatch:Demo"): accounts and gateways with generated secrets, for `./dispatch.sh run`.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Dispatch:Demo";

    /// <summary>
    /// Seed demo accounts (operator, supervisor, viewer, admin, one officer per unit) and a credential for every gateway of
    /// the city and "gw-1", with generated secrets written to data/demo-accounts.txt. Refused in the Production environment.
    /// </summary>
    public bool SeedAccounts { get; set; }
}

/// <summary>One line of the demo accounts file: an account (with its roles and units) or a gateway.</summary>
public sealed record DemoSecret(string Kind, string Name, string Secret, string Roles, string Units);

/// <summary>
/// Seeds the demo's accounts and gateway credentials, writes their generated secrets to data/demo-accounts.txt
/// (readable by the owner only; the simulator and the reference gateway read it), and keeps demo secrets out of Production.
/// </summary>
public sealed class DemoCredentials(
    ISecurityStore store,
    AccountService accounts,
    GatewayCredentials gateways,
    CityModel city,
    SecurityPaths paths,
    IOptions<DemoOptions> options)
{
    public const string FileName = "demo-accounts.txt";

    /// <summary>The one secret every demo gateway once shared; refused in Production wherever it is configured.</summary>
    public const string LegacyGatewayCredential = "demo-gateway-credential";

    /// <summary>The placeholder deploy/prometheus ships in place of the scrape token.</summary>
    public const string PlaceholderScrapeToken = "replace-with-the-dispatch-scrape-token";

    public const string ReferenceGatewayId = "gw-1";
    public const string AccountKind = "account";
    public const string GatewayKind = "gateway";

    /// <summary>The accounts and gateways seeded, once <see cref="SeedAsync"/> ran with the demo on.</summary>
    public IReadOnlyList<DemoSecret> Seeded { get; private set; } = [];

    public bool Enabled => options.Value.SeedAccounts;

    /// <summary>What the configuration says that must not run in Production: each item names the setting.</summary>
    public static IReadOnlyList<string> ConfiguredDemoSecrets(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var found = new List<string>();
        if (configuration.GetSection(DemoOptions.SectionName).Get<DemoOptions>()?.SeedAccounts == true)
        {
            found.Add($"{DemoOptions.SectionName}:SeedAccounts is on (demo accounts with passwords in data/{FileName})");
        }

        if (configuration["Dispatch:Metrics:ScrapeToken"] == PlaceholderScrapeToken)
        {
            found.Add($"Dispatch:Metrics:ScrapeToken is the placeholder of deploy/prometheus");
        }

        foreach (var gateway in configuration.GetSection(GatewayOptions.SectionName).GetChildren())
        {
            if (gateway["Credential"] == LegacyGatewayCredential)
            {
                found.Add($"{GatewayOptions.SectionName}:{gateway.Key}:Credential is the demo credential '{LegacyGatewayCredential}'");
            }
        }

        return found;
    }

    /// <summary>Demo accounts and gateways already in the store (a data directory a demo ran on), naming a few.</summary>
    public async Task<string?> StoredDemoSecretsAsync(CancellationToken cancellationToken)
    {
        var demoAccounts = (await store.ListAccountsAsync(cancellationToken)).Where(a => a.Demo).Select(a => a.Username).ToList();
        var demoGateways = (await store.ListGatewaysAsync(cancellationToken)).Where(g => g.Demo).Select(g => g.GatewayId).ToList();
        if (demoAccounts.Count == 0 && demoGateways.Count == 0)
        {
            return null;
        }

        static string Few(List<string> names) => string.Join(", ", names.Take(3).Select(n => $"'{n}'")) + (names.Count > 3 ? $" and {names.Count - 3} more" : "");
        var parts = new List<string>();
        if (demoAccounts.Count > 0)
        {
            parts.Add($"demo accounts {Few(demoAccounts)}");
        }

        if (demoGateways.Count > 0)
        {
            parts.Add($"demo gateway credentials {Few(demoGateways)}");
        }

        return $"the security store {paths.StorePath} holds {string.Join(" and ", parts)}; delete them (or start from an empty data directory)";
    }

    /// <summary>Creates what is missing; secrets already in the file and the store are kept, so restarts print the same passwords.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        var known = Read(paths.DemoAccountsPath).ToDictionary(s => (s.Kind, s.Name));
        var wanted = new List<DemoSecret>
        {
            new(AccountKind, "operator", "", Roles.Operator, ""),
            new(AccountKind, "supervisor", "", Roles.Supervisor, ""),
            new(AccountKind, "viewer", "", Roles.Viewer, ""),
            new(AccountKind, "admin", "", Roles.Admin, ""),
        };
        wanted.AddRange(city.Units.Select(u => new DemoSecret(AccountKind, OfficerAccount(u.Id), "", Roles.Officer, u.Id)));
        wanted.AddRange(city.Cameras.Select(c => c.GatewayId).Append(ReferenceGatewayId).Where(g => !string.IsNullOrWhiteSpace(g))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(g => new DemoSecret(GatewayKind, g, "", "", "")));

        var seeded = new DemoSecret[wanted.Count];

        // Hashing is deliberately slow (hundreds of officers): both cores, once, at the demo's first start.
        await Parallel.ForEachAsync(Enumerable.Range(0, wanted.Count), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            async (i, token) => seeded[i] = await EnsureAsync(wanted[i], known.GetValueOrDefault((wanted[i].Kind, wanted[i].Name)), token));
        Seeded = seeded;
        Write(paths.DemoAccountsPath, seeded);
    }

    public static string OfficerAccount(string unitId) => $"officer-{unitId}";

    /// <summary>Reads a demo accounts file (tab-separated: kind, name, secret, roles, units); missing file: nothing.</summary>
    public static IReadOnlyList<DemoSecret> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return [.. File.ReadAllLines(path)
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('\t'))
            .Where(f => f.Length >= 3)
            .Select(f => new DemoSecret(f[0], f[1], f[2], f.Length > 3 ? f[3] : "", f.Length > 4 ? f[4] : ""))];
    }

    private async Task<DemoSecret> EnsureAsync(DemoSecret wanted, DemoSecret? known, CancellationToken cancellationToken)
    {
        if (wanted.Kind == GatewayKind)
        {
            var stored = await store.FindGatewayAsync(wanted.Name, cancellationToken);
            if (known is not null && stored is not null && await gateways.AuthenticateAsync(wanted.Name, known.Secret, null, "", cancellationToken) is null)
            {
                return known;
            }

            var credential = GatewayCredentials.NewCredential();
            await gateways.SaveAsync(wanted.Name, credential, stored?.CertificateThumbprint, demo: true, "demo", "", SecurityAudit.GatewaySaved, cancellationToken);
            return wanted with { Secret = credential };
        }

        var account = await store.FindAccountAsync(wanted.Name, cancellationToken);
        if (known is not null && account is not null && account.Demo && !string.IsNullOrEmpty(known.Secret))
        {
            return known with { Roles = wanted.Roles, Units = wanted.Units };
        }

        var password = NewPassword();
        var refusal = account is null
            ? await accounts.CreateAsync(wanted.Name, password, [wanted.Roles], wanted.Units.Length == 0 ? [] : [wanted.Units], demo: true, "demo", "", cancellationToken)
            : await accounts.SetPasswordAsync(wanted.Name, password, "demo", "", cancellationToken);
        return refusal is null ? wanted with { Secret = password } : throw new InvalidOperationException($"demo account '{wanted.Name}': {refusal}");
    }

    /// <summary>16 characters from an alphabet without look-alikes, so a person can type it from the banner.</summary>
    private static string NewPassword()
    {
        const string Alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return new string(RandomNumberGenerator.GetItems<char>(Alphabet, 16));
    }

    private static void Write(string path, IReadOnlyList<DemoSecret> secrets)
    {
        var text = new StringBuilder();
        text.AppendLine("# Dispatch demo accounts and gateway credentials, generated at the demo's first start.");
        text.AppendLine("# Never use these in a real deployment: the host refuses to start in Production while they exist.");
        text.AppendLine("# kind\tname\tsecret\troles\tunits");
        foreach (var s in secrets)
        {
            text.Append(s.Kind).Append('\t').Append(s.Name).Append('\t').Append(s.Secret).Append('\t').Append(s.Roles).Append('\t').Append(s.Units).Append('\n');
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = new StreamWriter(path, options);
        file.Write(text.ToString());
    }
}
