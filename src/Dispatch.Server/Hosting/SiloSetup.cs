using System.Net;
using Dispatch.Storage;
using Orleans.Configuration;

namespace Dispatch.Server.Hosting;

/// <summary>How silos find each other.</summary>
public enum SiloMembership
{
    /// <summary>One process, or a few on one machine pointed at the first (<see cref="SiloOptions.PrimarySiloPort"/>): the embedded default.</summary>
    Localhost = 0,

    /// <summary>Silos on any machines register in one Redis (Orleans' Redis membership table): the cluster.</summary>
    Redis = 1,
}

/// <summary>The co-hosted Orleans silo: embedded (localhost) by default, a member of a cluster when <see cref="Membership"/> is Redis.</summary>
public sealed class SiloOptions
{
    public const string SectionName = "Dispatch:Silo";

    public SiloMembership Membership { get; set; } = SiloMembership.Localhost;

    /// <summary>StackExchange.Redis configuration of the membership table (<c>host:port[,password=...]</c>); Redis membership only.</summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>The address other silos reach this one at (Redis membership); default: 127.0.0.1, for silos on one machine.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Redis membership: how long a silo that stopped answering probes is given before the others vote it dead and its
    /// grains move. Orleans waits 3 missed probes of this length; kept short so dispatch resumes within seconds of a crash.
    /// </summary>
    public int ProbeTimeoutSeconds { get; set; } = 2;

    public string ClusterId { get; set; } = "dispatch";

    public string ServiceId { get; set; } = "dispatch";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>Silo port of the cluster's first silo, for a second silo on the same machine; 0 when this silo is the first.</summary>
    public int PrimarySiloPort { get; set; }

    /// <summary>
    /// Running as a Kubernetes pod (Orleans' Kubernetes hosting): the silo is named after its pod, advertises the pod's
    /// IP and watches its cluster's pods, so a deleted pod's silo is known dead at once. Membership stays on Redis.
    /// </summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>What Orleans' Kubernetes hosting reads from the pod: the downward API's variables and the pod's service account.</summary>
    public static class PodEnvironment
    {
        public const string Name = "POD_NAME";
        public const string Namespace = "POD_NAMESPACE";
        public const string Ip = "POD_IP";
        public const string ApiHost = "KUBERNETES_SERVICE_HOST";
        public const string ApiPort = "KUBERNETES_SERVICE_PORT";
        public const string ServiceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    }

    /// <summary>The checks against this process's own environment and files.</summary>
    public IReadOnlyList<string> Validate() => Validate(Environment.GetEnvironmentVariable, File.Exists);

