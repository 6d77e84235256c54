namespace Dispatch.LoadTests.Tests;

/// <summary>Runs of the whole driver (a host or a cluster as child processes) take the machine's cores: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class LoadRuns
{
    public const string Name = "load runs";
}
