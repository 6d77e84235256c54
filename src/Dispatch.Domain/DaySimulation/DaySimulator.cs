using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.Coverage;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Ranking;
using Dispatch.Domain.Roads;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.DaySimulation;

/// <summary>How units are chosen.</summary>
public enum DayPolicy
{
    /// <summary>Rank by straight-line ETA; units still drive on the roads.</summary>
    StraightLineNearest = 0,

    /// <summary>Rank by road travel time.</summary>
    TravelTime = 1,

    /// <summary>Rank by road travel time, and after each dispatch move idle units to restore 3-minute coverage.</summary>
    TravelTimeWithMoveUps = 2,

    /// <summary>
    /// As <see cref="TravelTimeWithMoveUps"/>, and for each patrol window (a hotspot found in the history) the nearest
    /// idle unit is sent to the hotspot shortly before the window opens and kept there (replaced after a dispatch).
    /// </summary>
    TravelTimeWithMoveUpsAndHotspotPatrols = 3,
}

/// <summary>A hotspot patrol for the simulated day: stand by at <see cref="Location"/> from <see cref="From"/> to <see cref="Until"/>.</summary>
public sealed record PatrolWindow(string HotspotId, GeoPoint Location, TimeSpan From, TimeSpan Until);

/// <summary>How one incident went under a policy: whether each tier that asked for responders was met, and the mean response of its units.</summary>
public sealed record DayIncidentOutcome(int Number, IReadOnlyList<bool?> TierMet, double MeanResponseSeconds);

public sealed class DaySimulationOptions
{
    /// <summary>Acknowledgement delay on the terminal, drawn uniformly in this range per assignment.</summary>
    public double AckDelayMinSeconds { get; set; } = 5;

    public double AckDelayMaxSeconds { get; set; } = 20;

    /// <summary>When true, patrol units drive back to their home station after clearing before they are available; otherwise they are available at the scene.</summary>
    public bool ReturnHome { get; set; }

    /// <summary>Moves recommended after each dispatch under <see cref="DayPolicy.TravelTimeWithMoveUps"/>.</summary>
    public int MoveUpsPerDispatch { get; set; } = 2;

    /// <summary>The coverage target move-ups restore.</summary>
    public double MoveUpTierSeconds { get; set; } = 180;

    public CoverageOptions Coverage { get; set; } = new() { SampleSpacingMeters = 250 };

    /// <summary>How long before a patrol window opens its unit is sent (it drives there meanwhile).</summary>
    public double PatrolLeadMinutes { get; set; } = 10;

    /// <summary>Units kept at each hotspot during its window.</summary>
    public int UnitsPerPatrol { get; set; } = 1;
}

/// <summary>The outcome of one policy over the day.</summary>
public sealed record DayResult(
    DayPolicy Policy,
    int Incidents,
    IReadOnlyList<string> TierNames,
    IReadOnlyList<int> TierIncidents,
    IReadOnlyList<int> TierMet,
    double MeanEtaSeconds,
    int Dispatches,
    int MoveUps,
    int PicksCompared,
    int PicksDiffering)
{
    /// <summary>Hotspot patrol postings (a unit sent to a hotspot, including replacements).</summary>
    public int PatrolPostings { get; init; }

    /// <summary>Per incident, in the order given.</summary>
    public IReadOnlyList<DayIncidentOutcome> Outcomes { get; init; } = [];

    /// <summary>Share of incidents that asked for tier <paramref name="tier"/> in which every requested responder arrived within its target.</summary>
    public double TierMetShare(int tier) => TierIncidents[tier] == 0 ? 1 : (double)TierMet[tier] / TierIncidents[tier];

    public string PolicyName => Policy switch
    {
        DayPolicy.StraightLineNearest => "straight-line-nearest",
        DayPolicy.TravelTime => "travel-time",
        DayPolicy.TravelTimeWithMoveUps => "travel-time+move-ups",
        DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols => "travel-time+move-ups+hotspot-patrols",
        _ => Policy.ToString(),
    };

    /// <summary>policy=NAME incidents=N tier1_met=P% tier2_met=P% tier3_met=P% mean_eta_s=X</summary>
    public string Summary()
    {
        var tiers = string.Join(' ', Enumerable.Range(0, TierNames.Count)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"tier{t + 1}_met={TierMetShare(t) * 100:F1}%")));
        return string.Create(CultureInfo.InvariantCulture, $"policy={PolicyName} incidents={Incidents} {tiers} mean_eta_s={MeanEtaSeconds:F1}");
    }
}

