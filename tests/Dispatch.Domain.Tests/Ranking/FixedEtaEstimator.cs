using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Ranking;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Ranking;

/// <summary>
/// ETAs fixed per unit id. Origins carry no unit id, so each unit stands at its own position
/// and the estimator finds the ETA by position; build candidates with <see cref="Candidate"/>.
/// </summary>
internal sealed class FixedEtaEstimator : IEtaEstimator
{
    private readonly Dictionary<string, GeoPoint> _positionByUnit = [];
    private readonly Dictionary<GeoPoint, double> _etaSecondsByPosition = [];

    public FixedEtaEstimator(IReadOnlyDictionary<string, double> etaSecondsByUnit)
    {
        var index = 0;
        foreach (var (unitId, etaSeconds) in etaSecondsByUnit)
        {
            var position = new GeoPoint(36.0 + (index++ * 1e-4), 117.0);
            _positionByUnit.Add(unitId, position);
            _etaSecondsByPosition.Add(position, etaSeconds);
        }
    }

    public string Name => "fixed";

    public int Calls { get; private set; }

    public int OriginsEstimated { get; private set; }

    public Candidate Candidate(string unitId, UnitKind kind = UnitKind.Car) =>
        new(unitId, kind, _positionByUnit[unitId], HomeStationId: null);

    public Candidate[] Candidates(params string[] unitIds) => [.. unitIds.Select(id => Candidate(id))];

    /// <summary>Every unit the estimator knows, in the order given.</summary>
    public Candidate[] All() => [.. _positionByUnit.Keys.Select(id => Candidate(id))];

    public void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds)
    {
        Calls++;
        OriginsEstimated += origins.Length;
        for (var i = 0; i < origins.Length; i++)
        {
            etaSeconds[i] = _etaSecondsByPosition[origins[i].Position];
        }
    }
}
