using System.Collections.Concurrent;
using Dispatch.Abstractions.GridEvents;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.GridEvents;
using Dispatch.Domain.SafetyIndex;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.GridEvents;

/// <summary>
/// The safety index from the records: incidents from the incident table (by creation) with their tiers' outcomes (met
/// or breached, read from each incident; an ended incident's outcomes are final and kept), grid events from their own
/// store, camera health from this host's samples (<see cref="CameraShareSampler"/>). Answers are cached for a short
/// while and dropped when a grid event changes on this host.
/// </summary>
public sealed class SafetyIndexDesk
{
    /// <summary>Most incidents whose tiers one answer reads (the rest count without tiers); ended incidents read once are remembered.</summary>
    public const int MaxTierReads = 20_000;

    private readonly ConcurrentDictionary<string, (int Met, int Breached)> _finalTiers = new(StringComparer.Ordinal);
    private readonly IGrainFactory _grains;
    private readonly CameraShareSampler _cameras;
    private readonly IIncidentStore _incidents;
    private readonly IGridEventStore _gridEvents;
    private readonly CityModel _city;
    private readonly SafetyIndexOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private readonly Dictionary<(DateOnly, DateOnly), (DateTimeOffset At, SafetyIndexReport Report)> _cache = [];

    public SafetyIndexDesk(
        IIncidentStore incidents, IGridEventStore gridEvents, CityModel city, IOptions<SafetyIndexOptions> options, GridEventDesk desk, TimeProvider timeProvider,
        IGrainFactory grains, CameraShareSampler cameras)
    {
        _grains = grains;
        _cameras = cameras;
        _incidents = incidents;
        _gridEvents = gridEvents;
        _city = city;
        _options = options.Value;
        _timeProvider = timeProvider;
        desk.Changed += _ =>
        {
            lock (_lock)
            {
                _cache.Clear();
            }
        };
    }

    public SafetyIndexOptions Options => _options;

    /// <summary>Today in the city's local time.</summary>
    public DateOnly Today => DateOnly.FromDateTime(_timeProvider.GetUtcNow().ToOffset(_options.UtcOffset).DateTime);

    public async Task<SafetyIndexReport> ReportAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_cache.TryGetValue((from, to), out var cached) && (now - cached.At).TotalSeconds < _options.CacheSeconds)
            {
                return cached.Report;
            }
        }

        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), _options.UtcOffset);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), _options.UtcOffset);
        var incidents = await _incidents.FindAsync(new IncidentFilter { CreatedFrom = start, CreatedBefore = end, Limit = 200_000 }, cancellationToken);

        // Events reported up to a quarter before the range still count there when resolved, past their limit or rated in it.
        var events = await _gridEvents.FindAsync(new GridEventFilter { ReportedFrom = start.AddDays(-92), ReportedBefore = end, Limit = 100_000 }, cancellationToken);
        var tiers = await TierOutcomesAsync(incidents, cancellationToken);
        var inputs = new SafetyIndexInputs(
            [.. incidents.Select(i =>
            {
                var (met, breached) = tiers.GetValueOrDefault(i.IncidentId);
                return new IndexIncident(i.GridId, i.Type, new GeoPoint(i.Latitude, i.Longitude), i.CreatedAt, met, breached);
            })],
            [.. events.Select(e => new IndexGridEvent(e.GridId, new GeoPoint(e.Latitude, e.Longitude), e.ReportedAt, e.DueAt, e.ResolvedAt, e.RatedAt, e.Rating,
                CountsForSla: e.State != GridEventState.Rejected && e.IncidentId is null))],
            _cameras.Samples());
        var report = SafetyIndexCalculator.Compute(_city, from, to, inputs, now, _options);
        lock (_lock)
        {
            _cache[(from, to)] = (now, report);
        }

        return report;
    }

    /// <summary>Each incident's tiers met and breached (pending, void and not required ones count neither way).</summary>
    private async Task<IReadOnlyDictionary<string, (int Met, int Breached)>> TierOutcomesAsync(IReadOnlyList<IncidentSummary> incidents, CancellationToken cancellationToken)
    {
        var outcomes = new ConcurrentDictionary<string, (int Met, int Breached)>(StringComparer.Ordinal);
        var unread = new List<string>();
        foreach (var incident in incidents)
        {
            if (_finalTiers.TryGetValue(incident.IncidentId, out var known))
            {
                outcomes[incident.IncidentId] = known;
            }
            else if (unread.Count < MaxTierReads)
            {
                unread.Add(incident.IncidentId);
            }
        }

        await Parallel.ForEachAsync(unread, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (incidentId, _) =>
        {
            if (await _grains.GetGrain<IIncidentGrain>(incidentId).GetAsync() is not { } view)
            {
                return;
            }

            var counted = (view.Tiers.Count(t => t.Outcome == TierOutcome.Met), view.Tiers.Count(t => t.Outcome == TierOutcome.Breached));
            outcomes[incidentId] = counted;
            if (view.Status != IncidentStatus.Open && view.Tiers.All(t => t.Outcome != TierOutcome.Pending))
            {
                _finalTiers[incidentId] = counted;
            }
        });
        return outcomes;
    }
}
