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

    public IReadOnlyList<string> Validate()
    {
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
                siloBuilder.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedAddress), silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
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
