using System.Diagnostics;
using System.Globalization;
using Dispatch.Abstractions.Stations;
using Dispatch.Domain.City;
using Dispatch.Domain.Coverage;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.Live;
using Dispatch.Server.Roads;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Coverage;

/// <summary>Live coverage settings (appsettings "Dispatch:Coverage").</summary>
public sealed class LiveCoverageOptions
{
    public const string SectionName = "Dispatch:Coverage";

    /// <summary>A computed picture is served to every page for this long before it is recomputed; 0 recomputes on every request.</summary>
    public double MaxAgeSeconds { get; set; } = 5;

    /// <summary>The tier whose lost coverage is listed and restored by move-ups; the response plan's tier nearest to it is used.</summary>
    public double RestoreTierSeconds { get; set; } = 180;

    /// <summary>At most this many move-ups are recommended at once.</summary>
    public int MaxMoveUps { get; set; } = 5;

    /// <summary>How long an accepted move-up's patrol directive lasts.</summary>
    public double MoveUpDirectiveMinutes { get; set; } = 60;

    /// <summary>Radius of the patrol area around the post a unit moves up to.</summary>
    public double PostAreaRadiusMeters { get; set; } = 150;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string key, string rule, double value)
        {
            if (!ok)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{key} {rule}, got {value}"));
            }
        }

        Check(double.IsFinite(MaxAgeSeconds) && MaxAgeSeconds >= 0, nameof(MaxAgeSeconds), "must be >= 0", MaxAgeSeconds);
        Check(double.IsFinite(RestoreTierSeconds) && RestoreTierSeconds > 0, nameof(RestoreTierSeconds), "must be > 0", RestoreTierSeconds);
        Check(MaxMoveUps is >= 1 and <= 50, nameof(MaxMoveUps), "must be within 1..50", MaxMoveUps);
        Check(double.IsFinite(MoveUpDirectiveMinutes) && MoveUpDirectiveMinutes is > 0 and <= 24 * 60, nameof(MoveUpDirectiveMinutes), "must be within (0, 1440]", MoveUpDirectiveMinutes);
        Check(double.IsFinite(PostAreaRadiusMeters) && PostAreaRadiusMeters is >= 10 and <= 5000, nameof(PostAreaRadiusMeters), "must be within 10..5000", PostAreaRadiusMeters);
        return errors;
    }
}

/// <summary>A grid's coverage now: share of its area reached within each tier, in tier order.</summary>
public sealed record GridCoverageView(string GridId, string Name, string StationId, IReadOnlyList<double> CoveredShare, IReadOnlyList<bool> Covered);

/// <summary>A grid covered at the restore tier when every unit is available at its post, and not covered now.</summary>
public sealed record LostGrid(string GridId, string Name, string StationId, double PlannedShare, double CoveredShare);

/// <summary>
/// What GET /api/coverage answers. <see cref="Cells"/> are the covered sample points, each
/// [latitude, longitude, tierSeconds] with the smallest tier that reaches it; a page draws each as a square of
/// <see cref="CellMeters"/>. <see cref="LostGrids"/> lost coverage at <see cref="RestoreTierSeconds"/>.
/// </summary>
public sealed record CoverageView(
    DateTimeOffset ComputedAt,
    double ComputeMilliseconds,
    IReadOnlyList<double> TierSeconds,
    double RestoreTierSeconds,
    int AvailableUnits,
    int StationsWithResponders,
    int SourcesOffRoad,
    IReadOnlyList<double> CityShare,
    double CellMeters,
    IReadOnlyList<double[]> Cells,
    IReadOnlyList<GridCoverageView> Grids,
    IReadOnlyList<LostGrid> LostGrids);

/// <summary>A recommended move of an idle unit to a post (a station), with the grids it restores and the recorded reason.</summary>
public sealed record MoveUpView(
    string UnitId,
    string CallSign,
    UnitKind Kind,
    double FromLatitude,
    double FromLongitude,
    string PostId,
    string PostName,
    double ToLatitude,
    double ToLongitude,
    IReadOnlyList<string> GridsRestored,
    string Reason);

/// <summary>What GET /api/coverage/move-ups answers.</summary>
public sealed record MoveUpsView(DateTimeOffset ComputedAt, double ComputeMilliseconds, double TierSeconds, IReadOnlyList<MoveUpView> Moves);

