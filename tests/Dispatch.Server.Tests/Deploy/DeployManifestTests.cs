using System.Diagnostics;
using Dispatch.Server.Tests.Metrics;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Deploy;

/// <summary>
/// deploy/compose.yaml and deploy/k8s/ (no Docker or Kubernetes here) cross-checked against the host they run:
/// every setting binds to a real option, ports agree with the endpoints the settings open, probes GET paths the real
/// host answers, every secret referenced is written by deploy/make-secrets.sh, the gateway names every host. The
/// theories below break one thing at a time and see it reported, so the checks can fail.
/// </summary>
public sealed class DeployManifestTests : IDisposable
{
    private static readonly string Deploy = Path.Combine(RepositoryPaths.Root, "deploy");
    private readonly TempDirectory _site = new("dispatch-deploy");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string ComposeText => File.ReadAllText(Path.Combine(Deploy, "compose.yaml"));

    private static IEnumerable<string> KubernetesTexts => Directory.GetFiles(Path.Combine(Deploy, "k8s"), "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText);

    [Fact]
    public async Task The_compose_file_agrees_with_the_host_on_settings_ports_health_secrets_the_gateway_and_prometheus()
    {
        var site = new ComposeSite(ComposeText, await SiteDirectoryAsync());

        var problems = site.Problems();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(["silo-1", "silo-2", "silo-3"], site.Hosts.Select(h => h.Service));
    }

    [Fact]
    public async Task The_kubernetes_manifests_agree_with_the_host_on_settings_ports_probes_secrets_rbac_and_the_gateway()
    {
        var site = new KubernetesSite(KubernetesTexts.Append(await GeneratedSecretAsync()));

        var problems = site.Problems();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task Every_path_the_healthchecks_and_probes_get_is_a_health_endpoint_of_the_real_host_answering_without_credentials()
    {
        var compose = new ComposeSite(ComposeText, await SiteDirectoryAsync());
        var kubernetes = new KubernetesSite(KubernetesTexts.Append(await GeneratedSecretAsync()));
        var paths = compose.HealthPaths.Concat(kubernetes.HealthPaths).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        await using var factory = new DispatchServerFactory();
        using var anonymous = factory.CreateClient();

        // A health endpoint answers the plain word; any other path (the pages' fallback answers 200 too) does not.
        var answers = new List<string>();
        foreach (var path in paths.Append("/healthz"))
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative), Token);
            var body = await response.Content.ReadAsStringAsync(Token);
            answers.Add($"{path} {(int)response.StatusCode} {(body.Length <= 20 ? body : "(a page)")}");
        }

