using Dispatch.Vision.Geometry;

namespace Dispatch.Vision.Analytics;

/// <summary>One person followed across frames.</summary>
public sealed class Track
{
    private readonly List<NormalizedPoint> _feet = [];

    internal Track(int id, NormalizedBox box, TimeSpan at)
    {
        Id = id;
        Box = box;
        FirstSeen = at;
        LastSeen = at;
        Hits = 1;
        ScoreSum = box.Score;
        _feet.Add(box.Foot);
    }

    public int Id { get; }

    public NormalizedBox Box { get; private set; }

    public TimeSpan FirstSeen { get; }

    public TimeSpan LastSeen { get; private set; }

    /// <summary>Frames in which a detection was matched to this track.</summary>
    public int Hits { get; private set; }

    /// <summary>Consecutive frames without a match.</summary>
    public int Missed { get; private set; }

    /// <summary>Whether the track was matched in the current frame.</summary>
    public bool SeenNow => Missed == 0;

    public double MeanScore => ScoreSum / Hits;

    /// <summary>Foot points of the matched detections, oldest first.</summary>
    public IReadOnlyList<NormalizedPoint> Feet => _feet;

    private double ScoreSum { get; set; }

    internal void Update(NormalizedBox box, TimeSpan at)
    {
        Box = box;
        LastSeen = at;
        Hits++;
        Missed = 0;
        ScoreSum += box.Score;
        _feet.Add(box.Foot);
        if (_feet.Count > 256)
        {
            _feet.RemoveRange(0, 128);
        }
    }

    internal void Miss() => Missed++;
}

/// <summary>
/// Greedy nearest-neighbour tracking on box centres: good enough for a handful of people per camera
/// at several frames per second, and fully predictable in tests. The allowed step grows with each
/// missed frame, so a person the detector loses for a moment is picked up again.
/// </summary>
public sealed class CentroidTracker(double maxStep, TimeSpan maxGap)
{
    private readonly List<Track> _tracks = [];
    private int _nextId = 1;

    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>Matches this frame's detections to tracks, starts new tracks, ends tracks missed too long.</summary>
    public IReadOnlyList<Track> Update(IReadOnlyList<NormalizedBox> detections, TimeSpan at)
    {
        var pairs = new List<(double Distance, Track Track, int Detection)>();
        foreach (var track in _tracks)
        {
            for (var d = 0; d < detections.Count; d++)
            {
                var distance = track.Box.Center.DistanceTo(detections[d].Center);
                if (distance <= maxStep * (1 + track.Missed))
                {
                    pairs.Add((distance, track, d));
                }
            }
        }

        pairs.Sort((a, b) => a.Distance.CompareTo(b.Distance));
        var matchedTracks = new HashSet<Track>();
        var matchedDetections = new HashSet<int>();
        foreach (var (_, track, d) in pairs)
        {
            if (matchedTracks.Contains(track) || matchedDetections.Contains(d))
            {
                continue;
            }

            track.Update(detections[d], at);
            matchedTracks.Add(track);
            matchedDetections.Add(d);
        }

        foreach (var track in _tracks)
        {
            if (!matchedTracks.Contains(track))
            {
                track.Miss();
            }
        }

        _tracks.RemoveAll(t => at - t.LastSeen > maxGap);
        for (var d = 0; d < detections.Count; d++)
        {
            if (!matchedDetections.Contains(d))
            {
                _tracks.Add(new Track(_nextId++, detections[d], at));
            }
        }

        return _tracks;
    }
}