/// <summary>
/// A discrete-event simulation of one day of dispatch on a simulated clock, with the domain's own
/// dispatch policy: each incident's tiers are filled by <see cref="CandidateRanker"/> with the policy's
/// estimator; a unit acknowledges after a delay, then drives on the road graph (travel time = the road
/// ETA of its kind), stays on scene, clears and becomes available again. A unit being moved up is
/// available for dispatch from where it set off until it arrives at its post.
/// </summary>
public sealed class DaySimulator
{
    private const double TravelBoundSeconds = 4 * 3600;

    private readonly CityModel _city;
    private readonly RoadGraph _graph;
    private readonly ResponsePlan _plan;
    private readonly DaySimulationOptions _options;
    private readonly Lazy<CoverageMap> _coverage;

    public DaySimulator(CityModel city, RoadGraph graph, ResponsePlan plan, DaySimulationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(city);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(plan);
        _city = city;
        _graph = graph;
        _plan = plan;
        _options = options ?? new DaySimulationOptions();
        _coverage = new Lazy<CoverageMap>(() => new CoverageMap(_graph, _city.Grids, _options.Coverage));
    }

    /// <summary>Runs the day; <paramref name="patrols"/> are used (and needed) only by <see cref="DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols"/>.</summary>
    public DayResult Run(DayPolicy policy, IReadOnlyList<DayIncident> incidents, IReadOnlyList<PatrolWindow>? patrols = null)
    {
        ArgumentNullException.ThrowIfNull(incidents);
        if (policy == DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols && patrols is null)
        {
            throw new ArgumentException("the hotspot patrol policy needs the day's patrol windows", nameof(patrols));
        }

        return new Day(this, policy, policy == DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols ? patrols! : []).Run(incidents);
    }

    private sealed class Unit(int index, string id, UnitKind kind, GeoPoint position, GeoPoint home, string? stationId, bool isStationResponder)
    {
        public int Index { get; } = index;

        public string Id { get; } = id;

        public UnitKind Kind { get; } = kind;

        public GeoPoint Position { get; set; } = position;

        public GeoPoint Home { get; } = home;

        public string? StationId { get; } = stationId;

        public bool IsStationResponder { get; } = isStationResponder;

        public bool Available { get; set; } = true;

        /// <summary>Bumped on every new assignment or move, so a stale arrival event is ignored.</summary>
        public int Version { get; set; }

        public (string PostId, GeoPoint To)? MovingTo { get; set; }

        /// <summary>The patrol window this unit stands by for, if any.</summary>
        public int? Patrol { get; set; }
    }

    private enum EventKind
    {
        UnitFree = 0,
        MoveUpArrives = 1,
        Incident = 2,
        PatrolStarts = 3,
        PatrolEnds = 4,
    }