        Assert.Equal(["/health/live", "/health/ready"], paths);
        Assert.Equal("/health/live 200 Healthy", answers[0]);
        Assert.Equal("/health/ready 200 Healthy", answers[1]);
        Assert.NotEqual("/healthz 200 Healthy", answers[2]);
    }

    /// <summary>Each line breaks the compose file in one place; the check must say so, naming what broke.</summary>
    [Theory]
    [InlineData("Dispatch__Silo__SiloPort: \"11112\"", "Dispatch__Silo__SiloPrt: \"11112\"", "Dispatch:Silo:SiloPrt")]
    [InlineData("Dispatch__Silo__Membership: Redis", "Dispatch__Silo__Membership: Redsi", "Dispatch:Silo:Membership=Redsi")]
    [InlineData("Dispatch__Storage__Dialect: PostgreSql", "Dispatch__Storage__Dialect: Sqlite", "Dialect must be PostgreSql")]
    [InlineData("Kestrel__Endpoints__Grpc__Url: http://0.0.0.0:5091", "Kestrel__Endpoints__Grpcc__Url: http://0.0.0.0:5091", "Kestrel:Endpoints:Grpcc:Url")]
    [InlineData("ports: [\"5090:5090\", \"5091:5091\"]", "ports: [\"5090:5099\", \"5091:5091\"]", "Web__Url listens on 5090")]
    [InlineData("expose: [\"11113\", \"30002\"]", "expose: [\"11113\"]", "GatewayPort is 30002")]
    [InlineData("ports: [\"5100:5100\", \"5101:5101\"]", "ports: [\"5090:5100\", \"5101:5101\"]", "port 5090 is published by silo-2 and silo-3")]
    [InlineData("http://127.0.0.1:5100/health/ready", "http://127.0.0.1:5101/health/ready", "healthcheck GETs port 5101")]
    [InlineData("Dispatch__Silo__AdvertisedAddress: 172.28.0.12", "Dispatch__Silo__AdvertisedAddress: 172.28.0.21", "address on its network is 172.28.0.12")]
    [InlineData("http://silo-1:5081,http://silo-2:5091,http://silo-3:5101", "http://silo-1:5081,http://silo-2:5091", "--server is 'http://silo-1:5081,http://silo-2:5091'")]
    [InlineData("- gw-1", "- gw-9", "gateway 'gw-9' presents a credential")]
    [InlineData("secrets: [postgres-password]", "secrets: [postgres-pasword]", "secret 'postgres-pasword' is not declared")]
    [InlineData("file: secrets/redis-password", "file: secrets/redis-pasword", "secrets/redis-pasword is missing")]
    [InlineData("env_file: secrets/dispatch.env", "env_file: secrets/dispatch-site.env", "env_file secrets/dispatch-site.env is missing")]
    [InlineData("/run/secrets/token-signing-key", "/run/secrets/signing-key", "SigningKeyPath is '/run/secrets/signing-key'")]
    [InlineData("target: /etc/prometheus/dispatch-scrape-token", "target: /etc/prometheus/scrape-token", "prometheus: the scrape token file")]
    public async Task A_break_in_the_compose_file_is_reported_naming_it(string original, string broken, string reported)
    {
        var text = ComposeText;
        Assert.Contains(original, text, StringComparison.Ordinal);

        var problems = new ComposeSite(text.Replace(original, broken, StringComparison.Ordinal), await SiteDirectoryAsync()).Problems();

        Assert.True(problems.Any(p => p.Contains(reported, StringComparison.Ordinal)), $"expected a problem saying '{reported}', got:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    /// <summary>Each line breaks the Kubernetes manifests in one place; the check must say so, naming what broke.</summary>
    [Theory]
    [InlineData("Dispatch__Silo__KubernetesHosting: \"true\"", "Dispatch__Silo__KubernetesHostng: \"true\"", "Dispatch:Silo:KubernetesHostng")]
    [InlineData("Dispatch__Silo__KubernetesHosting: \"true\"", "Dispatch__Silo__KubernetesHosting: \"false\"", "KubernetesHosting is not on")]
    [InlineData("fieldPath: status.podIP", "fieldPath: status.hostIPs", "POD_IP")]
    [InlineData("containerPort: 5081", "containerPort: 5082", "container port 'grpc' is 5082, the settings say 5081")]
    [InlineData("Dispatch__Silo__SiloPort: \"11111\"", "Dispatch__Silo__SiloPort: \"11112\"", "container port 'silo' is 11111, the settings say 11112")]
    [InlineData("key: scrape-token", "key: scrape-tokn", "key 'scrape-tokn' of Secret 'dispatch-secrets'")]
    [InlineData("metadata:\n  name: dispatch-settings", "metadata:\n  name: dispatch-setting", "ConfigMap 'dispatch-settings'")]
    [InlineData("serviceAccountName: dispatch", "serviceAccountName: default", "ServiceAccount 'default' is not defined")]
    [InlineData("verbs: [\"get\", \"list\", \"watch\", \"patch\", \"delete\"]", "verbs: [\"get\", \"list\"]", "may not watch, patch pods")]
    [InlineData("port: web", "port: 5090", "GETs port 5090")]
    [InlineData("targetPort: grpc", "targetPort: grpcc", "targetPort 'grpcc'")]
    [InlineData("appProtocol: kubernetes.io/h2c", "appProtocol: http", "h2c")]
    [InlineData("minAvailable: 2", "minAvailable: 3", "minAvailable 3 of 3")]
    [InlineData("http://dispatch-grpc:5081", "http://dispatch-web:5081", "--server http://dispatch-web:5081")]
    [InlineData("mountPath: /var/run/dispatch-secrets", "mountPath: /var/run/secrets-of-dispatch", "SigningKeyPath is '/var/run/dispatch-secrets/token-signing-key'")]
    public async Task A_break_in_the_kubernetes_manifests_is_reported_naming_it(string original, string broken, string reported)
    {
        var texts = KubernetesTexts.ToList();
        Assert.Contains(texts, t => t.Contains(original, StringComparison.Ordinal));

        var problems = new KubernetesSite(texts.Select(t => t.Replace(original, broken, StringComparison.Ordinal)).Append(await GeneratedSecretAsync())).Problems();

        Assert.True(problems.Any(p => p.Contains(reported, StringComparison.Ordinal)), $"expected a problem saying '{reported}', got:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    [Theory]
    [InlineData("Dispatch:Silo:Membership", "Redis")]
    [InlineData("Dispatch:Silo:KubernetesHosting", "true")]
    [InlineData("Dispatch:Gateways:gw-1:Credential", "secret")]
    [InlineData("Dispatch:Security:SeedAccounts:chief:Roles", "admin")]
    [InlineData("Dispatch:Alerts:CooldownSeconds", "0")]
    [InlineData("Dispatch:Alerts:Kinds:Intrusion:Priority", "Low")]
    [InlineData("Dispatch:Eta:Road:Speeds:CarKmh:Primary", "50")]
    [InlineData("Dispatch:Metrics:ScrapeToken", "token")]
    [InlineData("Kestrel:Endpoints:Web:Url", "http://0.0.0.0:5080")]
    public void A_setting_the_host_reads_is_taken(string key, string value)
    {
        Assert.Null(HostSettings.Check(key, value));
    }

    [Theory]
    [InlineData("Dispatch:Silo:Membrship", "Redis")]
    [InlineData("Dispatch:Silo:SiloPort", "eleven")]
    [InlineData("Dispatch:Gateways:gw-1:Secret", "x")]
    [InlineData("Dispatch:Nowhere:Key", "x")]
    [InlineData("Kestrel:Endpoints:Https:Url", "https://0.0.0.0:443")]
    public void A_setting_the_host_does_not_read_is_refused_naming_the_key(string key, string value)
    {
        Assert.Contains(key, HostSettings.Check(key, value), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_the_host_reads_directly_is_read_by_its_source()
    {
        var sources = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "src", "Dispatch.Server"), "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();

        Assert.All(HostSettings.DirectKeys, key => Assert.Contains(sources, s => s.Contains($"configuration[\"{key}\"]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Make_secrets_writes_every_secret_once_and_the_same_value_wherever_it_is_used()
    {
        var directory = Path.Combine(await SiteDirectoryAsync(), "secrets");
        var before = Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
        await MakeSecretsAsync(directory);
        var after = Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
        string Secret(string name) => after[name].Trim();
        var env = after["dispatch.env"].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

        Assert.Equal(before, after);
        Assert.Equal(Secret("scrape-token"), env["Dispatch__Metrics__ScrapeToken"]);
        Assert.Equal(Secret("gateway-credential"), env["Dispatch__Gateways__gw-1__Credential"]);
        Assert.Equal($"DISPATCH_GATEWAY_CREDENTIAL={Secret("gateway-credential")}", after["gateway.env"].Trim());
        Assert.Contains($";Password={Secret("postgres-password")};", env["Dispatch__Storage__PostgreSqlConnectionString"], StringComparison.Ordinal);
        Assert.EndsWith($",password={Secret("redis-password")}", env["Dispatch__Silo__RedisConnectionString"], StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(Secret("token-signing-key")).Length >= 32);
        Assert.Contains($"token-signing-key: \"{Secret("token-signing-key")}\"", after["k8s-secret.yaml"], StringComparison.Ordinal);
        if (OperatingSystem.IsLinux())
        {
            // Readable by their owner only.
            foreach (var file in Directory.GetFiles(directory))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task Prometheus_configuration_of_the_compose_site_passes_promtool_check_config()
    {
        var (exitCode, output) = await Promtool.RunAsync(null, "check", "config", Path.Combine(Deploy, "prometheus", "prometheus-cluster.yml"));

        Assert.True(exitCode == 0, $"promtool check config failed ({exitCode}):\n{output}");
    }

    public void Dispose() => _site.Dispose();

    /// <summary>A copy of what compose.yaml reads beside it (prometheus/) with secrets/ as deploy/make-secrets.sh writes it.</summary>
    private async Task<string> SiteDirectoryAsync()
    {
        var prometheus = Directory.CreateDirectory(_site.File("prometheus")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Deploy, "prometheus")))
        {
            File.Copy(file, Path.Combine(prometheus, Path.GetFileName(file)), overwrite: true);
        }

        await MakeSecretsAsync(_site.File("secrets"));
        return _site.Path;
    }

    private async Task<string> GeneratedSecretAsync()
    {
        var directory = _site.File("secrets");
        await MakeSecretsAsync(directory);
        return await File.ReadAllTextAsync(Path.Combine(directory, "k8s-secret.yaml"), Token);
    }

    private static async Task MakeSecretsAsync(string directory)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Deploy, "make-secrets.sh"));
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Token);
        var errors = process.StandardError.ReadToEndAsync(Token);
        await process.WaitForExitAsync(Token);
        Assert.True(process.ExitCode == 0, $"make-secrets.sh exited {process.ExitCode}: {await output}{await errors}");
    }
}
