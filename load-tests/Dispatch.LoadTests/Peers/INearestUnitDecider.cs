namespace Dispatch.LoadTests.Peers;

/// <summary>A peer system answering "which available unit is nearest this alert?" and claiming it.</summary>
public interface INearestUnitDecider : IAsyncDisposable
{
    string Name { get; }

    Task LoadUnitsAsync(IReadOnlyList<SimUnit> units, CancellationToken cancellationToken);

    /// <summary>Finds the nearest available unit, claims it (it is no longer available) and returns its id, or null if none.</summary>
    Task<string?> ClaimNearestAsync(SimAlert alert);

    /// <summary>Makes a claimed unit available again at <paramref name="unit"/>'s position.</summary>
    Task ReleaseAsync(SimUnit unit);
}