    private sealed class Day
    {
        private readonly DaySimulator _sim;
        private readonly DayPolicy _policy;
        private readonly IReadOnlyList<PatrolWindow> _patrols;
        private readonly bool[] _patrolActive;
        private readonly List<DayIncidentOutcome> _outcomes = [];
        private readonly IEtaEstimator _ranking;
        private readonly StraightLineEtaEstimator _straightLine = new();
        private readonly RoadEtaEstimator _roadRanking;
        private readonly RoadEtaEstimator _travel;
        private readonly List<Unit> _units = [];
        private readonly Dictionary<string, Unit> _byId = new(StringComparer.Ordinal);
        private readonly PriorityQueue<(EventKind Kind, int Index, int Version), (TimeSpan At, long Sequence)> _events = new();
        private long _sequence;
        private int _dispatches;
        private double _etaSum;
        private int _moveUps;
        private int _picksCompared;
        private int _picksDiffering;
        private int _patrolPostings;

        public Day(DaySimulator sim, DayPolicy policy, IReadOnlyList<PatrolWindow> patrols)
        {
            _sim = sim;
            _policy = policy;
            _patrols = patrols;
            _patrolActive = new bool[patrols.Count];
            _roadRanking = new RoadEtaEstimator(sim._graph, new RoadEtaOptions { MaxSearchSeconds = sim._plan.Tiers.Max(t => t.Target.TotalSeconds) }, _straightLine);
            _travel = new RoadEtaEstimator(sim._graph, new RoadEtaOptions { MaxSearchSeconds = TravelBoundSeconds }, _straightLine);
            _ranking = policy == DayPolicy.StraightLineNearest ? _straightLine : _roadRanking;

            foreach (var spec in sim._city.Units.OrderBy(u => u.Id, StringComparer.Ordinal))
            {
                var home = sim._city.FindStation(spec.HomeStationId)?.Location ?? spec.Start;
                Add(new Unit(_units.Count, spec.Id, spec.Kind, spec.Start, home, spec.HomeStationId, isStationResponder: false));
            }

            foreach (var station in sim._city.Stations.OrderBy(s => s.Id, StringComparer.Ordinal))
            {
                for (var r = 1; r <= station.OnDutyResponders; r++)
                {
                    Add(new Unit(_units.Count, $"{station.Id}/R{r}", UnitKind.Foot, station.Location, station.Location, station.Id, isStationResponder: true));
                }
            }
        }

        public DayResult Run(IReadOnlyList<DayIncident> incidents)
        {
            var tiers = _sim._plan.Tiers;
            var tierIncidents = new int[tiers.Count];
            var tierMet = new int[tiers.Count];
            for (var i = 0; i < incidents.Count; i++)
            {
                Schedule(incidents[i].At, EventKind.Incident, i, 0);
            }

            var lead = TimeSpan.FromMinutes(_sim._options.PatrolLeadMinutes);
            for (var p = 0; p < _patrols.Count; p++)
            {
                var start = _patrols[p].From - lead;
                Schedule(start < TimeSpan.Zero ? TimeSpan.Zero : start, EventKind.PatrolStarts, p, 0);
                Schedule(_patrols[p].Until, EventKind.PatrolEnds, p, 0);
            }

            while (_events.TryDequeue(out var e, out var key))
            {
                switch (e.Kind)
                {
                    case EventKind.Incident:
                        Dispatch(incidents[e.Index], key.At, tierIncidents, tierMet);
                        break;
                    case EventKind.UnitFree:
                        var unit = _units[e.Index];
                        if (unit.Version == e.Version)
                        {
                            unit.Available = true;
                            StaffPatrols(key.At);
                        }

                        break;
                    case EventKind.PatrolStarts:
                        _patrolActive[e.Index] = true;
                        StaffPatrols(key.At);
                        break;
                    case EventKind.PatrolEnds:
                        _patrolActive[e.Index] = false;
                        foreach (var posted in _units.Where(u => u.Patrol == e.Index))
                        {
                            posted.Patrol = null;
                        }

                        break;
                    case EventKind.MoveUpArrives:
                        var moved = _units[e.Index];
                        if (moved.Version == e.Version && moved.MovingTo is { } post)
                        {
                            moved.Position = post.To;
                            moved.MovingTo = null;
                        }

                        break;
                }
            }

            return new DayResult(
                _policy,
                incidents.Count,
                [.. tiers.Select(t => t.Name)],
                tierIncidents,
                tierMet,
                _dispatches == 0 ? 0 : _etaSum / _dispatches,
                _dispatches,
                _moveUps,
                _picksCompared,
                _picksDiffering)
            {
                PatrolPostings = _patrolPostings,
                Outcomes = [.. _outcomes.OrderBy(o => o.Number)],
            };
        }