    /// <param name="environment">Reads an environment variable (the pod's, with <see cref="KubernetesHosting"/>).</param>
    /// <param name="fileExists">Whether a file exists (the pod's service account token).</param>
    public IReadOnlyList<string> Validate(Func<string, string?> environment, Func<string, bool> fileExists)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(fileExists);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add($"{SectionName}:ClusterId must not be empty");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            errors.Add($"{SectionName}:ServiceId must not be empty");
        }

        if (SiloPort is < IPEndPoint.MinPort + 1 or > IPEndPoint.MaxPort)
        {
            errors.Add($"{SectionName}:SiloPort must be within 1..65535, got {SiloPort}");
        }

        if (GatewayPort is < IPEndPoint.MinPort + 1 or > IPEndPoint.MaxPort)
        {
            errors.Add($"{SectionName}:GatewayPort must be within 1..65535, got {GatewayPort}");
        }

        if (SiloPort == GatewayPort)
        {
            errors.Add($"{SectionName}:GatewayPort must differ from SiloPort ({SiloPort})");
        }

        if (!Enum.IsDefined(Membership))
        {
            errors.Add($"{SectionName}:Membership must be {nameof(SiloMembership.Localhost)} or {nameof(SiloMembership.Redis)}, got '{Membership}'");
        }

        if (Membership == SiloMembership.Redis)
        {
            if (string.IsNullOrWhiteSpace(RedisConnectionString))
            {
                errors.Add($"{SectionName}:RedisConnectionString is required when {SectionName}:Membership is Redis (e.g. \"127.0.0.1:6379\")");
            }
            else if (!IsRedisConfiguration(RedisConnectionString))
            {
                errors.Add($"{SectionName}:RedisConnectionString is not a Redis configuration: '{RedisConnectionString}'");
            }

            if (!IPAddress.TryParse(AdvertisedAddress, out _))
            {
                errors.Add($"{SectionName}:AdvertisedAddress must be an IP address, got '{AdvertisedAddress}'");
            }

            if (PrimarySiloPort != 0)
            {
                errors.Add($"{SectionName}:PrimarySiloPort is for Localhost membership; with Redis membership silos find each other in Redis (got {PrimarySiloPort})");
            }
        }

        if (ProbeTimeoutSeconds is < 1 or > 60)
        {
            errors.Add($"{SectionName}:ProbeTimeoutSeconds must be within 1..60, got {ProbeTimeoutSeconds}");
        }

        if (KubernetesHosting)
        {
            errors.AddRange(ValidatePod(environment, fileExists));
        }

        return errors;
    }

    /// <summary>With <see cref="KubernetesHosting"/>: Redis membership, and a pod around the process (Orleans would fail later and less clearly).</summary>
    private List<string> ValidatePod(Func<string, string?> environment, Func<string, bool> fileExists)
    {
        var errors = new List<string>();
        if (Membership != SiloMembership.Redis)
        {
            errors.Add($"{SectionName}:KubernetesHosting needs {SectionName}:Membership Redis (got {Membership}): the pods of a Deployment find each other in Redis");
        }

        var missing = new[] { PodEnvironment.Name, PodEnvironment.Namespace, PodEnvironment.Ip, PodEnvironment.ApiHost, PodEnvironment.ApiPort }
            .Where(v => string.IsNullOrWhiteSpace(environment(v))).ToList();
        if (missing.Count > 0)
        {
            errors.Add($"{SectionName}:KubernetesHosting is on but the pod environment lacks {string.Join(", ", missing)} " +
                $"({PodEnvironment.Name}, {PodEnvironment.Namespace} and {PodEnvironment.Ip} from the downward API: metadata.name, metadata.namespace, status.podIP; " +
                $"{PodEnvironment.ApiHost} and {PodEnvironment.ApiPort} are set by Kubernetes in every pod; see deploy/k8s/dispatch.yaml)");
        }

        if (environment(PodEnvironment.Ip) is { Length: > 0 } ip && !IPAddress.TryParse(ip, out _))
        {
            errors.Add($"{SectionName}:KubernetesHosting: {PodEnvironment.Ip} must be an IP address, got '{ip}'");
        }

        if (!fileExists(PodEnvironment.ServiceAccountToken))
        {
            errors.Add($"{SectionName}:KubernetesHosting is on but there is no service account token at {PodEnvironment.ServiceAccountToken} " +
                "(the silo watches its cluster's pods through the Kubernetes API: give the pod the ServiceAccount and Role of deploy/k8s/rbac.yaml)");
        }

        return errors;
    }

    private static bool IsRedisConfiguration(string value)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(value).EndPoints.Count > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>