/// <summary>
/// Coverage of the city from where the available units and the stations' free responders are now, on the
/// loaded road network, and the move-ups that would restore what was lost. The map's sample points are snapped
/// once; each picture is a few bounded searches, computed at most once per <see cref="LiveCoverageOptions.MaxAgeSeconds"/>
/// and shared by every page.
/// </summary>
public sealed class CoverageDesk
{
    private readonly LiveBoard _board;
    private readonly MoveUpDesk _moveUpDesk;
    private readonly LiveHostService _live;
    private readonly IGrainFactory _grains;
    private readonly CityModel _city;
    private readonly TimeProvider _clock;
    private readonly LiveCoverageOptions _options;
    private readonly Lazy<CoverageMap>? _map;
    private readonly Lazy<CoverageReport>? _planned;
    private readonly SemaphoreSlim _coverageGate = new(1, 1);
    private readonly SemaphoreSlim _moveUpGate = new(1, 1);
    private CoverageView? _coverage;
    private MoveUpsView? _moveUps;

    public CoverageDesk(
        LiveBoard board, LiveHostService live, IGrainFactory grains, CityModel city, LoadedRoads roads, ResponsePlan plan,
        MoveUpDesk moveUps, TimeProvider clock, IOptions<LiveCoverageOptions> options)
    {
        _moveUpDesk = moveUps;
        _board = board;
        _live = live;
        _grains = grains;
        _city = city;
        _clock = clock;
        _options = options.Value;
        double[] tiers = [.. plan.Tiers.Select(t => t.Target.TotalSeconds).Distinct().Order()];
        RestoreTierIndex = Array.IndexOf(tiers, tiers.MinBy(t => Math.Abs(t - _options.RestoreTierSeconds)));
        if (roads.Graph is { } graph)
        {
            _map = new(() => new CoverageMap(graph, city.Grids, new CoverageOptions { TierSeconds = tiers }));

            // The reference for "lost": every unit available at its post and every station's responders in.
            _planned = new(() => _map.Value.Evaluate(
                [.. city.Units.Select(u => new CoverageSource(u.Start, u.Kind)), .. city.Stations.Where(s => s.OnDutyResponders > 0).Select(s => new CoverageSource(s.Location, UnitKind.Foot))]));
        }
    }

    /// <summary>False when no road network is loaded: coverage needs one.</summary>
    public bool Available => _map is not null;

    public int RestoreTierIndex { get; }

