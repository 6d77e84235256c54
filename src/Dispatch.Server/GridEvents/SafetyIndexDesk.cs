using Dispatch.Abstractions.GridEvents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.GridEvents;
using Dispatch.Domain.SafetyIndex;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.GridEvents;

/// <summary>
/// The safety index from the records: incidents from the incident table (by creation), grid events from their own
/// store. Answers are cached for a short while and dropped when a grid event changes on this host.
/// </summary>
public sealed class SafetyIndexDesk
{
    private readonly IIncidentStore _incidents;
    private readonly IGridEventStore _gridEvents;
    private readonly CityModel _city;
    private readonly SafetyIndexOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private readonly Dictionary<(DateOnly, DateOnly), (DateTimeOffset At, SafetyIndexReport Report)> _cache = [];

    public SafetyIndexDesk(IIncidentStore incidents, IGridEventStore gridEvents, CityModel city, IOptions<SafetyIndexOptions> options, GridEventDesk desk, TimeProvider timeProvider)
    {
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
        var inputs = new SafetyIndexInputs(
            [.. incidents.Select(i => new IndexIncident(i.GridId, i.Type, new GeoPoint(i.Latitude, i.Longitude), i.CreatedAt, 0, 0))],
            [.. events.Select(e => new IndexGridEvent(e.GridId, new GeoPoint(e.Latitude, e.Longitude), e.ReportedAt, e.DueAt, e.ResolvedAt, e.RatedAt, e.Rating,
                CountsForSla: e.State != GridEventState.Rejected && e.IncidentId is null))],
            []);
        var report = SafetyIndexCalculator.Compute(_city, from, to, inputs, now, _options);
        lock (_lock)
        {
            _cache[(from, to)] = (now, report);
        }

        return report;
    }
}
