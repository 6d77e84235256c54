using System.Globalization;
using Dispatch.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Deploy;

/// <summary>
/// deploy/k8s/*.yaml (and the Secret deploy/make-secrets.sh writes) read as one site: the host's Deployment with the
/// settings its pods get from the ConfigMap, the Secret and the downward API; its ports, probes and Services; the
/// gateway's Deployment. <see cref="Problems"/> lists every disagreement with the host's real settings.
/// </summary>
public sealed class KubernetesSite
{
    private readonly List<object?> _objects;

    /// <param name="manifests">The texts of the manifests, the generated Secret among them.</param>
    public KubernetesSite(IEnumerable<string> manifests)
    {
        _objects = [.. manifests.SelectMany(Yaml.Documents).Where(d => d is not null)];
    }

    public IEnumerable<string> HealthPaths => HostContainers
        .SelectMany(c => new[] { "startupProbe", "readinessProbe", "livenessProbe" }.Select(p => Yaml.Text(c, p + ".httpGet.path")))
        .OfType<string>().Distinct(StringComparer.Ordinal);

    private object? HostDeployment => Of("Deployment").FirstOrDefault(d => Containers(d).Any(IsHost));

    private IEnumerable<object?> HostContainers => Containers(HostDeployment).Where(IsHost);

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (HostDeployment is not { } deployment)
        {
            return ["no Deployment runs the Dispatch host image (dispatch:*)"];
        }

        var container = HostContainers.Single();
        var variables = Variables(container, out var unresolved);
        problems.AddRange(unresolved);
        foreach (var (name, value) in variables.Where(v => !PodVariables.Contains(v.Key)))
        {
            if (HostSettings.CheckVariable(name, value) is { } refusal)
            {
                problems.Add($"dispatch: {refusal}");
            }
        }

        var configuration = Configuration(variables);
        var silo = HostSettings.Bind<SiloOptions>(configuration, SiloOptions.SectionName, problems, "dispatch");
        var storage = HostSettings.Bind<StorageOptions>(configuration, StorageOptions.SectionName, problems, "dispatch");
        if (!silo.KubernetesHosting)
        {
            problems.Add($"dispatch: {SiloOptions.SectionName}:KubernetesHosting is not on");
        }

        // The pod as Kubernetes makes it: the variables it sets in every pod, the service account token when the pod has an account.
        var pod = new Dictionary<string, string>(variables, StringComparer.Ordinal)
        {
            [SiloOptions.PodEnvironment.ApiHost] = "10.96.0.1",
            [SiloOptions.PodEnvironment.ApiPort] = "443",
        };
        var serviceAccount = Yaml.Text(deployment, "spec.template.spec.serviceAccountName");
        foreach (var error in silo.Validate(v => pod.GetValueOrDefault(v), path => path == SiloOptions.PodEnvironment.ServiceAccountToken && serviceAccount is not null)
            .Concat(storage.Validate(silo.Membership)))
        {
            problems.Add($"dispatch: the host would refuse to start: {error}");
        }

