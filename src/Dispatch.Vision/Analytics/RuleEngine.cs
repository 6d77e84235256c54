using System.Globalization;
using Dispatch.Vision.Geometry;

namespace Dispatch.Vision.Analytics;

/// <summary>
/// Turns tracks into events: intrusion, loitering, crowd and directed line crossing. Every condition
/// must persist over several frames, and each fires once per person (crowd: once per cooldown).
/// </summary>
public sealed class RuleEngine
{
    private readonly CameraAnalyticsSettings _settings;
    private readonly Dictionary<(int Track, int Zone), ZoneState> _zoneStates = [];
    private readonly Dictionary<(int Track, int Line), LineState> _lineStates = [];
    private readonly Dictionary<int, TimeSpan> _lastIntrusion = [];
    private int _crowdFrames;
    private TimeSpan? _lastCrowdAlert;

    public RuleEngine(CameraAnalyticsSettings settings)
    {
        settings.Validate();
        _settings = settings;
    }

    public IReadOnlyList<AnalyticsEvent> Evaluate(IReadOnlyList<Track> tracks, TimeSpan at)
    {
        var events = new List<AnalyticsEvent>();
        var persistence = _settings.PersistenceFrames;
        foreach (var track in tracks)
        {
            if (!track.SeenNow)
            {
                continue;
            }

            var confirmed = track.Hits >= persistence;
            EvaluateZones(track, at, confirmed, events);
            EvaluateLines(track, at, confirmed, events);
        }

        EvaluateCrowd(tracks, at, events);
        Forget(tracks);
        return events;
    }

    private void EvaluateZones(Track track, TimeSpan at, bool confirmed, List<AnalyticsEvent> events)
    {
        for (var z = 0; z < _settings.Zones.Count; z++)
        {
            var rule = _settings.Zones[z];
            var key = (track.Id, z);
            if (!_zoneStates.TryGetValue(key, out var state))
            {
                state = new ZoneState();
                _zoneStates[key] = state;
            }

            if (!rule.Zone.Contains(track.Box.Foot))
            {
                state.ConsecutiveFrames = 0;
                state.EnteredAt = null;
                continue;
            }

            state.ConsecutiveFrames++;
            state.EnteredAt ??= at;
            if (!confirmed || state.ConsecutiveFrames < _settings.PersistenceFrames)
            {
                continue;
            }

            if (rule.Intrusion && !state.IntrusionRaised)
            {
                state.IntrusionRaised = true;
                var coolingDown = _lastIntrusion.TryGetValue(z, out var last) && (at - last).TotalSeconds < _settings.IntrusionCooldownSeconds;
                if (!coolingDown)
                {
                    _lastIntrusion[z] = at;
                    events.Add(Event(AnalyticsEventKind.Intrusion, at, track, ("zone", rule.Zone.Name)));
                }
            }

            var dwellSeconds = (at - state.EnteredAt.Value).TotalSeconds;
            if (rule.LoiteringSeconds is { } limit && dwellSeconds >= limit && !state.LoiteringRaised)
            {
                state.LoiteringRaised = true;
                events.Add(Event(AnalyticsEventKind.Loitering, at, track,
                    ("zone", rule.Zone.Name), ("dwell_seconds", dwellSeconds.ToString("F1", CultureInfo.InvariantCulture))));
            }
        }
    }

    private void EvaluateLines(Track track, TimeSpan at, bool confirmed, List<AnalyticsEvent> events)
    {
        var foot = track.Box.Foot;
        for (var l = 0; l < _settings.Lines.Count; l++)
        {
            var line = _settings.Lines[l];
            var distance = line.SignedDistance(foot);
            if (Math.Abs(distance) < _settings.LineHysteresis)
            {
                continue;
            }

            var side = Math.Sign(distance);
            var key = (track.Id, l);
            if (!_lineStates.TryGetValue(key, out var state))
            {
                _lineStates[key] = new LineState(side, foot);
                continue;
            }

            if (side == state.Side)
            {
                state.Point = foot;
                continue;
            }

            var crossedSegment = line.SegmentCrosses(state.Point, foot);
            var direction = side > 0 ? CrossingDirection.LeftToRight : CrossingDirection.RightToLeft;
            state.Side = side;
            state.Point = foot;
            if (confirmed && crossedSegment && line.Raises(direction))
            {
                events.Add(Event(AnalyticsEventKind.LineCrossing, at, track,
                    ("line", line.Name), ("direction", direction == CrossingDirection.LeftToRight ? "left_to_right" : "right_to_left")));
            }
        }
    }

    private void EvaluateCrowd(IReadOnlyList<Track> tracks, TimeSpan at, List<AnalyticsEvent> events)
    {
        if (_settings.CrowdAbove is not { } limit)
        {
            return;
        }

        var people = tracks.Where(t => t.SeenNow && t.Hits >= _settings.PersistenceFrames).ToList();
        _crowdFrames = people.Count > limit ? _crowdFrames + 1 : 0;
        var coolingDown = _lastCrowdAlert is { } last && (at - last).TotalSeconds < _settings.CrowdCooldownSeconds;
        if (_crowdFrames < _settings.PersistenceFrames || coolingDown)
        {
            return;
        }

        _lastCrowdAlert = at;
        var attributes = new Dictionary<string, string> { ["people_count"] = people.Count.ToString(CultureInfo.InvariantCulture) };
        events.Add(new AnalyticsEvent(AnalyticsEventKind.Crowd, at, Math.Clamp(people.Average(t => t.MeanScore), 0, 1),
            people.Select(t => t.Box).ToList(), attributes));
    }

    private static AnalyticsEvent Event(AnalyticsEventKind kind, TimeSpan at, Track track, params (string Key, string Value)[] details)
    {
        var attributes = new Dictionary<string, string> { ["track_id"] = track.Id.ToString(CultureInfo.InvariantCulture) };
        foreach (var (key, value) in details)
        {
            attributes[key] = value;
        }

        return new AnalyticsEvent(kind, at, Math.Clamp(track.MeanScore, 0, 1), [track.Box], attributes);
    }

    private void Forget(IReadOnlyList<Track> tracks)
    {
        if (_zoneStates.Count + _lineStates.Count < 1024)
        {
            return;
        }

        var alive = tracks.Select(t => t.Id).ToHashSet();
        foreach (var key in _zoneStates.Keys.Where(k => !alive.Contains(k.Track)).ToList())
        {
            _zoneStates.Remove(key);
        }

        foreach (var key in _lineStates.Keys.Where(k => !alive.Contains(k.Track)).ToList())
        {
            _lineStates.Remove(key);
        }
    }

    private sealed class ZoneState
    {
        public int ConsecutiveFrames { get; set; }

        public TimeSpan? EnteredAt { get; set; }

        public bool IntrusionRaised { get; set; }

        public bool LoiteringRaised { get; set; }
    }

    private sealed class LineState(int side, NormalizedPoint point)
    {
        public int Side { get; set; } = side;

        public NormalizedPoint Point { get; set; } = point;
    }
}
