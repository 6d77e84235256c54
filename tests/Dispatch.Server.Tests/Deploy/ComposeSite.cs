using System.Globalization;
using Dispatch.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Deploy;

/// <summary>
/// deploy/compose.yaml read as a site: its Dispatch hosts with the settings each gets (its environment plus its env
/// files), what each publishes and probes, and what the gateway and Prometheus are pointed at. <see cref="Problems"/>
/// lists every disagreement with the host's real settings, each naming the service and the value.
/// </summary>
public sealed class ComposeSite
{
    private readonly object? _root;
    private readonly string _deployDirectory;

    /// <param name="text">The compose file's text.</param>
    /// <param name="deployDirectory">The folder the compose file's relative paths start from, holding secrets/ as deploy/make-secrets.sh writes it.</param>
    public ComposeSite(string text, string deployDirectory)
    {
        _root = Yaml.Document(text);
        _deployDirectory = deployDirectory;
        Hosts = [.. Yaml.Map(_root, "services").Where(s => Yaml.Text(s.Value, "image")?.StartsWith("dispatch:", StringComparison.Ordinal) == true)
            .Select(s => new ComposeHost(s.Key, s.Value, Settings(s.Value)))];
    }

    /// <summary>The services that run the Dispatch host image.</summary>
    public IReadOnlyList<ComposeHost> Hosts { get; }

