namespace Dispatch.Abstractions;

/// <summary>Anchors this assembly for registration and scanning.</summary>
public static class AssemblyMarker;
