using System.Net;
using Dispatch.Storage;
using Orleans.Configuration;

namespace Dispatch.Server.Hosting;

/// <summary>The co-hosted Orleans silo of the embedded (single-process) deployment.</summary>
public sealed class SiloOptions
{
    public const string SectionName = "Dispatch:Silo";

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

        return errors;
    }
}

/// <summary>Grain state and the incident record (with its journal): one SQLite file in the embedded deployment.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Dispatch:Storage";

    /// <summary>SQLite database file, relative to the content root unless absolute.</summary>
    public string SqlitePath { get; set; } = "data/dispatch.db";

    /// <summary>Grain writes that arrive together share one SQLite commit (see RelationalStorageOptions.GroupCommit).</summary>
    public bool GroupCommit { get; set; } = true;
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
        var databasePath = Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);

        builder.UseOrleans(siloBuilder =>
        {
            siloBuilder.UseLocalhostClustering(
                silo.SiloPort,
                silo.GatewayPort,
                silo.PrimarySiloPort > 0 ? new IPEndPoint(IPAddress.Loopback, silo.PrimarySiloPort) : null,
                serviceId: silo.ServiceId,
                clusterId: silo.ClusterId);
            siloBuilder.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = silo.ClusterId;
                o.ServiceId = silo.ServiceId;
            });
            siloBuilder.AddRelationalGrainStorageAsDefault(o =>
            {
                o.Dialect = Dispatch.Storage.RelationalDialect.Sqlite;
                o.ConnectionString = $"Data Source={databasePath}";
                o.GroupCommit = storage.GroupCommit;
            });

            // The incident record (incidents, journal, unit assignments, alert ledger, last positions) in the same file,
            // so its commits share the group commit with grain state.
            siloBuilder.Services.AddRelationalIncidentStore(o =>
            {
                o.Dialect = Dispatch.Storage.RelationalDialect.Sqlite;
                o.ConnectionString = $"Data Source={databasePath}";
                o.GroupCommit = storage.GroupCommit;
            });
        });
        return builder;
    }
}