    /// <summary>The paths the healthchecks GET on the hosts.</summary>
    public IEnumerable<string> HealthPaths => Hosts.Select(h => h.HealthCheckUrl).OfType<Uri>().Select(u => u.AbsolutePath).Distinct(StringComparer.Ordinal);

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Hosts.Count != 3)
        {
            problems.Add($"expected three Dispatch hosts (services of image dispatch:*), found {Hosts.Count}: {string.Join(", ", Hosts.Select(h => h.Service))}");
        }

        foreach (var host in Hosts)
        {
            problems.AddRange(SettingProblems(host));
            problems.AddRange(PortProblems(host));
        }

        problems.AddRange(SharedPortProblems());
        problems.AddRange(SecretProblems());
        problems.AddRange(GatewayProblems());
        problems.AddRange(PrometheusProblems());
        return problems;
    }

    private static IEnumerable<string> SettingProblems(ComposeHost host)
    {
        foreach (var (name, value) in host.Variables)
        {
            if (HostSettings.CheckVariable(name, value) is { } refusal)
            {
                yield return $"{host.Service}: {refusal}";
            }
        }

        // What the host itself refuses at start (Redis without a connection string, SQLite in a cluster, ...).
        var configuration = host.Configuration();
        var unconvertible = new List<string>();
        var silo = HostSettings.Bind<SiloOptions>(configuration, SiloOptions.SectionName, unconvertible, host.Service);
        var storage = HostSettings.Bind<StorageOptions>(configuration, StorageOptions.SectionName, unconvertible, host.Service);
        foreach (var problem in unconvertible)
        {
            yield return problem;
        }

        foreach (var error in silo.Validate(_ => null, _ => false).Concat(storage.Validate(silo.Membership)))
        {
            yield return $"{host.Service}: the host would refuse to start: {error}";
        }

        if (silo.Membership != SiloMembership.Redis)
        {
            yield return $"{host.Service}: {SiloOptions.SectionName}:Membership is {silo.Membership}, not Redis: the hosts would not form one cluster";
        }
    }

    private static IEnumerable<string> PortProblems(ComposeHost host)
    {
        var published = host.PublishedContainerPorts.ToHashSet();
        foreach (var (what, port) in new[] { ("Kestrel__Endpoints__Web__Url", host.WebPort), ("Kestrel__Endpoints__Grpc__Url", host.GrpcPort) })
        {
            if (port is null)
            {
                yield return $"{host.Service}: {what} is not set to a URL";
            }
            else if (!published.Contains(port.Value))
            {
                yield return $"{host.Service}: {what} listens on {port} but ports publishes {string.Join(", ", published)}";
            }
        }

        var silo = HostSettings.Bind<SiloOptions>(host.Configuration(), SiloOptions.SectionName, new List<string>(), host.Service);
        var exposed = host.ExposedPorts.ToHashSet();
        foreach (var (what, port) in new[] { ("SiloPort", silo.SiloPort), ("GatewayPort", silo.GatewayPort) })
        {
            if (!exposed.Contains(port) && !published.Contains(port))
            {
                yield return $"{host.Service}: Dispatch__Silo__{what} is {port} but the service neither exposes nor publishes it ({string.Join(", ", exposed)})";
            }
        }

        if (host.HealthCheckUrl is not { } health)
        {
            yield return $"{host.Service}: no healthcheck GETs the host";
        }
        else if (health.Port != host.WebPort)
        {
            yield return $"{host.Service}: the healthcheck GETs port {health.Port} but the web endpoint listens on {host.WebPort}";
        }

        if (host.NetworkAddress is { } address && address != silo.AdvertisedAddress)
        {
            yield return $"{host.Service}: Dispatch__Silo__AdvertisedAddress is {silo.AdvertisedAddress} but the service's address on its network is {address}";
        }
    }

    /// <summary>Each host its own ports, so all three can be published on one machine as ./dispatch.sh cluster does.</summary>
    private IEnumerable<string> SharedPortProblems()
    {
        var owners = Hosts.SelectMany(h => h.PublishedHostPorts.Select(p => (Port: p, h.Service)))
            .GroupBy(p => p.Port).Where(g => g.Count() > 1);
        foreach (var shared in owners)
        {
            yield return $"port {shared.Key} is published by {string.Join(" and ", shared.Select(s => s.Service))}";
        }
    }

    private IEnumerable<string> SecretProblems()
    {
        var declared = Yaml.Map(_root, "secrets");
        foreach (var (name, secret) in declared)
        {
            var file = Yaml.Text(secret, "file");
            if (file is null)
            {
                yield return $"secret {name} names no file";
            }
            else if (!File.Exists(Path.Combine(_deployDirectory, file)) || new FileInfo(Path.Combine(_deployDirectory, file)).Length == 0)
            {
                yield return $"secret {name}: {file} is missing or empty after deploy/make-secrets.sh";
            }
        }

        foreach (var (service, definition) in Yaml.Map(_root, "services"))
        {
            foreach (var used in Yaml.List(definition, "secrets"))
            {
                var source = used as string ?? Yaml.Text(used, "source");
                if (source is null || !declared.ContainsKey(source))
                {
                    yield return $"{service}: secret '{source}' is not declared under secrets";
                }
            }

            foreach (var envFile in EnvFiles(definition))
            {
                if (!File.Exists(Path.Combine(_deployDirectory, envFile)))
                {
                    yield return $"{service}: env_file {envFile} is missing after deploy/make-secrets.sh";
                }
            }

            foreach (var (name, value) in EnvironmentOf(definition))
            {
                if (name.EndsWith("_FILE", StringComparison.Ordinal) && value.StartsWith("/run/secrets/", StringComparison.Ordinal) && !Mounts(definition, value))
                {
                    yield return $"{service}: {name} reads {value}, but no secret is mounted there";
                }
            }
        }

        foreach (var host in Hosts)
        {
            var keyPath = host.Configuration()["Dispatch:Security:Tokens:SigningKeyPath"];
            if (keyPath is null || !Mounts(Yaml.At(_root, "services." + host.Service), keyPath))
            {
                yield return $"{host.Service}: Dispatch__Security__Tokens__SigningKeyPath is '{keyPath}', which no secret of the service provides (every host must sign with one key)";
            }
        }
    }

    private IEnumerable<string> GatewayProblems()
    {
        var gateways = Yaml.Map(_root, "services").Where(s => Yaml.Text(s.Value, "image")?.StartsWith("dispatch-gateway:", StringComparison.Ordinal) == true).ToList();
        if (gateways.Count == 0)
        {
            yield return "no camera gateway service (image dispatch-gateway:*)";
            yield break;
        }

        var expected = Hosts.Where(h => h.GrpcPort is not null).Select(h => $"http://{h.Service}:{h.GrpcPort}").ToHashSet(StringComparer.Ordinal);
        foreach (var (service, definition) in gateways)
        {
            var command = Yaml.List(definition, "command").Select(c => (string)c).ToList();
            var servers = Argument(command, "--server")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
            if (!servers.ToHashSet(StringComparer.Ordinal).SetEquals(expected))
            {
                yield return $"{service}: --server is '{string.Join(",", servers)}', expected every host's gRPC port: {string.Join(",", expected.Order(StringComparer.Ordinal))}";
            }

            var gatewayId = Argument(command, "--gateway-id") ?? "gw-1";
            var credential = EnvFiles(definition).SelectMany(f => ReadEnvFile(Path.Combine(_deployDirectory, f)))
                .FirstOrDefault(v => v.Key == "DISPATCH_GATEWAY_CREDENTIAL").Value;
            foreach (var host in Hosts)
            {
                var registered = host.Configuration()[$"Dispatch:Gateways:{gatewayId}:Credential"];
                if (registered is null || registered != credential)
                {
                    yield return $"{service}: gateway '{gatewayId}' presents a credential {host.Service} does not hold (Dispatch__Gateways__{gatewayId}__Credential)";
                }
            }
        }
    }

    private IEnumerable<string> PrometheusProblems()
    {
        var prometheus = Yaml.At(_root, "services.prometheus");
        var configFile = Yaml.List(prometheus, "volumes").OfType<string>()
            .Select(v => v.Split(':')).FirstOrDefault(v => v.Length >= 2 && v[1].EndsWith(".yml", StringComparison.Ordinal) && v[0].Contains("prometheus-", StringComparison.Ordinal));
        if (configFile is null)
        {
            yield return "prometheus: no configuration file mounted";
            yield break;
        }

        var config = Yaml.Document(File.ReadAllText(Path.Combine(_deployDirectory, configFile[0])));
        var job = Yaml.List(config, "scrape_configs").FirstOrDefault(j => Yaml.Text(j, "job_name") == "dispatch");
        var targets = Yaml.List(job, "static_configs").SelectMany(s => Yaml.List(s, "targets")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var expected = Hosts.Select(h => $"{h.Service}:{h.WebPort}").ToHashSet(StringComparer.Ordinal);
        if (!targets.SetEquals(expected))
        {
            yield return $"prometheus: scrapes {string.Join(", ", targets)}, expected every host's web port: {string.Join(", ", expected)}";
        }

        // A relative credentials_file is read beside the configuration file.
        var credentials = Yaml.Text(job, "authorization.credentials_file");
        if (credentials is not null && !credentials.StartsWith('/'))
        {
            credentials = $"{Path.GetDirectoryName(configFile[1])}/{credentials}";
        }

        if (credentials is null || !Mounts(prometheus, credentials))
        {
            yield return $"prometheus: the scrape token file '{credentials}' is not a secret mounted into the service";
        }
    }

    private Dictionary<string, string> Settings(object? service)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var envFile in EnvFiles(service))
        {
            foreach (var (key, value) in ReadEnvFile(Path.Combine(_deployDirectory, envFile)))
            {
                variables[key] = value;
            }
        }

        // The service's own environment wins over its env files, as in Compose.
        foreach (var (key, value) in EnvironmentOf(service))
        {
            variables[key] = value;
        }

        return variables;
    }

    private static IEnumerable<string> EnvFiles(object? service) => Yaml.At(service, "env_file") switch
    {
        string one => [one],
        List<object> many => many.Select(f => f as string ?? Yaml.Text(f, "path")!),
        _ => [],
    };

    private static IEnumerable<KeyValuePair<string, string>> EnvironmentOf(object? service) => Yaml.At(service, "environment") switch
    {
        Dictionary<object, object> map => map.Select(p => new KeyValuePair<string, string>((string)p.Key, p.Value as string ?? "")),
        List<object> list => list.OfType<string>().Select(e => e.Split('=', 2)).Select(e => new KeyValuePair<string, string>(e[0], e.ElementAtOrDefault(1) ?? "")),
        _ => [],
    };

    /// <summary>Whether one of the service's secrets is mounted at <paramref name="path"/> (a short-syntax secret lands in /run/secrets/NAME).</summary>
    private static bool Mounts(object? service, string path) => Yaml.List(service, "secrets").Any(s =>
        (s as string ?? Yaml.Text(s, "source")) is { } source
        && (Yaml.Text(s, "target") ?? source) is { } target
        && (target.StartsWith('/') ? target : "/run/secrets/" + target) == path);

    private static string? Argument(List<string> command, string name)
    {
        var at = command.IndexOf(name);
        return at >= 0 && at + 1 < command.Count ? command[at + 1] : null;
    }

    private static IEnumerable<KeyValuePair<string, string>> ReadEnvFile(string path) => !File.Exists(path) ? [] : File.ReadAllLines(path)
        .Where(l => l.Length > 0 && l[0] != '#' && l.Contains('=', StringComparison.Ordinal))
        .Select(l => l.Split('=', 2))
        .Select(p => new KeyValuePair<string, string>(p[0], p[1]));
}

