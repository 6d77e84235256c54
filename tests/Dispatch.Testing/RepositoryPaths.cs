using System.Reflection;

namespace Dispatch.Testing;

/// <summary>Paths inside the repository, found from the running test assembly.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding Dispatch.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were compiled in (Debug or Release).</summary>
    public static string Configuration { get; } =
        typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The built assembly of a project under src/, in the tests' configuration.</summary>
    public static string BuiltAssembly(string projectName) =>
        Path.Combine(Root, "src", projectName, "bin", Configuration, "net10.0", projectName + ".dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dispatch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Dispatch.sln not found above {AppContext.BaseDirectory}");
    }
}
