using System.Globalization;
using Dispatch.Vision.Geometry;

namespace Dispatch.Vision.Analytics;

/// <summary>
/// Turns tracks into events: intrusion, loitering, crowd and directed line crossing. Every condition
/// must persist over several frames, and each fires once per person (crowd: once per cooldown). A line
/// is crossed only when the feet get <see cref="CameraAnalyticsSettings.LineMinDistance"/> past it and
/// stay there for the persistence frames, and
/// one person crossing one line again within <see cref="CameraAnalyticsSettings.LineCooldownSeconds"/>
/// raises nothing: detected feet wobble by a step's width, and a person lingering at a line must not
/// count as a stream of crossings.
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
                    events.Add(Event(AnalyticsEventKind.Intrusion, at, track, RuleOutline.Of(rule.Zone), ("zone", rule.Zone.Name)));
                }
            }

            var dwellSeconds = (at - state.EnteredAt.Value).TotalSeconds;
            if (rule.LoiteringSeconds is { } limit && dwellSeconds >= limit && !state.LoiteringRaised)
            {
                state.LoiteringRaised = true;
                events.Add(Event(AnalyticsEventKind.Loitering, at, track, RuleOutline.Of(rule.Zone),
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
            if (Math.Abs(distance) < _settings.LineMinDistance)
            {
                // Too close to call: the side stays what it last clearly was.
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
                state.FramesOnOtherSide = 0;
                continue;
            }

            // A single far-off detection is no crossing: the feet must stay clearly over for the persistence frames.
            if (++state.FramesOnOtherSide < _settings.PersistenceFrames)
            {
                continue;
            }

            state.FramesOnOtherSide = 0;
            var crossedSegment = line.SegmentCrosses(state.Point, foot);
            var direction = side > 0 ? CrossingDirection.LeftToRight : CrossingDirection.RightToLeft;
            state.Side = side;
            state.Point = foot;
            var coolingDown = state.LastRaised is { } last && (at - last).TotalSeconds < _settings.LineCooldownSeconds;
            if (confirmed && crossedSegment && line.Raises(direction) && !coolingDown)
            {
                state.LastRaised = at;
                events.Add(Event(AnalyticsEventKind.LineCrossing, at, track, RuleOutline.Of(line),
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

    private static AnalyticsEvent Event(AnalyticsEventKind kind, TimeSpan at, Track track, RuleOutline outline, params (string Key, string Value)[] details)
    {
        var attributes = new Dictionary<string, string> { ["track_id"] = track.Id.ToString(CultureInfo.InvariantCulture) };
        foreach (var (key, value) in details)
        {
            attributes[key] = value;
        }

        return new AnalyticsEvent(kind, at, Math.Clamp(track.MeanScore, 0, 1), [track.Box], attributes, [outline]);
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
        /// <summary>The side the feet were last clearly on.</summary>
        public int Side { get; set; } = side;

        /// <summary>The last point clearly on that side.</summary>
        public NormalizedPoint Point { get; set; } = point;

        /// <summary>Frames in a row (this person seen) with the feet clearly on the other side.</summary>
        public int FramesOnOtherSide { get; set; }

        /// <summary>When this person's last crossing of this line raised an alert.</summary>
        public TimeSpan? LastRaised { get; set; }
    }
}
