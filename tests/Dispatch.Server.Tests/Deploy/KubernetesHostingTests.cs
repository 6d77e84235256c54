using System.Diagnostics;
using Dispatch.Server.Hosting;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.Deploy;

/// <summary>
/// Dispatch:Silo:KubernetesHosting: outside a pod the real host refuses to start naming the key and what the pod
/// environment lacks (rather than failing later inside Orleans' Kubernetes client); inside one it needs nothing more.
/// </summary>
public sealed class KubernetesHostingTests
{
    private static readonly Dictionary<string, string> Pod = new(StringComparer.Ordinal)
    {
        [SiloOptions.PodEnvironment.Name] = "dispatch-7d9c5b6f4-x2kq9",
        [SiloOptions.PodEnvironment.Namespace] = "dispatch",
        [SiloOptions.PodEnvironment.Ip] = "10.244.1.17",
        [SiloOptions.PodEnvironment.ApiHost] = "10.96.0.1",
        [SiloOptions.PodEnvironment.ApiPort] = "443",
    };

    [Fact]
    public async Task Outside_a_pod_the_host_refuses_to_start_naming_the_key_and_the_missing_pod_environment()
    {
        var (exitCode, stderr) = await RunClusterHostAsync(new Dictionary<string, string>());

        Assert.Equal(2, exitCode);
        Assert.Contains("Dispatch cannot start", stderr, StringComparison.Ordinal);
        Assert.Contains("Dispatch:Silo:KubernetesHosting is on but the pod environment lacks POD_NAME, POD_NAMESPACE, POD_IP, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT", stderr, StringComparison.Ordinal);
        Assert.Contains("no service account token at /var/run/secrets/kubernetes.io/serviceaccount/token", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_ip_that_is_not_an_address_stops_the_host_naming_it()
    {
        var (exitCode, stderr) = await RunClusterHostAsync(new Dictionary<string, string>(Pod) { [SiloOptions.PodEnvironment.Ip] = "pod-ip" });

        Assert.Equal(2, exitCode);
        Assert.Contains("Dispatch:Silo:KubernetesHosting: POD_IP must be an IP address, got 'pod-ip'", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("lacks", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void In_a_pod_with_its_service_account_and_redis_membership_nothing_is_refused()
    {
        var silo = new SiloOptions { Membership = SiloMembership.Redis, RedisConnectionString = "redis:6379", KubernetesHosting = true };

        Assert.Empty(silo.Validate(v => Pod.GetValueOrDefault(v), path => path == SiloOptions.PodEnvironment.ServiceAccountToken));
    }

    [Fact]
    public void Kubernetes_hosting_without_redis_membership_is_refused_naming_both_keys()
    {
        var silo = new SiloOptions { KubernetesHosting = true };

        var errors = silo.Validate(v => Pod.GetValueOrDefault(v), _ => true);

        Assert.Equal(["Dispatch:Silo:KubernetesHosting needs Dispatch:Silo:Membership Redis (got Localhost): the pods of a Deployment find each other in Redis"], errors);
    }

    /// <summary>The built host as a cluster member with Kubernetes hosting on, in <paramref name="environment"/> (no POD_* or KUBERNETES_* from the test's own).</summary>
    private static async Task<(int ExitCode, string Stderr)> RunClusterHostAsync(Dictionary<string, string> environment)
    {
        using var directory = new TempDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory.Path,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var name in Pod.Keys)
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(RepositoryPaths.BuiltAssembly("Dispatch.Server"));
        var settings = LoopbackHostSettings.Create(TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(), TestPorts.GetFreeTcpPort(),
            LoopbackHostSettings.NewClusterId("k8s"), directory.File("dispatch.db"), null);
        settings["Dispatch:Silo:Membership"] = "Redis";
        settings["Dispatch:Silo:RedisConnectionString"] = "127.0.0.1:1";
        settings["Dispatch:Storage:Dialect"] = "PostgreSql";
        settings["Dispatch:Storage:PostgreSqlConnectionString"] = "Host=127.0.0.1;Port=1;Database=dispatch;Username=dispatch";
        settings["Dispatch:Silo:KubernetesHosting"] = "true";
        foreach (var (key, value) in settings.Where(s => s.Value is not null))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not stop within 60 s:{Environment.NewLine}{await stdout}");
        }

        return (process.ExitCode, await stderr);
    }
}
