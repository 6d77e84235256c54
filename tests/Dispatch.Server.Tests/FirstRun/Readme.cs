using System.Text.RegularExpressions;
using Dispatch.Testing;

namespace Dispatch.Server.Tests.FirstRun;

/// <summary>The repository README, read as a newcomer reads it: its sections and the output it shows.</summary>
internal static partial class Readme
{
    public static string Text { get; } = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));

    /// <summary>The text under a "## " heading, up to the next one.</summary>
    public static string Section(string heading)
    {
        var start = Text.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no section '## {heading}'");
        var end = Text.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        return end < 0 ? Text[start..] : Text[start..end];
    }

    /// <summary>The lines of the first code block after <paramref name="marker"/>.</summary>
    public static IReadOnlyList<string> BlockAfter(string marker)
    {
        var at = Text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README does not say '{marker}'");
        var open = Text.IndexOf("```\n", at, StringComparison.Ordinal) + 4;
        var close = Text.IndexOf("\n```", open, StringComparison.Ordinal);
        return Text[open..close].Split('\n');
    }

    /// <summary>
    /// A printed line with what differs from run to run masked: numbers, the city's name and source, log paths.
    /// Two runs of the same build on different cities, ports and folders print the same masked lines.
    /// </summary>
    public static string Masked(string line)
    {
        line = CitySource().Replace(line, "City 'NAME' from SOURCE: ");
        line = LogPath().Replace(line, "its log: LOG");

        // The demo's generated secrets, where they are kept, and which officer and gateways the city has.
        line = SecretsPath().Replace(line, "every secret is in PATH)");
        line = DemoAccount().Replace(line, "$1SECRET");
        line = DemoOfficer().Replace(line, "e.g. OFFICER SECRET");
        line = DemoGateways().Replace(line, "gateway credentials (NAMES)");
        return Numbers().Replace(line, "N");
    }

    [GeneratedRegex(@"every secret is in \S+\)")]
    private static partial Regex SecretsPath();

    [GeneratedRegex(@"^(  (?:operator|supervisor|viewer|admin)\s+)\S+$")]
    private static partial Regex DemoAccount();

    [GeneratedRegex(@"e\.g\. \S+ \S+$")]
    private static partial Regex DemoOfficer();

    [GeneratedRegex(@"gateway credentials \([^)]*\)")]
    private static partial Regex DemoGateways();

    [GeneratedRegex(@"City '[^']*' from (?:demo \(seed \d+\)|\S+): ")]
    private static partial Regex CitySource();

    [GeneratedRegex(@"its log: \S*?(?:gateway|simulator)\.log")]
    private static partial Regex LogPath();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();
}
