using System.Collections.Concurrent;
using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;
using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;

namespace Dispatch.Domain.Coverage;

/// <summary>Something that responds from a position: an available unit, or a station's responder on foot.</summary>
public readonly record struct CoverageSource(GeoPoint Position, UnitKind Kind);

public sealed class CoverageOptions
{
    /// <summary>The response targets coverage is measured against; 1, 3 and 5 minutes by default.</summary>
    public IReadOnlyList<double> TierSeconds { get; set; } = [60, 180, 300];

    /// <summary>Spacing of the sample points laid over each grid.</summary>
    public double SampleSpacingMeters { get; set; } = 200;

    /// <summary>A grid counts as covered at a tier when at least this share of its sample points is reached in time.</summary>
    public double GridCoveredShare { get; set; } = 0.5;

    /// <summary>Sample points and sources farther than this from a road their kind may use are not on the network.</summary>
    public double MaxSnapDistanceMeters { get; set; } = 250;
}

/// <summary>How much of one grid is reached within each tier (shares in [0, 1], in tier order).</summary>
public sealed record GridCoverage(string GridId, int SampleCount, IReadOnlyList<double> CoveredShare);

/// <summary>
/// Coverage of a city at one moment: per grid, the share of its sample points that some source
/// reaches within each tier. <see cref="SampleSeconds"/> holds the fastest arrival at every sample point.
/// </summary>
public sealed class CoverageReport
{
    internal CoverageReport(IReadOnlyList<double> tierSeconds, double gridCoveredShare, IReadOnlyList<GridCoverage> grids, double[] sampleSeconds, int sourcesOffRoad)
    {
        TierSeconds = tierSeconds;
        GridCoveredShare = gridCoveredShare;
        Grids = grids;
        SampleSeconds = sampleSeconds;
        SourcesOffRoad = sourcesOffRoad;
    }

    public IReadOnlyList<double> TierSeconds { get; }

    public double GridCoveredShare { get; }

    public IReadOnlyList<GridCoverage> Grids { get; }

    /// <summary>Fastest arrival in seconds at each sample point of the map (infinity where none arrives within the largest tier).</summary>
    public IReadOnlyList<double> SampleSeconds { get; }

    /// <summary>Sources left out because they were too far from any road their kind may use.</summary>
    public int SourcesOffRoad { get; }

    /// <summary>Share of all sample points of the city reached within tier <paramref name="tierIndex"/>.</summary>
    public double CityShare(int tierIndex)
    {
        var tier = TierSeconds[tierIndex];
        return SampleSeconds.Count == 0 ? 0 : (double)SampleSeconds.Count(s => s <= tier) / SampleSeconds.Count;
    }

    /// <summary>Ids of the grids covered at tier <paramref name="tierIndex"/>.</summary>
    public IReadOnlyList<string> CoveredGrids(int tierIndex) =>
        [.. Grids.Where(g => g.CoveredShare[tierIndex] >= GridCoveredShare).Select(g => g.GridId)];

    /// <summary>Grids covered at tier <paramref name="tierIndex"/> in <paramref name="before"/> but not in <paramref name="after"/>: the grids that lost coverage.</summary>
    public static IReadOnlyList<string> GridsLosingCoverage(CoverageReport before, CoverageReport after, int tierIndex)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var stillCovered = after.CoveredGrids(tierIndex).ToHashSet(StringComparer.Ordinal);
        return [.. before.CoveredGrids(tierIndex).Where(g => !stillCovered.Contains(g))];
    }
}

/// <summary>
/// Sample points laid over a city's grids and snapped to the road graph once, so the coverage of
/// any set of sources is a few bounded multi-source searches (one per unit kind present) forward
/// from the sources. Safe to share between threads.
/// </summary>
public sealed class CoverageMap
{
    private const int MaxCachedReaches = 20_000;

    private readonly RoadGraph _graph;
    private readonly GeoPoint[] _samplePositions;
    private readonly int[] _sampleGrid;
    private readonly RoadSnap?[][] _sampleSnaps;
    private readonly ConcurrentDictionary<(GeoPoint, UnitKind, double), int[]> _reachCache = new();

