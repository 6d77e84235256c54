using System.Globalization;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Eta;

/// <summary>Bounds of the road-network model; bound from configuration.</summary>
public sealed class RoadEtaOptions
{
    public const string SectionName = "Dispatch:Eta:Road";

    /// <summary>How far the search from an incident goes: the largest tier target is enough to rank units for every tier.</summary>
    public double MaxSearchSeconds { get; set; } = 300;

    /// <summary>A position farther than this from any road its unit may use is "too far from any road".</summary>
    public double MaxSnapDistanceMeters { get; set; } = 250;

    /// <summary>
    /// A unit this close to the incident may go straight there at its off-road speed (across a square or a
    /// car park) when that beats the roads. Small, so it never carries anyone across a river.
    /// </summary>
    public double DirectAccessMeters { get; set; } = 60;

    /// <summary>
    /// When false (the default) a unit the search did not reach within <see cref="MaxSearchSeconds"/> gets
    /// the larger of the bound and its straight-line ETA, so it still ranks behind every unit that was
    /// reached and can be sent as the fastest of the late ones; when true it is unreachable (infinity).
    /// </summary>
    public bool BeyondBoundIsUnreachable { get; set; }

    /// <summary>Configuration errors, each naming its key under <paramref name="sectionPath"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string sectionPath = SectionName)
    {
        var errors = new List<string>();
        if (!double.IsFinite(MaxSearchSeconds) || MaxSearchSeconds <= 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(MaxSearchSeconds)} must be > 0 and finite, got {MaxSearchSeconds}"));
        }

        if (!double.IsFinite(MaxSnapDistanceMeters) || MaxSnapDistanceMeters < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(MaxSnapDistanceMeters)} must be >= 0 and finite, got {MaxSnapDistanceMeters}"));
        }

        if (!double.IsFinite(DirectAccessMeters) || DirectAccessMeters < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{sectionPath}:{nameof(DirectAccessMeters)} must be >= 0 and finite, got {DirectAccessMeters}"));
        }

        return errors;
    }
}

/// <summary>
/// Travel time over the road graph. Per unit kind present among the origins, one Dijkstra search
/// runs outward from the incident over the reversed graph (time from every node to the incident),
/// so all origins of that kind get their ETA from the same search. Origins and destination are
/// snapped to the nearest road their kind may use, and the gap is crossed at the kind's off-road speed.
/// <para>
/// Fallbacks: a unit (or an incident) too far from any road gets the straight-line ETA, since a
/// unit in a courtyard or an unmapped area can still respond; a unit beyond the search bound gets
/// at least the bound (see <see cref="RoadEtaOptions.BeyondBoundIsUnreachable"/>). A unit within
/// <see cref="RoadEtaOptions.DirectAccessMeters"/> may walk or drive straight over.
/// </para>
/// The search for the last destination is kept and resumed, so ranking several tiers for one
/// incident searches once. Not thread-safe: one instance per dispatcher or simulator (the graph is shared).
/// </summary>
public sealed class RoadEtaEstimator : IEtaEstimator
{
    private readonly RoadGraph _graph;
    private readonly IEtaEstimator _fallback;
    private readonly double _maxSearchSeconds;
    private readonly double _maxSnapMeters;
    private readonly double _directAccessMeters;
    private readonly bool _beyondBoundIsUnreachable;
    private readonly KindSearch?[] _searches = new KindSearch?[RoadGraph.KindCount];
    private readonly EtaOrigin[] _fallbackOrigin = new EtaOrigin[1];
    private readonly double[] _fallbackEta = new double[1];

    // A unit's road position, kept while the unit stays where it was: a zone ranks the same units for many incidents
    // between two of their position reports, and snapping every candidate for every incident was the largest cost of a
    // decision. Emptied when full, so it holds the positions of the last while only.
    private readonly Dictionary<(GeoPoint Position, UnitKind Kind), RoadSnap?> _originSnaps = [];

    /// <summary>How many unit road positions <see cref="_originSnaps"/> keeps before it starts again.</summary>
    internal const int OriginSnapCapacity = 32_768;

    public RoadEtaEstimator(RoadGraph graph, RoadEtaOptions? options = null, IEtaEstimator? fallback = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new RoadEtaOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        _graph = graph;
        _fallback = fallback ?? new StraightLineEtaEstimator();
        _maxSearchSeconds = options.MaxSearchSeconds;
        _maxSnapMeters = options.MaxSnapDistanceMeters;
        _directAccessMeters = options.DirectAccessMeters;
        _beyondBoundIsUnreachable = options.BeyondBoundIsUnreachable;
    }

    public string Name => "road";

    public RoadGraph Graph => _graph;

    /// <summary>Nodes settled by the searches since the last new destination, summed over kinds; a measure of effort.</summary>
    public int SettledNodes => _searches.Sum(s => s?.Search.SettledCount ?? 0);

    public void EstimateTo(GeoPoint destination, ReadOnlySpan<EtaOrigin> origins, Span<double> etaSeconds)
    {
        if (origins.Length != etaSeconds.Length)
        {
            throw new ArgumentException(
                $"etaSeconds has length {etaSeconds.Length} but there are {origins.Length} origins; the lengths must match",
                nameof(etaSeconds));
        }

        for (var i = 0; i < origins.Length; i++)
        {
            etaSeconds[i] = EtaSeconds(origins[i].Position, origins[i].Kind, destination);
        }
    }