        problems.AddRange(SecretFileProblems(deployment, container, configuration["Dispatch:Security:Tokens:SigningKeyPath"]));
        problems.AddRange(RbacProblems(serviceAccount));
        problems.AddRange(PortProblems(container, configuration, silo));
        problems.AddRange(ServiceProblems(deployment, container));
        problems.AddRange(DisruptionProblems(deployment));
        problems.AddRange(GatewayProblems(container));
        return problems;
    }

    /// <summary>What the downward API gives each pod (the values are examples of what Kubernetes puts there).</summary>
    private static readonly HashSet<string> PodVariables = new(StringComparer.Ordinal)
    {
        SiloOptions.PodEnvironment.Name, SiloOptions.PodEnvironment.Namespace, SiloOptions.PodEnvironment.Ip,
    };

    private static readonly Dictionary<string, string> DownwardApi = new(StringComparer.Ordinal)
    {
        ["metadata.name"] = "dispatch-7d9c5b6f4-x2kq9",
        ["metadata.namespace"] = "dispatch",
        ["status.podIP"] = "10.244.1.17",
    };

    /// <summary>The container's environment: envFrom ConfigMaps and Secrets, then env (values, secretKeyRef, fieldRef) over them.</summary>
    private Dictionary<string, string> Variables(object? container, out List<string> unresolved)
    {
        unresolved = [];
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in Yaml.List(container, "envFrom"))
        {
            if (Yaml.Text(source, "configMapRef.name") is { } configMap)
            {
                if (Named("ConfigMap", configMap) is { } found)
                {
                    foreach (var (key, value) in Yaml.Map(found, "data"))
                    {
                        variables[key] = value as string ?? "";
                    }
                }
                else
                {
                    unresolved.Add($"dispatch: envFrom names ConfigMap '{configMap}', which no manifest defines");
                }
            }
        }

        foreach (var entry in Yaml.List(container, "env"))
        {
            var name = Yaml.Text(entry, "name")!;
            if (Yaml.Text(entry, "value") is { } value)
            {
                variables[name] = value;
            }
            else if (Yaml.Text(entry, "valueFrom.secretKeyRef.name") is { } secret)
            {
                var key = Yaml.Text(entry, "valueFrom.secretKeyRef.key")!;
                if (SecretValue(secret, key) is { } secretValue)
                {
                    variables[name] = secretValue;
                }
                else
                {
                    unresolved.Add($"dispatch: {name} reads key '{key}' of Secret '{secret}', which is not there");
                }
            }
            else if (Yaml.Text(entry, "valueFrom.fieldRef.fieldPath") is { } field)
            {
                if (DownwardApi.TryGetValue(field, out var fieldValue))
                {
                    variables[name] = fieldValue;
                }
                else
                {
                    unresolved.Add($"dispatch: {name} reads {field}, not a field this check knows");
                }
            }
        }

        return variables;
    }

    /// <summary>The token signing key file the settings name is a key of a Secret mounted into the container.</summary>
    private IEnumerable<string> SecretFileProblems(object? deployment, object? container, string? signingKeyPath)
    {
        var volumes = Yaml.List(deployment, "spec.template.spec.volumes");
        var files = new List<string>();
        foreach (var mount in Yaml.List(container, "volumeMounts"))
        {
            var volume = volumes.FirstOrDefault(v => Yaml.Text(v, "name") == Yaml.Text(mount, "name"));
            if (volume is null)
            {
                yield return $"dispatch: volume mount '{Yaml.Text(mount, "name")}' names no volume of the pod";
                continue;
            }

            if (Yaml.Text(volume, "secret.secretName") is not { } secret)
            {
                continue;
            }

            foreach (var item in Yaml.List(volume, "secret.items"))
            {
                var key = Yaml.Text(item, "key") ?? "";
                if (SecretValue(secret, key) is null)
                {
                    yield return $"dispatch: volume '{Yaml.Text(volume, "name")}' mounts key '{key}' of Secret '{secret}', which is not there";
                }

                files.Add($"{Yaml.Text(mount, "mountPath")!.TrimEnd('/')}/{Yaml.Text(item, "path") ?? key}");
            }
        }

        if (signingKeyPath is null || !files.Contains(signingKeyPath))
        {
            yield return $"dispatch: Dispatch__Security__Tokens__SigningKeyPath is '{signingKeyPath}', which no mounted Secret provides (every pod must sign with one key)";
        }
    }

    private IEnumerable<string> RbacProblems(string? serviceAccount)
    {
        if (serviceAccount is null || Named("ServiceAccount", serviceAccount) is null)
        {
            yield return $"dispatch: the pods' ServiceAccount '{serviceAccount}' is not defined";
            yield break;
        }

        var binding = Of("RoleBinding").FirstOrDefault(b => Yaml.List(b, "subjects").Any(s => Yaml.Text(s, "kind") == "ServiceAccount" && Yaml.Text(s, "name") == serviceAccount));
        var role = binding is null ? null : Named("Role", Yaml.Text(binding, "roleRef.name") ?? "");
        var verbs = Yaml.List(role, "rules").Where(r => Yaml.List(r, "resources").Contains("pods")).SelectMany(r => Yaml.List(r, "verbs")).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var needed = new[] { "get", "list", "watch", "patch" };
        if (!needed.All(verbs.Contains))
        {
            yield return $"dispatch: ServiceAccount '{serviceAccount}' may not {string.Join(", ", needed.Where(v => !verbs.Contains(v)))} pods (Kubernetes hosting watches and labels them)";
        }
    }

    private static IEnumerable<string> PortProblems(object? container, IConfiguration configuration, SiloOptions silo)
    {
        var declared = Yaml.List(container, "ports").ToDictionary(p => Yaml.Text(p, "name") ?? "", p => ParsePort(Yaml.Text(p, "containerPort")), StringComparer.Ordinal);
        var expected = new Dictionary<string, int?>(StringComparer.Ordinal)
        {
            ["web"] = UrlPort(configuration["Kestrel:Endpoints:Web:Url"]),
            ["grpc"] = UrlPort(configuration["Kestrel:Endpoints:Grpc:Url"]),
            ["silo"] = silo.SiloPort,
            ["silo-gateway"] = silo.GatewayPort,
        };
        foreach (var (name, port) in expected)
        {
            if (!declared.TryGetValue(name, out var actual) || actual != port)
            {
                yield return $"dispatch: container port '{name}' is {(declared.TryGetValue(name, out var a) ? a.ToString(CultureInfo.InvariantCulture) : "not declared")}, the settings say {port}";
            }
        }

        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            var port = Yaml.Text(container, probe + ".httpGet.port");
            if (port is null)
            {
                yield return $"dispatch: no {probe} GETs the host";
            }
            else if (port != "web" && ParsePort(port) != expected["web"])
            {
                yield return $"dispatch: {probe} GETs port {port}, not the web port ({expected["web"]})";
            }
        }
    }

    private IEnumerable<string> ServiceProblems(object? deployment, object? container)
    {
        var labels = Yaml.Map(deployment, "spec.template.metadata.labels");
        var ports = Yaml.List(container, "ports").Select(p => Yaml.Text(p, "name")).ToHashSet(StringComparer.Ordinal);
        var services = Of("Service").Where(s => Selects(Yaml.Map(s, "spec.selector"), labels)).ToList();
        foreach (var needed in new[] { "web", "grpc" })
        {
            if (!services.Any(s => Yaml.List(s, "spec.ports").Any(p => Yaml.Text(p, "targetPort") == needed)))
            {
                yield return $"dispatch: no Service selecting the host's pods forwards to its '{needed}' port";
            }
        }

        foreach (var service in services)
        {
            foreach (var port in Yaml.List(service, "spec.ports"))
            {
                if (Yaml.Text(port, "targetPort") is { } target && !ports.Contains(target))
                {
                    yield return $"Service {Yaml.Text(service, "metadata.name")}: targetPort '{target}' is not a port of the host's container";
                }

                if (Yaml.Text(port, "targetPort") == "grpc" && Yaml.Text(port, "appProtocol") != "kubernetes.io/h2c")
                {
                    yield return $"Service {Yaml.Text(service, "metadata.name")}: gRPC without TLS needs appProtocol kubernetes.io/h2c (HTTP/2)";
                }
            }
        }
    }

    private IEnumerable<string> DisruptionProblems(object? deployment)
    {
        var labels = Yaml.Map(deployment, "spec.template.metadata.labels");
        var budget = Of("PodDisruptionBudget").FirstOrDefault(b => Selects(Yaml.Map(b, "spec.selector.matchLabels"), labels));
        if (budget is null)
        {
            yield return "dispatch: no PodDisruptionBudget selects the host's pods";
            yield break;
        }

        var replicas = ParsePort(Yaml.Text(deployment, "spec.replicas") ?? "1");
        var minAvailable = Yaml.Text(budget, "spec.minAvailable") is { } min ? ParsePort(min) : 0;
        if (minAvailable < replicas / 2 + 1 || minAvailable >= replicas)
        {
            yield return $"PodDisruptionBudget {Yaml.Text(budget, "metadata.name")}: minAvailable {minAvailable} of {replicas} replicas should keep a majority and still let one pod go";
        }
    }

    private IEnumerable<string> GatewayProblems(object? hostContainer)
    {
        var gateway = Of("Deployment").SelectMany(Containers).FirstOrDefault(c => Yaml.Text(c, "image")?.StartsWith("dispatch-gateway:", StringComparison.Ordinal) == true);
        if (gateway is null)
        {
            yield return "no Deployment runs the camera gateway (image dispatch-gateway:*)";
            yield break;
        }

        var args = Yaml.List(gateway, "args").OfType<string>().ToList();
        var at = args.IndexOf("--server");
        var servers = at >= 0 && at + 1 < args.Count ? args[at + 1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];
        var grpcPort = Yaml.List(hostContainer, "ports").Where(p => Yaml.Text(p, "name") == "grpc").Select(p => Yaml.Text(p, "containerPort")).FirstOrDefault();
        foreach (var server in servers.DefaultIfEmpty("(none)"))
        {
            var uri = Uri.TryCreate(server, UriKind.Absolute, out var u) ? u : null;
            var service = uri is null ? null : Named("Service", uri.Host);
            var forwards = Yaml.List(service, "spec.ports").Any(p => ParsePort(Yaml.Text(p, "port")) == uri!.Port && Yaml.Text(p, "targetPort") is { } t && (t == "grpc" || t == grpcPort));
            if (!forwards)
            {
                yield return $"dispatch-gateway: --server {server} is not a Service port forwarding to the hosts' gRPC port";
            }
        }

        var credential = Yaml.List(gateway, "env").FirstOrDefault(e => Yaml.Text(e, "name") == "DISPATCH_GATEWAY_CREDENTIAL");
        var gatewayId = args.IndexOf("--gateway-id") is var i and >= 0 && i + 1 < args.Count ? args[i + 1] : "gw-1";
        var held = Yaml.List(hostContainer, "env").FirstOrDefault(e => Yaml.Text(e, "name") == $"Dispatch__Gateways__{gatewayId}__Credential");
        if (credential is null || held is null
            || Yaml.Text(credential, "valueFrom.secretKeyRef.key") != Yaml.Text(held, "valueFrom.secretKeyRef.key")
            || SecretValue(Yaml.Text(credential, "valueFrom.secretKeyRef.name") ?? "", Yaml.Text(credential, "valueFrom.secretKeyRef.key") ?? "") is null)
        {
            yield return $"dispatch-gateway: its DISPATCH_GATEWAY_CREDENTIAL is not the secret the hosts hold as Dispatch__Gateways__{gatewayId}__Credential";
        }
    }

    private string? SecretValue(string secret, string key)
    {
        var found = Named("Secret", secret);
        return Yaml.Map(found, "stringData").GetValueOrDefault(key) as string
            ?? (Yaml.Map(found, "data").GetValueOrDefault(key) is string encoded ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded)) : null);
    }

    private IEnumerable<object?> Of(string kind) => _objects.Where(o => Yaml.Text(o, "kind") == kind);

    private object? Named(string kind, string name) => Of(kind).FirstOrDefault(o => Yaml.Text(o, "metadata.name") == name);

    private static IEnumerable<object?> Containers(object? deployment) => Yaml.List(deployment, "spec.template.spec.containers");

    private static bool IsHost(object? container) => Yaml.Text(container, "image")?.StartsWith("dispatch:", StringComparison.Ordinal) == true;

    private static bool Selects(IReadOnlyDictionary<string, object?> selector, IReadOnlyDictionary<string, object?> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var v) && Equals(v, s.Value));

    private static IConfiguration Configuration(Dictionary<string, string> variables) => new ConfigurationBuilder()
        .AddInMemoryCollection(variables.Select(v => new KeyValuePair<string, string?>(v.Key.Replace("__", ":", StringComparison.Ordinal), v.Value)))
        .Build();

    private static int? UrlPort(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Port : null;

    private static int ParsePort(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) ? port : -1;
}
