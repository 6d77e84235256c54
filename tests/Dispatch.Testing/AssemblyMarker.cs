namespace Dispatch.Testing;

/// <summary>Anchors the shared test helper assembly.</summary>
public static class AssemblyMarker;