        private void Add(Unit unit)
        {
            _units.Add(unit);
            _byId[unit.Id] = unit;
        }

        private void Schedule(TimeSpan at, EventKind kind, int index, int version) =>
            _events.Enqueue((kind, index, version), (at, _sequence++));

        private void Dispatch(DayIncident incident, TimeSpan now, int[] tierIncidents, int[] tierMet)
        {
            var ack = new Random(incident.AckSeed);
            var excluded = new HashSet<string>(StringComparer.Ordinal);
            var tiers = _sim._plan.Tiers;
            var comparedThisIncident = false;
            var met = new bool?[tiers.Count];
            var responseSum = 0.0;
            var responses = 0;
            for (var t = 0; t < tiers.Count; t++)
            {
                var tier = tiers[t];
                var requested = tier.RespondersFor(incident.Priority);
                if (requested == 0)
                {
                    continue;
                }

                tierIncidents[t]++;
                var candidates = Candidates(tier.Kind, incident.StationId);
                var recommendation = CandidateRanker.RankForTier(tier, requested, incident.Location, candidates, _ranking, excluded);
                if (_policy == DayPolicy.TravelTime && tier.Kind == TierKind.NearestUnits && !comparedThisIncident && recommendation.Picks.Count > 0)
                {
                    // How often would the straight-line model have chosen another unit first?
                    comparedThisIncident = true;
                    var straight = CandidateRanker.RankForTier(tier, 1, incident.Location, candidates, _straightLine, excluded);
                    _picksCompared++;
                    if (straight.Picks.Count == 0 || straight.Picks[0].UnitId != recommendation.Picks[0].UnitId)
                    {
                        _picksDiffering++;
                    }
                }

                var allInTime = recommendation.Picks.Count == requested;
                foreach (var pick in recommendation.Picks)
                {
                    excluded.Add(pick.UnitId);
                    var responseSeconds = Assign(_byId[pick.UnitId], incident, now, ack);
                    allInTime &= responseSeconds <= tier.Target.TotalSeconds;
                    responseSum += responseSeconds;
                    responses++;
                }

                met[t] = allInTime;
                if (allInTime)
                {
                    tierMet[t]++;
                }
            }

            _outcomes.Add(new DayIncidentOutcome(incident.Number, met, responses == 0 ? double.NaN : responseSum / responses));
            if (_policy is DayPolicy.TravelTimeWithMoveUps or DayPolicy.TravelTimeWithMoveUpsAndHotspotPatrols)
            {
                StaffPatrols(now);
                MoveUp(now);
            }
        }

        /// <summary>
        /// Every open patrol window short of units gets the idle unit nearest its hotspot by road (among the few
        /// nearest in a straight line), which drives there and stands by; it stays dispatchable like any idle unit.
        /// </summary>
        private void StaffPatrols(TimeSpan now)
        {
            for (var p = 0; p < _patrols.Count; p++)
            {
                if (!_patrolActive[p])
                {
                    continue;
                }

                var window = _patrols[p];
                var missing = _sim._options.UnitsPerPatrol - _units.Count(u => u.Patrol == p);
                for (; missing > 0; missing--)
                {
                    var unit = _units
                        .Where(u => u.Available && !u.IsStationResponder && u.Patrol is null)
                        .OrderBy(u => GreatCircle.DistanceMeters(u.Position, window.Location))
                        .Take(5)
                        .Select(u => (Unit: u, Seconds: _travel.EtaSeconds(u.Position, u.Kind, window.Location)))
                        .OrderBy(c => c.Seconds)
                        .ThenBy(c => c.Unit.Id, StringComparer.Ordinal)
                        .FirstOrDefault();
                    if (unit.Unit is null)
                    {
                        return;
                    }

                    unit.Unit.Version++;
                    unit.Unit.Patrol = p;
                    unit.Unit.MovingTo = (window.HotspotId, window.Location);
                    Schedule(now + TimeSpan.FromSeconds(unit.Seconds), EventKind.MoveUpArrives, unit.Unit.Index, unit.Unit.Version);
                    _patrolPostings++;
                }
            }
        }

