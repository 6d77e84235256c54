using Dispatch.Abstractions.Records;
using Dispatch.Abstractions.Units;
using Dispatch.Abstractions.Zones;
using Dispatch.Domain.Eta;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Index;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Ranking;
using Dispatch.Domain.Zones;
using Dispatch.Grains.City;
using Dispatch.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dispatch.Grains.Zones;

/// <summary>
/// The live index of one dispatch zone: every unit within the search margin of the zone, with its latest position,
/// whether it can be dispatched and, while it drives to an incident, where it must arrive. Soft state: rebuilt at
/// activation by asking the units last seen around the zone (the position table) and the city's units that start
/// there, then kept current by batched positions and the units' own changes. Ranks by ETA and reserves in one turn,
/// so two incidents of the zone never pick the same unit; a reservation lasts until the unit's change arrives or
/// <see cref="ReservationTimeout"/> passes. Kept alive: an idle zone still answers the next incident at once.
/// </summary>
[KeepAlive]
public sealed partial class DispatcherGrain(
    IUnitPositionStore positions,
    CityDirectory city,
    IEtaEstimator eta,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<DispatchGrainOptions> options,
    ILogger<DispatcherGrain> logger) : Grain, IDispatcherGrain
{
    /// <summary>How long a reserved unit is withheld from other incidents when no news of it arrives.</summary>
    internal static readonly TimeSpan ReservationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A unit whose position arrived but that has not introduced itself is asked again after this long.</summary>
    private static readonly TimeSpan JoinRetry = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, Entry> _units = new(StringComparer.Ordinal);
    private readonly DispatchGrainOptions _options = options.Value;
    private DispatchZone _zone;
    private UnitCellIndex _index = null!;

    private double MarginMeters => _options.ZoneMarginMeters;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!DispatchZone.TryParse(this.GetPrimaryKeyString(), out _zone))
        {
            throw new ArgumentException($"'{this.GetPrimaryKeyString()}' is not a dispatch zone key");
        }

        _index = new UnitCellIndex(_zone.SouthWest);

        // Units last seen around the zone, and the city's units that start there: each says what it is now.
        var (south, west) = (_zone.SouthWest.Latitude, _zone.SouthWest.Longitude);
        var north = south + DispatchZone.LatitudeStepDegrees;
        var latitudeSpan = (MarginMeters / 110_000.0) + 0.01;
        var longitudeSpan = (MarginMeters / (110_000.0 * Math.Cos(Math.Min(89, Math.Max(Math.Abs(south), Math.Abs(north)) + latitudeSpan) * Math.PI / 180))) + 0.01;
        var seen = await positions.FindPositionsAsync(
            south - latitudeSpan, west - longitudeSpan, north + latitudeSpan, west + DispatchZone.LongitudeStepDegrees + longitudeSpan, cancellationToken);
        var ids = seen.Where(p => _zone.Covers(p.Position, MarginMeters)).Select(p => p.UnitId)
            .Concat(city.Units.Where(u => _zone.Covers(u.Start, MarginMeters)).Select(u => u.Id))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var key = this.GetPrimaryKeyString();
        var described = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                return await GrainFactory.GetGrain<IPatrolUnitGrain>(id).DescribeForZoneAsync(key);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogDescribeFailed(logger, exception, key, id);
                return null;
            }
        }));
        foreach (var unit in described)
        {
            if (unit is not null)
            {
                Apply(unit);
            }
        }

        LogActivated(logger, key, _units.Count, _index.Count);
    }

    public Task ApplyPositionsAsync(IReadOnlyList<UnitPositionReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var now = clock.GetUtcNow();
        var key = this.GetPrimaryKeyString();
        foreach (var report in reports)
        {
            if (!_units.TryGetValue(report.UnitId, out var entry))
            {
                if (!_zone.Covers(report.Position, MarginMeters))
                {
                    continue;
                }

                // A unit new here: it is not offered until it says what it is.
                entry = new Entry { Position = report.Position, PositionAt = report.At };
                _units[report.UnitId] = entry;
            }
            else if (entry.PositionAt is { } known && report.At < known)
            {
                continue;
            }

            entry.Position = report.Position;
            entry.PositionAt = report.At;
            if (!entry.Described)
            {
                if (entry.JoinAskedAt is null || now - entry.JoinAskedAt > JoinRetry)
                {
                    entry.JoinAskedAt = now;
                    GrainFactory.GetGrain<IPatrolUnitGrain>(report.UnitId).JoinZoneAsync(key, report.Position, report.At).Ignore();
                }

                continue;
            }

            if (entry.Available)
            {
                _index.Upsert(report.UnitId, report.Position);
            }

            // Arrival is seen by the zone that holds the position, so only one zone tells the unit.
            if (entry.Target is { } target && _zone.Holds(report.Position)
                && GreatCircle.DistanceMeters(report.Position, target.Location) <= target.RadiusMeters)
            {
                GrainFactory.GetGrain<IPatrolUnitGrain>(report.UnitId).ArrivedAsync(report.Position, report.At).Ignore();
            }
        }

        return Task.CompletedTask;
    }

    public Task UnitChangedAsync(ZoneUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        Apply(unit);
        return Task.CompletedTask;
    }

    public Task UnitLeftAsync(string unitId, long version)
    {
        if (_units.TryGetValue(unitId, out var entry) && entry.Version <= version)
        {
            _units.Remove(unitId);
            _index.Remove(unitId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TierPicks>> FindAndReserveAsync(ReserveRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = clock.GetUtcNow();
        var excluded = new HashSet<string>(request.Excluded, StringComparer.Ordinal);
        var answers = new List<TierPicks>(request.Tiers.Count);
        foreach (var need in request.Tiers)
        {
            var tier = new ResponseTier(need.TierName, need.Target, TierKind.NearestUnits, new Dictionary<IncidentPriority, int> { [IncidentPriority.Normal] = need.Count });
            var radiusMeters = Math.Min(need.RadiusMeters, MarginMeters);
            var recommendation = Rank(tier, need.Count, request, radiusMeters, excluded, now);
            if (radiusMeters < MarginMeters && (recommendation.Picks.Count < need.Count || recommendation.Picks.Any(p => !p.WithinTarget)))
            {
                // Too few units nearby, or only ones that cannot make the target: the fastest may be farther out,
                // so look as far as the search goes before sending anyone.
                radiusMeters = MarginMeters;
                recommendation = Rank(tier, need.Count, request, radiusMeters, excluded, now);
            }

            foreach (var pick in recommendation.Picks)
            {
                excluded.Add(pick.UnitId);
                var entry = _units[pick.UnitId];
                entry.ReservedBy = request.IncidentId;
                entry.ReservedUntil = now + ReservationTimeout;
            }

            answers.Add(new TierPicks(
                need.TierName,
                [.. recommendation.Picks.Select(p => new ZonePick(p.UnitId, p.EtaSeconds, p.WithinTarget, p.Reason))],
                [.. recommendation.Shortfalls],
                radiusMeters));
        }

        return Task.FromResult<IReadOnlyList<TierPicks>>(answers);
    }

    public Task ReleaseReservationsAsync(string incidentId, IReadOnlyList<string> unitIds)
    {
        ArgumentNullException.ThrowIfNull(unitIds);
        foreach (var unitId in unitIds)
        {
            if (_units.TryGetValue(unitId, out var entry) && entry.ReservedBy == incidentId)
            {
                entry.ReservedBy = null;
                entry.ReservedUntil = null;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AvailableUnit>> FindWithinAsync(GeoPoint center, double radiusMeters)
    {
        var found = _index.WithinRadius(center, radiusMeters);
        return Task.FromResult<IReadOnlyList<AvailableUnit>>(
            [.. found.Select(hit => new AvailableUnit(hit.UnitId, _units[hit.UnitId].Kind, hit.Position, _units[hit.UnitId].HomeStationId))]);
    }

    public Task<int> CountAsync() => Task.FromResult(_index.Count);

    private TierRecommendation Rank(ResponseTier tier, int count, ReserveRequest request, double radiusMeters, HashSet<string> excluded, DateTimeOffset now)
    {
        var candidates = new List<Candidate>();
        foreach (var hit in _index.WithinRadius(request.Location, radiusMeters))
        {
            var entry = _units[hit.UnitId];
            if (entry.ReservedBy is { } holder && holder != request.IncidentId && entry.ReservedUntil > now)
            {
                continue;
            }

            candidates.Add(new Candidate(hit.UnitId, entry.Kind, hit.Position, entry.HomeStationId));
        }

        return CandidateRanker.RankForTier(tier, count, request.Location, candidates, eta, excluded);
    }

    private void Apply(ZoneUnit unit)
    {
        if (!_units.TryGetValue(unit.UnitId, out var entry))
        {
            if (!_zone.Covers(unit.Position, MarginMeters))
            {
                return;
            }

            entry = new Entry();
            _units[unit.UnitId] = entry;
        }
        else if (unit.Version < entry.Version)
        {
            return;
        }

        entry.Described = true;
        entry.Version = unit.Version;
        entry.Kind = unit.Kind;
        entry.HomeStationId = unit.HomeStationId;
        entry.Target = unit.Target;
        var reportedAt = unit.PositionAt == DateTimeOffset.MinValue ? (DateTimeOffset?)null : unit.PositionAt;
        if (entry.Position is null || (reportedAt is not null && (entry.PositionAt is null || reportedAt >= entry.PositionAt)))
        {
            entry.Position = unit.Position;
            entry.PositionAt = reportedAt;
        }

        if (entry.Available != unit.Available || !unit.Available)
        {
            // News of the unit settles any reservation: it was claimed, or it is free again.
            entry.ReservedBy = null;
            entry.ReservedUntil = null;
        }

        entry.Available = unit.Available;
        if (entry.Available && entry.Position is { } position)
        {
            _index.Upsert(unit.UnitId, position);
        }
        else
        {
            _index.Remove(unit.UnitId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch zone {Zone} activated with {Units} units ({Available} available)")]
    private static partial void LogActivated(ILogger logger, string zone, int units, int available);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatch zone {Zone}: unit {UnitId} did not describe itself")]
    private static partial void LogDescribeFailed(ILogger logger, Exception exception, string zone, string unitId);

    private sealed class Entry
    {
        public bool Described { get; set; }

        public long Version { get; set; }

        public Domain.Units.UnitKind Kind { get; set; }

        public string HomeStationId { get; set; } = "";

        public bool Available { get; set; }

        public GeoPoint? Position { get; set; }

        public DateTimeOffset? PositionAt { get; set; }

        public ArrivalTarget? Target { get; set; }

        public string? ReservedBy { get; set; }

        public DateTimeOffset? ReservedUntil { get; set; }

        public DateTimeOffset? JoinAskedAt { get; set; }
    }
}
