using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;

namespace Dispatch.Domain.Eta;

/// <summary>
/// A thread-safe <see cref="IEtaEstimator"/> over one shared <see cref="RoadGraph"/>: each call borrows a
/// <see cref="RoadEtaEstimator"/> (which is not thread-safe) and gives it back. An estimator that last
/// searched from the same destination is preferred, so the tiers of one incident still search once.
/// At most <see cref="MaxIdle"/> idle estimators are kept (each holds search arrays the size of the graph).
/// </summary>
public sealed class RoadEtaEstimatorPool : IEtaEstimator
{
    private readonly Lock _lock = new();
    private readonly List<(RoadEtaEstimator Estimator, GeoPoint LastDestination)> _idle = [];
    private readonly RoadGraph _graph;
    private readonly RoadEtaOptions _options;
    private readonly IEtaEstimator _fallback;

    /// <param name="fallback">The model for positions too far from any road; must itself be thread-safe (the straight-line model is).</param>
    public RoadEtaEstimatorPool(RoadGraph graph, RoadEtaOptions? options = null, IEtaEstimator? fallback = null, int maxIdle = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdle);
        _graph = graph;
        _options = options ?? new RoadEtaOptions();
        _fallback = fallback ?? new StraightLineEtaEstimator();
        MaxIdle = maxIdle > 0 ? maxIdle : Math.Max(4, 2 * Environment.ProcessorCount);

        // Fails here, on bad options, rather than on the first dispatch.
        Return(new RoadEtaEstimator(graph, _options, _fallback), default);
    }

    public string Name => "road";

    public RoadGraph Graph => _graph;

    public int MaxIdle { get; }

    /// <summary>Estimators idle in the pool now; for tests and diagnostics.</summary>
    public int IdleCount
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    public void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds)
    {
        var estimator = Borrow(destination);
        try
        {
            estimator.EstimateTo(destination, origins, etaSeconds);
        }
        finally
        {
            Return(estimator, destination);
        }
    }

    private RoadEtaEstimator Borrow(GeoPoint destination)
    {
        lock (_lock)
        {
            if (_idle.Count > 0)
            {
                var index = _idle.FindLastIndex(e => e.LastDestination == destination);
                if (index < 0)
                {
                    index = _idle.Count - 1;
                }

                var estimator = _idle[index].Estimator;
                _idle.RemoveAt(index);
                return estimator;
            }
        }

        return new RoadEtaEstimator(_graph, _options, _fallback);
    }

    private void Return(RoadEtaEstimator estimator, GeoPoint destination)
    {
        lock (_lock)
        {
            if (_idle.Count < MaxIdle)
            {
                _idle.Add((estimator, destination));
            }
        }
    }
}
