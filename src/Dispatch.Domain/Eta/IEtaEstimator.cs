using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Eta;

/// <summary>Where a unit starts from and how it travels.</summary>
public readonly record struct EtaOrigin(GeoPoint Position, UnitKind Kind);

/// <summary>
/// Estimates travel time to one destination from many origins at once, so a road-network
/// model can answer with a single search outward from the incident.
/// </summary>
public interface IEtaEstimator
{
    /// <summary>A short name for reports and recorded reasons ("straight-line", "road").</summary>
    string Name { get; }

    /// <summary>
    /// Writes the travel time in seconds from each origin to <paramref name="destination"/>
    /// into <paramref name="etaSeconds"/> (same order and length as <paramref name="origins"/>);
    /// <see cref="double.PositiveInfinity"/> where the destination cannot be reached.
    /// </summary>
    void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds);
}
