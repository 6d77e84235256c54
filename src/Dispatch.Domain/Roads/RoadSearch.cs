using Dispatch.Domain.Units;

namespace Dispatch.Domain.Roads;

/// <summary>
/// A reusable shortest-time search (Dijkstra) over one graph for one unit kind, forward (from
/// sources outward) or reversed (towards the sources: the time from every node to them). The
/// buffers are allocated once and reset in O(1) by a generation stamp, and the search can be
/// resumed: asking for a node beyond the settled radius continues from where it stopped.
/// Not thread-safe: one instance per caller.
/// </summary>
public sealed class RoadSearch
{
    private readonly RoadGraph _graph;
    private readonly double[] _seconds;
    private readonly int[] _stamp;
    private double[] _heapKeys;
    private int[] _heapNodes;
    private int _heapCount;
    private int _generation;
    private double[] _edgeSeconds = [];

    public RoadSearch(RoadGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _seconds = new double[graph.NodeCount];
        _stamp = new int[graph.NodeCount];
        _heapKeys = new double[Math.Max(16, graph.NodeCount)];
        _heapNodes = new int[_heapKeys.Length];
    }

    public UnitKind Kind { get; private set; }

    public bool Reversed { get; private set; }

    /// <summary>Every node with a time at or below this is settled (its time is final).</summary>
    public double SettledSeconds { get; private set; }

    /// <summary>Nodes settled since the last <see cref="Reset"/>; a measure of search effort.</summary>
    public int SettledCount { get; private set; }

    /// <summary>Starts a new search. Reversed searches follow edges backwards, giving the time from each node to the sources.</summary>
    public void Reset(UnitKind kind, bool reversed)
    {
        Kind = kind;
        Reversed = reversed;
        _edgeSeconds = GraphEdgeSeconds(kind);
        _heapCount = 0;
        SettledSeconds = 0;
        SettledCount = 0;
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            _generation = 1;
        }
    }

    /// <summary>Adds a source: <paramref name="node"/> is reached after <paramref name="seconds"/>.</summary>
    public void Seed(int node, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0)
        {
            return;
        }

        if (_stamp[node] != _generation || seconds < _seconds[node])
        {
            _stamp[node] = _generation;
            _seconds[node] = seconds;
            Push(seconds, node);
        }
    }

    /// <summary>The time found for <paramref name="node"/>: final when at or below <see cref="SettledSeconds"/>, infinity when not reached.</summary>
    public double Seconds(int node) => _stamp[node] == _generation ? _seconds[node] : double.PositiveInfinity;

    /// <summary>Runs until every node within <paramref name="maxSeconds"/> is settled.</summary>
    public void RunTo(double maxSeconds)
    {
        while (_heapCount > 0 && _heapKeys[0] <= maxSeconds)
        {
            SettleNext();
        }

        if (_heapCount == 0)
        {
            SettledSeconds = double.PositiveInfinity;
        }
    }

    /// <summary>
    /// The final time of <paramref name="node"/> if it is at most <paramref name="maxSeconds"/>, searching further
    /// only as far as needed; infinity when it is farther (or unreachable).
    /// </summary>
    public double SettledSecondsOf(int node, double maxSeconds)
    {
        while (Seconds(node) > SettledSeconds)
        {
            if (_heapCount == 0)
            {
                SettledSeconds = double.PositiveInfinity;
                break;
            }

            if (_heapKeys[0] > maxSeconds)
            {
                return double.PositiveInfinity;
            }

            SettleNext();
        }

        var seconds = Seconds(node);
        return seconds <= maxSeconds ? seconds : double.PositiveInfinity;
    }

    private double[] GraphEdgeSeconds(UnitKind kind) => _graph.EdgeSecondsArray(kind);

    private void SettleNext()
    {
        var seconds = _heapKeys[0];
        var node = _heapNodes[0];
        PopMin();
        SettledSeconds = seconds;
        if (seconds > _seconds[node])
        {
            return; // a stale entry: the node was pushed again with a shorter time
        }

        SettledCount++;
        var edgeSeconds = _edgeSeconds;
        if (Reversed)
        {
            var start = _graph.InStartArray;
            var edges = _graph.InEdgesArray;
            var from = _graph.EdgeFromArray;
            for (var i = start[node]; i < start[node + 1]; i++)
            {
                var edge = edges[i];
                Relax(from[edge], seconds + edgeSeconds[edge]);
            }
        }
        else
        {
            var start = _graph.OutStartArray;
            var edges = _graph.OutEdgesArray;
            var to = _graph.EdgeToArray;
            for (var i = start[node]; i < start[node + 1]; i++)
            {
                var edge = edges[i];
                Relax(to[edge], seconds + edgeSeconds[edge]);
            }
        }
    }

    private void Relax(int node, double seconds)
    {
        if (!double.IsFinite(seconds))
        {
            return;
        }

        if (_stamp[node] != _generation || seconds < _seconds[node])
        {
            _stamp[node] = _generation;
            _seconds[node] = seconds;
            Push(seconds, node);
        }
    }

    private void Push(double key, int node)
    {
        if (_heapCount == _heapKeys.Length)
        {
            Array.Resize(ref _heapKeys, _heapKeys.Length * 2);
            Array.Resize(ref _heapNodes, _heapNodes.Length * 2);
        }

        var i = _heapCount++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_heapKeys[parent] <= key)
            {
                break;
            }

            _heapKeys[i] = _heapKeys[parent];
            _heapNodes[i] = _heapNodes[parent];
            i = parent;
        }

        _heapKeys[i] = key;
        _heapNodes[i] = node;
    }

    private void PopMin()
    {
        var last = --_heapCount;
        if (last == 0)
        {
            return;
        }

        var key = _heapKeys[last];
        var node = _heapNodes[last];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= last)
            {
                break;
            }

            if (child + 1 < last && _heapKeys[child + 1] < _heapKeys[child])
            {
                child++;
            }

            if (_heapKeys[child] >= key)
            {
                break;
            }

            _heapKeys[i] = _heapKeys[child];
            _heapNodes[i] = _heapNodes[child];
            i = child;
        }

        _heapKeys[i] = key;
        _heapNodes[i] = node;
    }
}