/// <summary>One service running the Dispatch host: its environment variables (env files included) and what it publishes and probes.</summary>
public sealed class ComposeHost(string service, object? definition, IReadOnlyDictionary<string, string> variables)
{
    public string Service { get; } = service;

    public IReadOnlyDictionary<string, string> Variables { get; } = variables;

    public int? WebPort => Port("Kestrel__Endpoints__Web__Url");

    public int? GrpcPort => Port("Kestrel__Endpoints__Grpc__Url");

    /// <summary>The container side of each "host:container" of ports.</summary>
    public IEnumerable<int> PublishedContainerPorts => Yaml.List(definition, "ports").OfType<string>().Select(p => ParsePort(p.Split(':')[^1]));

    public IEnumerable<int> PublishedHostPorts => Yaml.List(definition, "ports").OfType<string>().Select(p => ParsePort(p.Split(':')[0]));

    public IEnumerable<int> ExposedPorts => Yaml.List(definition, "expose").OfType<string>().Select(ParsePort);

    /// <summary>The URL the healthcheck's command GETs.</summary>
    public Uri? HealthCheckUrl => Yaml.List(definition, "healthcheck.test").OfType<string>()
        .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttp ? u : null).FirstOrDefault(u => u is not null);

    /// <summary>The fixed IPv4 address on the service's network, when it has one.</summary>
    public string? NetworkAddress => Yaml.Map(definition, "networks").Values.Select(n => Yaml.Text(n, "ipv4_address")).FirstOrDefault(a => a is not null);

    /// <summary>The host's configuration as it would read these variables ("__" is ':').</summary>
    public IConfiguration Configuration() => new ConfigurationBuilder()
        .AddInMemoryCollection(Variables.Select(v => new KeyValuePair<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value)))
        .Build();

    private int? Port(string variable) =>
        Variables.TryGetValue(variable, out var url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Port : null;

    private static int ParsePort(string text) => int.Parse(text.Split('/')[0], CultureInfo.InvariantCulture);
}