/// Grain state and the incident record (with its journal): one SQLite file in the embedded deployment, one PostgreSQL
/// database shared by every silo of a cluster. The host's own files (accounts, alert archive, webhook outbox) stay
/// beside <see cref="SqlitePath"/> either way.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Dispatch:Storage";

    public RelationalDialect Dialect { get; set; } = RelationalDialect.Sqlite;

    /// <summary>SQLite database file, relative to the content root unless absolute; its folder holds the host's own files.</summary>
    public string SqlitePath { get; set; } = "data/dispatch.db";

    /// <summary>Npgsql connection string (<c>Host=...;Database=...;Username=...</c>); PostgreSql dialect only.</summary>
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>Grain writes that arrive together share one SQLite commit (see RelationalStorageOptions.GroupCommit).</summary>
    public bool GroupCommit { get; set; } = true;

    public IReadOnlyList<string> Validate(SiloMembership membership)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Dialect))
        {
            errors.Add($"{SectionName}:Dialect must be {nameof(RelationalDialect.Sqlite)} or {nameof(RelationalDialect.PostgreSql)}, got '{Dialect}'");
        }

        if (Dialect == RelationalDialect.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(PostgreSqlConnectionString))
            {
                errors.Add($"{SectionName}:PostgreSqlConnectionString is required when {SectionName}:Dialect is PostgreSql (e.g. \"Host=127.0.0.1;Database=dispatch;Username=dispatch\")");
            }
            else
            {
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(PostgreSqlConnectionString);
                }
                catch (ArgumentException ex)
                {
                    errors.Add($"{SectionName}:PostgreSqlConnectionString is not a PostgreSQL connection string: {ex.Message}");
                }
            }
        }

        // Silos on other machines cannot share one SQLite file: a cluster keeps its record in PostgreSQL.
        if (membership == SiloMembership.Redis && Dialect != RelationalDialect.PostgreSql)
        {
            errors.Add($"{SectionName}:Dialect must be PostgreSql when {SiloOptions.SectionName}:Membership is Redis (got {Dialect})");
        }

        return errors;
    }
}

public static class SiloSetup
{
    public static WebApplicationBuilder AddDispatchSilo(this WebApplicationBuilder builder)
    {
        var silo = builder.Configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
        var siloErrors = silo.Validate();
        if (siloErrors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(
                SiloOptions.SectionName, typeof(SiloOptions), siloErrors);
        }

        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var storageErrors = storage.Validate(silo.Membership);
        if (storageErrors.Count > 0)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(
                StorageOptions.SectionName, typeof(StorageOptions), storageErrors);
        }

        var databasePath = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        var connectionString = storage.Dialect == RelationalDialect.PostgreSql
            ? storage.PostgreSqlConnectionString!
            : $"Data Source={databasePath}";

        builder.UseOrleans(siloBuilder =>
        {
            if (silo.Membership == SiloMembership.Redis)
            {
                siloBuilder.UseRedisClustering(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(silo.RedisConnectionString!));
                // In a pod the address others reach this silo at is the pod's own, which changes with every pod.
                var advertised = silo.KubernetesHosting
                    ? Environment.GetEnvironmentVariable(SiloOptions.PodEnvironment.Ip)!
                    : silo.AdvertisedAddress;
                siloBuilder.ConfigureEndpoints(IPAddress.Parse(advertised), silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
                if (silo.KubernetesHosting)
                {
                    siloBuilder.UseKubernetesHosting();
                }

                siloBuilder.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(silo.ProbeTimeoutSeconds);
                    o.NumMissedProbesLimit = 3;
                });
            }
            else
            {
                siloBuilder.UseLocalhostClustering(
                    silo.SiloPort,
                    silo.GatewayPort,
                    silo.PrimarySiloPort > 0 ? new IPEndPoint(IPAddress.Loopback, silo.PrimarySiloPort) : null,
                    serviceId: silo.ServiceId,
                    clusterId: silo.ClusterId);
            }

            siloBuilder.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = silo.ClusterId;
                o.ServiceId = silo.ServiceId;
            });
            siloBuilder.AddRelationalGrainStorageAsDefault(o =>
            {
                o.Dialect = storage.Dialect;
                o.ConnectionString = connectionString;
                o.GroupCommit = storage.GroupCommit;
            });

            // The incident record (incidents, journal, unit assignments, alert ledger, last positions) in the same
            // database, so (on SQLite) its commits share the group commit with grain state.
            siloBuilder.Services.AddRelationalIncidentStore(o =>
            {
                o.Dialect = storage.Dialect;
                o.ConnectionString = connectionString;
                o.GroupCommit = storage.GroupCommit;
            });
        });
        return builder;
    }
}