    /// <summary>The ETA of one unit; searches from <paramref name="to"/> only if the last destination was different.</summary>
    public double EtaSeconds(GeoPoint from, UnitKind kind, GeoPoint to)
    {
        var viaRoads = RoadEtaSeconds(from, kind, to);
        var frame = _graph.Frame;
        var dx = frame.X(from) - frame.X(to);
        var dy = frame.Y(from) - frame.Y(to);
        var directMeters = Math.Sqrt((dx * dx) + (dy * dy));
        return directMeters <= _directAccessMeters
            ? Math.Min(viaRoads, directMeters / _graph.Speeds.OffRoadMetersPerSecond(kind))
            : viaRoads;
    }

    private double RoadEtaSeconds(GeoPoint from, UnitKind kind, GeoPoint to)
    {
        var search = SearchTo(kind, to);
        if (search.DestinationSnap is not { } destination)
        {
            return Fallback(from, kind, to);
        }

        if (OriginSnap(from, kind) is not { } origin)
        {
            return Fallback(from, kind, to);
        }

        var roadSeconds = RoadSeconds(search, origin, destination, kind);
        var offRoadSpeed = _graph.Speeds.OffRoadMetersPerSecond(kind);
        var total = roadSeconds + ((origin.DistanceMeters + destination.DistanceMeters) / offRoadSpeed);
        if (roadSeconds <= _maxSearchSeconds)
        {
            return total;
        }

        return _beyondBoundIsUnreachable ? double.PositiveInfinity : Math.Max(_maxSearchSeconds, Fallback(from, kind, to));
    }

    /// <summary>Road seconds from the origin's road position to the destination's, infinity beyond the bound.</summary>
    private double RoadSeconds(KindSearch search, RoadSnap origin, RoadSnap destination, UnitKind kind)
    {
        var segment = origin.Segment;
        var forward = _graph.SegmentForwardSeconds(segment, kind);
        var backward = _graph.SegmentBackwardSeconds(segment, kind);
        var best = double.PositiveInfinity;
        if (segment == destination.Segment)
        {
            // Straight along the shared segment, if its direction allows it.
            best = destination.Fraction >= origin.Fraction
                ? Part(destination.Fraction - origin.Fraction, forward)
                : Part(origin.Fraction - destination.Fraction, backward);
        }

        var toStart = Part(origin.Fraction, backward);
        if (toStart < best)
        {
            best = Math.Min(best, toStart + search.Search.SettledSecondsOf(_graph.SegmentStart(segment), _maxSearchSeconds));
        }

        var toEnd = Part(1 - origin.Fraction, forward);
        if (toEnd < best)
        {
            best = Math.Min(best, toEnd + search.Search.SettledSecondsOf(_graph.SegmentEnd(segment), _maxSearchSeconds));
        }

        return best;
    }

    /// <summary>Number of unit road positions held (for tests of the bound).</summary>
    internal int OriginSnapCount => _originSnaps.Count;

    private RoadSnap? OriginSnap(GeoPoint from, UnitKind kind)
    {
        if (_originSnaps.TryGetValue((from, kind), out var known))
        {
            return known;
        }

        if (_originSnaps.Count >= OriginSnapCapacity)
        {
            _originSnaps.Clear();
        }

        var snap = _graph.Snap(from, kind, _maxSnapMeters);
        _originSnaps[(from, kind)] = snap;
        return snap;
    }

    private KindSearch SearchTo(UnitKind kind, GeoPoint destination)
    {
        var search = _searches[(int)kind] ??= new KindSearch(new RoadSearch(_graph));
        if (search.HasDestination && search.Destination == destination)
        {
            return search;
        }

        search.HasDestination = true;
        search.Destination = destination;
        search.Search.Reset(kind, reversed: true);
        search.DestinationSnap = _graph.Snap(destination, kind, _maxSnapMeters);
        if (search.DestinationSnap is { } snap)
        {
            // Reaching the incident's road position from either end of its segment.
            search.Search.Seed(_graph.SegmentStart(snap.Segment), Part(snap.Fraction, _graph.SegmentForwardSeconds(snap.Segment, kind)));
            search.Search.Seed(_graph.SegmentEnd(snap.Segment), Part(1 - snap.Fraction, _graph.SegmentBackwardSeconds(snap.Segment, kind)));
        }

        return search;
    }

    private double Fallback(GeoPoint from, UnitKind kind, GeoPoint to)
    {
        _fallbackOrigin[0] = new EtaOrigin(from, kind);
        _fallback.EstimateTo(to, _fallbackOrigin, _fallbackEta);
        return _fallbackEta[0];
    }

    /// <summary>A fraction of a segment's travel time; never NaN for a closed direction.</summary>
    internal static double Part(double fraction, double seconds) =>
        fraction <= 0 ? 0 : double.IsPositiveInfinity(seconds) ? double.PositiveInfinity : fraction * seconds;

    private sealed class KindSearch(RoadSearch search)
    {
        public RoadSearch Search { get; } = search;

        public bool HasDestination { get; set; }

        public GeoPoint Destination { get; set; }

        public RoadSnap? DestinationSnap { get; set; }
    }
}