    /// <summary>The current picture, recomputed when older than the configured age.</summary>
    public async Task<CoverageView> CoverageAsync(CancellationToken cancellationToken)
    {
        var map = Map();
        if (Fresh(_coverage?.ComputedAt) && _coverage is { } cached)
        {
            return cached;
        }

        await _coverageGate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_coverage?.ComputedAt) && _coverage is { } justComputed)
            {
                return justComputed;
            }

            var (units, stations) = await SourcesAsync(cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var report = map.Evaluate([.. units.Select(u => u.Source), .. stations.Select(s => s.Source)]);
            var view = ToView(map, report, units.Count, stations.Count);
            view = view with { ComputeMilliseconds = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1) };
            _coverage = view;
            return view;
        }
        finally
        {
            _coverageGate.Release();
        }
    }

    /// <summary>Recommended moves of idle units to stations that restore lost coverage at the restore tier.</summary>
    public async Task<MoveUpsView> MoveUpsAsync(CancellationToken cancellationToken)
    {
        var map = Map();
        if (Fresh(_moveUps?.ComputedAt) && _moveUps is { } cached)
        {
            return cached;
        }

        await _moveUpGate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_moveUps?.ComputedAt) && _moveUps is { } justComputed)
            {
                return justComputed;
            }

            var (units, stations) = await SourcesAsync(cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var tierSeconds = map.TierSeconds[RestoreTierIndex];

            // A unit already sent to a post counts there and is not moved again.
            var movingUp = _moveUpDesk.MovingUp();
            var moves = MoveUpPlanner.Recommend(
                map,
                [.. units.Where(u => !movingUp.ContainsKey(u.Unit.UnitId)).Select(u => new MoveUpCandidate(u.Unit.UnitId, u.Unit.Kind, u.Source.Position))],
                [
                    .. stations.Select(s => s.Source),
                    .. units.Where(u => movingUp.ContainsKey(u.Unit.UnitId)).Select(u => new CoverageSource(movingUp[u.Unit.UnitId], u.Unit.Kind)),
                ],
                [.. _city.Stations.Select(s => new MoveUpPost(s.Id, s.Location, s.GridId))],
                tierSeconds,
                _options.MaxMoveUps);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var callSigns = units.ToDictionary(u => u.Unit.UnitId, u => u.Unit.CallSign, StringComparer.Ordinal);
            var view = new MoveUpsView(_clock.GetUtcNow(), Math.Round(elapsed.TotalMilliseconds, 1), tierSeconds, [.. moves.Select(m => new MoveUpView(
                m.UnitId, callSigns.GetValueOrDefault(m.UnitId, m.UnitId), m.Kind, m.From.Latitude, m.From.Longitude,
                m.PostId, _city.FindStation(m.PostId)?.Name ?? m.PostId, m.To.Latitude, m.To.Longitude, m.GridsRestored, m.Reason))]);
            _moveUps = view;
            return view;
        }
        finally
        {
            _moveUpGate.Release();
        }
    }

    /// <summary>Forgets the last recommendation, e.g. after some were accepted.</summary>
    public void ForgetMoveUps() => _moveUps = null;

    /// <summary>Snaps the map's sample points and evaluates the planned coverage, so the first page does not wait for it.</summary>
    public void Warm()
    {
        _ = _map?.Value;
        _ = _planned?.Value;
    }

    private CoverageMap Map() => _map?.Value ?? throw new InvalidOperationException(
        $"no road network is loaded ({RoadNetworkOptions.SectionName}); coverage is measured on roads");

    private bool Fresh(DateTimeOffset? computedAt) =>
        computedAt is { } at && (_clock.GetUtcNow() - at).TotalSeconds < _options.MaxAgeSeconds;

    /// <summary>Available units at their last position, and stations with free responders (who respond on foot).</summary>
    private async Task<(List<(LiveUnit Unit, CoverageSource Source)> Units, List<(StationSpec Station, CoverageSource Source)> Stations)> SourcesAsync(
        CancellationToken cancellationToken)
    {
        // Before the board is loaded every unit would look missing.
        await _live.Ready.WaitAsync(cancellationToken);
        var units = _board.Positions(_city.Units.Select(u => u.Id)).Units
            .Where(u => u.Status == UnitStatus.Available && u.Latitude is not null && u.Longitude is not null)
            .Select(u => (u, new CoverageSource(new GeoPoint(u.Latitude!.Value, u.Longitude!.Value), u.Kind)))
            .ToList();
        var views = await Task.WhenAll(_city.Stations.Select(s => _grains.GetGrain<IStationGrain>(s.Id).GetAsync()));
        var stations = _city.Stations
            .Zip(views)
            .Where(p => p.Second is { } v ? v.OnDutyResponders - v.BusyResponders > 0 : p.First.OnDutyResponders > 0)
            .Select(p => (p.First, new CoverageSource(p.First.Location, UnitKind.Foot)))
            .ToList();
        return (units, stations);
    }

    private CoverageView ToView(CoverageMap map, CoverageReport report, int unitCount, int stationCount)
    {
        var tiers = report.TierSeconds;
        var cells = new List<double[]>();
        for (var s = 0; s < map.SampleCount; s++)
        {
            var seconds = report.SampleSeconds[s];
            var tier = tiers.FirstOrDefault(t => seconds <= t);
            if (tier > 0)
            {
                var p = map.SamplePositions[s];
                cells.Add([Math.Round(p.Latitude, 6), Math.Round(p.Longitude, 6), tier]);
            }
        }

        var grids = report.Grids.Select((g, i) => new GridCoverageView(
            g.GridId,
            map.Grids[i].Name,
            map.Grids[i].StationId,
            [.. g.CoveredShare.Select(s => Math.Round(s, 3))],
            [.. g.CoveredShare.Select(s => s >= report.GridCoveredShare)])).ToList();
        var planned = _planned!.Value;
        var lost = CoverageReport.GridsLosingCoverage(planned, report, RestoreTierIndex).ToHashSet(StringComparer.Ordinal);
        var lostGrids = Enumerable.Range(0, map.Grids.Count)
            .Where(i => lost.Contains(map.Grids[i].Id))
            .Select(i => new LostGrid(
                map.Grids[i].Id, map.Grids[i].Name, map.Grids[i].StationId,
                Math.Round(planned.Grids[i].CoveredShare[RestoreTierIndex], 3), Math.Round(report.Grids[i].CoveredShare[RestoreTierIndex], 3)))
            .OrderBy(g => g.CoveredShare)
            .ThenBy(g => g.GridId, StringComparer.Ordinal)
            .ToList();
        return new CoverageView(
            _clock.GetUtcNow(),
            0,
            tiers,
            tiers[RestoreTierIndex],
            unitCount,
            stationCount,
            report.SourcesOffRoad,
            [.. Enumerable.Range(0, tiers.Count).Select(t => Math.Round(report.CityShare(t), 3))],
            map.Options.SampleSpacingMeters,
            cells,
            grids,
            lostGrids);
    }
}
