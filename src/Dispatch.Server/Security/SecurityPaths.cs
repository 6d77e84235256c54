using Dispatch.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Security;

/// <summary>Where the security files live: beside the grain database unless configured (data/ for the demo).</summary>
public sealed class SecurityPaths
{
    public SecurityPaths(IConfiguration configuration, IHostEnvironment environment, IOptions<SecurityOptions> options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        DataDirectory = Path.GetDirectoryName(Path.GetFullPath(storage.SqlitePath, environment.ContentRootPath))!;
        StorePath = Resolve(options.Value.StorePath, "security.db", environment);
        SigningKeyPath = Resolve(options.Value.Tokens.SigningKeyPath, "token-signing.key", environment);
        DemoAccountsPath = Path.Combine(DataDirectory, DemoCredentials.FileName);
    }

    public string DataDirectory { get; }

    public string StorePath { get; }

    public string SigningKeyPath { get; }

    public string DemoAccountsPath { get; }

    private string Resolve(string configured, string defaultName, IHostEnvironment environment) =>
        string.IsNullOrWhiteSpace(configured) ? Path.Combine(DataDirectory, defaultName) : Path.GetFullPath(configured, environment.ContentRootPath);
}