    public CoverageMap(RoadGraph graph, IReadOnlyList<GridSpec> grids, CoverageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(grids);
        options ??= new CoverageOptions();
        if (options.TierSeconds.Count == 0 || options.TierSeconds.Any(t => !double.IsFinite(t) || t <= 0))
        {
            throw new ArgumentException("TierSeconds must list at least one positive, finite target", nameof(options));
        }

        if (!double.IsFinite(options.SampleSpacingMeters) || options.SampleSpacingMeters <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SampleSpacingMeters, "SampleSpacingMeters must be > 0");
        }

        _graph = graph;
        Options = options;
        TierSeconds = [.. options.TierSeconds];
        Grids = grids;
        var positions = new List<GeoPoint>();
        var gridOfSample = new List<int>();
        for (var g = 0; g < grids.Count; g++)
        {
            var before = positions.Count;
            LaySamples(grids[g].Boundary, options.SampleSpacingMeters, positions);
            if (positions.Count == before)
            {
                // A grid smaller than the spacing still gets one sample point.
                var inside = grids[g].Boundary.InteriorPoint;
                positions.Add(new GeoPoint(inside.Y, inside.X));
            }

            gridOfSample.AddRange(Enumerable.Repeat(g, positions.Count - before));
        }

        _samplePositions = [.. positions];
        _sampleGrid = [.. gridOfSample];
        _sampleSnaps = new RoadSnap?[RoadGraph.KindCount][];
        for (var k = 0; k < RoadGraph.KindCount; k++)
        {
            _sampleSnaps[k] = [.. _samplePositions.Select(p => graph.Snap(p, (UnitKind)k, options.MaxSnapDistanceMeters))];
        }
    }

    public CoverageOptions Options { get; }

    public IReadOnlyList<double> TierSeconds { get; }

    public IReadOnlyList<GridSpec> Grids { get; }

    public RoadGraph Graph => _graph;

    public int SampleCount => _samplePositions.Length;

    public IReadOnlyList<GeoPoint> SamplePositions => _samplePositions;

    /// <summary>Index into <see cref="Grids"/> of each sample point.</summary>
    public IReadOnlyList<int> SampleGrid => _sampleGrid;

    /// <summary>Coverage by <paramref name="sources"/> at every tier.</summary>
    public CoverageReport Evaluate(IReadOnlyList<CoverageSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var seconds = new double[SampleCount];
        Array.Fill(seconds, double.PositiveInfinity);
        var offRoad = 0;
        var search = new RoadSearch(_graph);
        foreach (var kind in sources.Select(s => s.Kind).Distinct())
        {
            offRoad += FastestArrivals(search, sources.Where(s => s.Kind == kind).Select(s => s.Position), kind, TierSeconds[^1], seconds);
        }

        var grids = new GridCoverage[Grids.Count];
        var sampleCount = new int[Grids.Count];
        var covered = new int[Grids.Count, TierSeconds.Count];
        for (var s = 0; s < SampleCount; s++)
        {
            var g = _sampleGrid[s];
            sampleCount[g]++;
            for (var t = 0; t < TierSeconds.Count; t++)
            {
                if (seconds[s] <= TierSeconds[t])
                {
                    covered[g, t]++;
                }
            }
        }

        for (var g = 0; g < Grids.Count; g++)
        {
            var shares = new double[TierSeconds.Count];
            for (var t = 0; t < shares.Length; t++)
            {
                shares[t] = sampleCount[g] == 0 ? 0 : (double)covered[g, t] / sampleCount[g];
            }

            grids[g] = new GridCoverage(Grids[g].Id, sampleCount[g], shares);
        }

        return new CoverageReport(TierSeconds, Options.GridCoveredShare, grids, seconds, offRoad);
    }

    /// <summary>
    /// The sample points one source reaches within <paramref name="withinSeconds"/>, in ascending order;
    /// empty when the source is too far from any road. Cached per position, kind and time.
    /// </summary>
    public IReadOnlyList<int> Reach(GeoPoint position, UnitKind kind, double withinSeconds)
    {
        // Units stand still between calls, so most lookups hit; a long run must not grow without bound.
        if (_reachCache.Count > MaxCachedReaches)
        {
            _reachCache.Clear();
        }

        return _reachCache.GetOrAdd((position, kind, withinSeconds), key =>
        {
            var seconds = new double[SampleCount];
            Array.Fill(seconds, double.PositiveInfinity);
            FastestArrivals(new RoadSearch(_graph), [key.Item1], key.Item2, key.Item3, seconds);
            return [.. Enumerable.Range(0, SampleCount).Where(s => seconds[s] <= key.Item3)];
        });
    }

    /// <summary>Lowers <paramref name="seconds"/> to the arrival time from the nearest of the positions; returns how many positions were off-road.</summary>
    private int FastestArrivals(RoadSearch search, IEnumerable<GeoPoint> positions, UnitKind kind, double maxSeconds, double[] seconds)
    {
        var offRoadSpeed = _graph.Speeds.OffRoadMetersPerSecond(kind);
        var onSegment = new Dictionary<int, List<(double Fraction, double Seconds)>>();
        var offRoad = 0;
        search.Reset(kind, reversed: false);
        foreach (var position in positions)
        {
            if (_graph.Snap(position, kind, Options.MaxSnapDistanceMeters) is not { } snap)
            {
                offRoad++;
                continue;
            }

            var access = snap.DistanceMeters / offRoadSpeed;
            var segment = snap.Segment;
            search.Seed(_graph.SegmentStart(segment), access + RoadEtaEstimator.Part(snap.Fraction, _graph.SegmentBackwardSeconds(segment, kind)));
            search.Seed(_graph.SegmentEnd(segment), access + RoadEtaEstimator.Part(1 - snap.Fraction, _graph.SegmentForwardSeconds(segment, kind)));
            if (!onSegment.TryGetValue(segment, out var list))
            {
                onSegment[segment] = list = [];
            }

            list.Add((snap.Fraction, access));
        }

        search.RunTo(maxSeconds);
        var snaps = _sampleSnaps[(int)kind];
        for (var s = 0; s < SampleCount; s++)
        {
            if (snaps[s] is not { } sample)
            {
                continue;
            }

            var segment = sample.Segment;
            var forward = _graph.SegmentForwardSeconds(segment, kind);
            var backward = _graph.SegmentBackwardSeconds(segment, kind);
            var road = Math.Min(
                search.Seconds(_graph.SegmentStart(segment)) + RoadEtaEstimator.Part(sample.Fraction, forward),
                search.Seconds(_graph.SegmentEnd(segment)) + RoadEtaEstimator.Part(1 - sample.Fraction, backward));
            if (onSegment.TryGetValue(segment, out var sameSegment))
            {
                foreach (var (fraction, access) in sameSegment)
                {
                    var direct = sample.Fraction >= fraction
                        ? RoadEtaEstimator.Part(sample.Fraction - fraction, forward)
                        : RoadEtaEstimator.Part(fraction - sample.Fraction, backward);
                    road = Math.Min(road, access + direct);
                }
            }

            var total = road + (sample.DistanceMeters / offRoadSpeed);
            if (total <= maxSeconds && total < seconds[s])
            {
                seconds[s] = total;
            }
        }

        return offRoad;
    }

    /// <summary>Points on a square lattice (in local metres) that fall inside the boundary.</summary>
    private void LaySamples(Polygon boundary, double spacingMeters, List<GeoPoint> into)
    {
        var envelope = boundary.EnvelopeInternal;
        var frame = _graph.Frame;
        var southWest = new GeoPoint(envelope.MinY, envelope.MinX);
        var northEast = new GeoPoint(envelope.MaxY, envelope.MaxX);
        var locator = new IndexedPointInAreaLocator(boundary);

        // A lattice anchored at the frame origin, so neighbouring grids' samples line up.
        var x0 = Math.Floor(frame.X(southWest) / spacingMeters) * spacingMeters;
        var y0 = Math.Floor(frame.Y(southWest) / spacingMeters) * spacingMeters;
        for (var y = y0 + (spacingMeters / 2); y < frame.Y(northEast); y += spacingMeters)
        {
            for (var x = x0 + (spacingMeters / 2); x < frame.X(northEast); x += spacingMeters)
            {
                var point = frame.ToGeo(x, y);
                if (locator.Locate(new Coordinate(point.Longitude, point.Latitude)) == Location.Interior)
                {
                    into.Add(point);
                }
            }
        }
    }

    internal static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
