namespace Dispatch.Abstractions.Common;

/// <summary>Names shared by grains and hosts.</summary>
public static class DispatchStorage
{
    /// <summary>The grain storage provider every dispatch grain persists to; hosts register a provider under this name.</summary>
    public const string ProviderName = "dispatch";
}