        private List<Candidate> Candidates(TierKind kind, string stationId) =>
            [.. _units
                .Where(u => u.Available && (kind == TierKind.StationResponders ? u.IsStationResponder && u.StationId == stationId : !u.IsStationResponder))
                .Select(u => new Candidate(u.Id, u.Kind, u.Position, u.StationId))];

        /// <summary>Sends the unit; returns its response time (acknowledgement plus driving) in seconds.</summary>
        private double Assign(Unit unit, DayIncident incident, TimeSpan now, Random ack)
        {
            var options = _sim._options;
            var ackSeconds = options.AckDelayMinSeconds + (ack.NextDouble() * (options.AckDelayMaxSeconds - options.AckDelayMinSeconds));
            var travelSeconds = _travel.EtaSeconds(unit.Position, unit.Kind, incident.Location);
            var responseSeconds = ackSeconds + travelSeconds;
            _dispatches++;
            _etaSum += responseSeconds;

            unit.Available = false;
            unit.MovingTo = null;
            unit.Patrol = null;
            unit.Version++;
            var free = now + TimeSpan.FromSeconds(responseSeconds) + incident.OnScene + incident.Clearing;
            unit.Position = incident.Location;
            if (unit.IsStationResponder || options.ReturnHome)
            {
                // Back to the station before taking the next call.
                free += TimeSpan.FromSeconds(_travel.EtaSeconds(incident.Location, unit.Kind, unit.Home));
                unit.Position = unit.Home;
            }

            Schedule(free, EventKind.UnitFree, unit.Index, unit.Version);
            return responseSeconds;
        }

        private void MoveUp(TimeSpan now)
        {
            var idle = new List<MoveUpCandidate>();
            var fixedSources = new List<CoverageSource>();
            foreach (var unit in _units.Where(u => u.Available))
            {
                if (unit.IsStationResponder)
                {
                    fixedSources.Add(new CoverageSource(unit.Position, unit.Kind));
                }
                else if (unit.Patrol is not null)
                {
                    // Standing by at a hotspot: counts there, is not moved up.
                    fixedSources.Add(new CoverageSource(unit.MovingTo?.To ?? unit.Position, unit.Kind));
                }
                else if (unit.MovingTo is { } post)
                {
                    fixedSources.Add(new CoverageSource(post.To, unit.Kind));
                }
                else
                {
                    idle.Add(new MoveUpCandidate(unit.Id, unit.Kind, unit.Position));
                }
            }

            var posts = _sim._city.Stations.Select(s => new MoveUpPost(s.Id, s.Location, s.GridId)).ToList();
            var moves = MoveUpPlanner.Recommend(_sim._coverage.Value, idle, fixedSources, posts, _sim._options.MoveUpTierSeconds, _sim._options.MoveUpsPerDispatch);
            foreach (var move in moves)
            {
                var unit = _byId[move.UnitId];
                unit.Version++;
                unit.MovingTo = (move.PostId, move.To);
                var seconds = _travel.EtaSeconds(unit.Position, unit.Kind, move.To);
                Schedule(now + TimeSpan.FromSeconds(seconds), EventKind.MoveUpArrives, unit.Index, unit.Version);
                _moveUps++;
            }
        }
    }
}
