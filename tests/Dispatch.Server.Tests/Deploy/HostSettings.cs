using System.Reflection;
using System.Text.Json.Nodes;
using Dispatch.Server.Cameras;
using Dispatch.Testing;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Deploy;

/// <summary>
/// Whether a configuration key (with its value) means something to the host: it binds, with the binder's
/// <c>ErrorOnUnknownConfiguration</c>, into the options class the host binds its section into, and its value converts
/// to the property's type. The options classes are found by reflection (every class with a <c>SectionName</c>
/// constant), so a new setting needs no change here.
/// </summary>
public static class HostSettings
{
    /// <summary>Keys the host reads from the configuration directly rather than through an options class.</summary>
    public static readonly IReadOnlyList<string> DirectKeys = ["Dispatch:Metrics:ScrapeToken"];

    /// <summary>Environment variables the host reads that are not configuration keys of its own.</summary>
    private static readonly HashSet<string> HostingVariables = new(StringComparer.Ordinal) { "ASPNETCORE_ENVIRONMENT" };

    private static readonly Lazy<IReadOnlyList<(string Section, Type Type)>> Sections = new(FindSections);

    private static readonly Lazy<IReadOnlyList<string>> KestrelEndpoints = new(() =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "src", "Dispatch.Server", "appsettings.json")))!
            ["Kestrel"]!["Endpoints"]!.AsObject().Select(e => e.Key)]);

    /// <summary>Null when the environment variable <paramref name="name"/> with <paramref name="value"/> is a setting the host takes; else why not.</summary>
    public static string? CheckVariable(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (HostingVariables.Contains(name))
        {
            return null;
        }

        // The environment configuration source reads "__" as the section separator ':'.
        return name.Contains("__", StringComparison.Ordinal)
            ? Check(name.Replace("__", ":", StringComparison.Ordinal), value)
            : $"{name}: not a configuration key of the host (sections are separated by '__')";
    }

    /// <summary>Null when configuration key <paramref name="key"/> with <paramref name="value"/> is a setting the host takes; else why not.</summary>
    public static string? Check(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (DirectKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var parts = key.Split(':');
        if (parts[0].Equals("Kestrel", StringComparison.OrdinalIgnoreCase))
        {
            return parts is [_, "Endpoints", var endpoint, "Url" or "Protocols"] && KestrelEndpoints.Value.Contains(endpoint, StringComparer.OrdinalIgnoreCase)
                ? null
                : $"{key}: not a Kestrel endpoint setting of the host (endpoints: {string.Join(", ", KestrelEndpoints.Value)}; settings: Url, Protocols)";
        }

        // The most specific section owns the key (Dispatch:Eta:Road:Speeds before Dispatch:Eta:Road); several options
        // classes may share one section (Dispatch:Alerts): the key must bind into one of them.
        var owners = Sections.Value.Where(s => key.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        if (owners.Count == 0)
        {
            return $"{key}: no options section of the host holds it";
        }

        var longest = owners.Max(o => o.Section.Length);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build();
        var refusals = new List<string>();
        foreach (var (section, type) in owners.Where(o => o.Section.Length == longest))
        {
            try
            {
                configuration.GetSection(section).Get(type, o => o.ErrorOnUnknownConfiguration = true);
                return null;
            }
            catch (InvalidOperationException e)
            {
                refusals.Add($"{type.Name}: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}");
            }
        }

        return $"{key}={value}: {string.Join("; ", refusals)}";
    }

    /// <summary>Section <paramref name="section"/> bound into <typeparamref name="T"/>; a value that does not convert is added to <paramref name="problems"/> and the defaults returned.</summary>
    public static T Bind<T>(IConfiguration configuration, string section, ICollection<string> problems, string who)
        where T : new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(problems);
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"{who}: {e.Message}");
            return new T();
        }
    }

    private static List<(string Section, Type Type)> FindSections()
    {
        Assembly[] assemblies = [typeof(Program).Assembly, typeof(Domain.Plans.ResponsePlanOptions).Assembly, typeof(Grains.Hosting.DispatchGrainOptions).Assembly];
        var found = new List<(string, Type)>();
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()).Where(t => t is { IsClass: true, IsAbstract: false }))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field && field.GetRawConstantValue() is string section)
            {
                // The host binds the gateways' section as a dictionary of registrations by gateway id (AlertsSetup).
                found.Add((section, type == typeof(GatewayOptions) ? typeof(Dictionary<string, GatewayRegistration>) : type));
            }
        }

        return found;
    }
}
