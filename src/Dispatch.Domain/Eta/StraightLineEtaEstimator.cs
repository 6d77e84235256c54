using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Eta;

/// <summary>Speeds and detour factor of the straight-line model; bound from configuration.</summary>
public sealed class StraightLineEtaOptions
{
    public const string SectionName = "Dispatch:Eta:StraightLine";

    /// <summary>Road distance divided by great-circle distance in a city grid of streets.</summary>
    public double DetourFactor { get; set; } = 1.4;

    public double CarSpeedKmh { get; set; } = 40;

    public double MotorcycleSpeedKmh { get; set; } = 35;

    public double BicycleSpeedKmh { get; set; } = 15;

    public double FootSpeedKmh { get; set; } = 5;

    /// <summary>Configuration errors, each naming its key under <paramref name="sectionPath"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName) => throw new NotImplementedException();

    public double SpeedMetersPerSecond(UnitKind kind) => throw new NotImplementedException();
}

/// <summary>ETA = great-circle distance x detour factor / speed of the unit's kind.</summary>
public sealed class StraightLineEtaEstimator : IEtaEstimator
{
    public StraightLineEtaEstimator(StraightLineEtaOptions? options = null) => throw new NotImplementedException();

    public string Name => "straight-line";

    public void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds) =>
        throw new NotImplementedException();

    public double EtaSeconds(GeoPoint from, UnitKind kind, GeoPoint to) => throw new NotImplementedException();
}
