using System.Globalization;
using Dispatch.Domain.City;
using Dispatch.Domain.EarlyWarning;
using Dispatch.Domain.Geo;
using Dispatch.Domain.Units;
using Dispatch.Grains.Hosting;
using Dispatch.Server.Live;
using Dispatch.Server.Units;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.EarlyWarning;

/// <summary>A hotspot as the map shows it: the cell square, its hours of the week, its strength, its district and next time.</summary>
public sealed record HotspotView(
    string HotspotId,
    string CellId,
    double Latitude,
    double Longitude,
    IReadOnlyList<double[]> Corners,
    int StartHourOfWeek,
    int Hours,
    string HoursLabel,
    int Observed,
    double Expected,
    double RelativeRisk,
    double QValue,
    double IncidentsPerWeek,
    string? DistrictId,
    string? DistrictName,
    DateTimeOffset NextFrom,
    DateTimeOffset NextUntil);

/// <summary>What GET /api/early-warning/hotspots answers.</summary>
public sealed record HotspotsView(
    DateTimeOffset ComputedAt,
    double ComputeMilliseconds,
    DateTimeOffset HistoryFrom,
    DateTimeOffset HistoryUntil,
    int Incidents,
    int Tests,
    double FalseDiscoveryRate,
    double CellMeters,
    IReadOnlyList<HotspotView> Hotspots);

/// <summary>One line of a district's early-warning list for a day.</summary>
public sealed record DailyWarningView(string HotspotId, DateTimeOffset From, DateTimeOffset Until, string HoursLabel, double RelativeRisk, double IncidentsPerWeek, double QValue, double Latitude, double Longitude);

public sealed record DistrictWarningsView(string DistrictId, string DistrictName, IReadOnlyList<DailyWarningView> Warnings);

/// <summary>What GET /api/early-warning/daily answers: the day (local date) and each district's list, strongest first.</summary>
public sealed record DailyWarningsView(DateOnly Date, double UtcOffsetHours, IReadOnlyList<DistrictWarningsView> Districts);

/// <summary>The body of POST /api/early-warning/hotspots/{id}/patrol: how many units (default from settings) and a note.</summary>
public sealed record HotspotPatrolRequest(int? Units, string? Note);

/// <summary>The directive sent for a hotspot and the window it covers.</summary>
public sealed record HotspotPatrolView(string HotspotId, DateTimeOffset From, DateTimeOffset Until, LiveDirective Directive);

/// <summary>Why a patrol was refused: <see cref="NotFound"/> for an unknown hotspot, <see cref="Conflict"/> when no unit is free.</summary>
public sealed record HotspotPatrolRefusal(string Error, bool NotFound, bool Conflict);

/// <summary>
/// Hotspots of the incident history (<see cref="HotspotDetector"/> over <see cref="EarlyWarningOptions.HistoryDays"/>),
/// recomputed at most every <see cref="EarlyWarningOptions.RefreshMinutes"/> and shared by every page; the day's list
/// per district; and patrols: the nearest free units sent by patrol directive to a hotspot's cell for its next window.
/// </summary>
public sealed class HotspotDesk(
    IIncidentHistory history,
    CityModel city,
    LiveBoard board,
    LiveHostService live,
    DirectiveDesk directives,
    [FromKeyedServices(DispatchClock.ServiceKey)] TimeProvider clock,
    IOptions<EarlyWarningOptions> options)
{
    private readonly EarlyWarningOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HotspotsView? _current;
    private IReadOnlyList<Hotspot> _hotspots = [];

    public TimeSpan UtcOffset => _options.Hotspots.UtcOffset;

    /// <summary>Today in the city's local time.</summary>
    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(UtcOffset).DateTime);

    /// <summary>The current hotspots, recomputed when older than the refresh interval (or when <paramref name="refresh"/>).</summary>
    public async Task<HotspotsView> HotspotsAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && Fresh(_current) is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!refresh && Fresh(_current) is { } justComputed)
            {
                return justComputed;
            }

            var until = clock.GetUtcNow();
            var from = until - TimeSpan.FromDays(_options.HistoryDays);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var incidents = await history.ReadAsync(from, until, cancellationToken);
            var report = HotspotDetector.Detect(incidents, from, until, city.Center, _options.Hotspots);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            _hotspots = report.Hotspots;
            _current = new HotspotsView(
                until,
                Math.Round(elapsed.TotalMilliseconds, 1),
                from,
                until,
                report.Incidents,
                report.Tests,
                _options.Hotspots.FalseDiscoveryRate,
                _options.Hotspots.CellMeters,
                [.. report.Hotspots.Select(h => ToView(h, until))]);
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The local day's warnings per district (all districts, or the ones named).</summary>
    public async Task<DailyWarningsView> DailyAsync(DateOnly date, IReadOnlySet<string>? districts, CancellationToken cancellationToken)
    {
        await HotspotsAsync(refresh: false, cancellationToken);
        var lists = EarlyWarningList.ForDay(_hotspots, date, UtcOffset, h => city.FindGrid(h.Center)?.Id);
        return new DailyWarningsView(date, _options.Hotspots.UtcOffsetHours, [.. lists
            .Where(l => districts is null || districts.Contains(l.DistrictId))
            .Select(l => new DistrictWarningsView(l.DistrictId, city.Grids.FirstOrDefault(g => g.Id == l.DistrictId)?.Name ?? l.DistrictId, [.. l.Warnings
                .Select(w => new DailyWarningView(w.Hotspot.Id, w.From, w.Until, w.Hotspot.HoursLabel, w.Hotspot.RelativeRisk, w.Hotspot.IncidentsPerWeek, w.Hotspot.QValue,
                    Math.Round(w.Hotspot.Center.Latitude, 6), Math.Round(w.Hotspot.Center.Longitude, 6)))]))]);
    }

    /// <summary>Null when the patrol can be sent, otherwise why not (checked again when sending).</summary>
    public async Task<HotspotPatrolRefusal?> ValidateAsync(string hotspotId, HotspotPatrolRequest? request, CancellationToken cancellationToken)
    {
        var units = request?.Units ?? _options.PatrolUnits;
        if (units is < 1 or > EarlyWarningOptions.MaxPatrolUnits)
        {
            return new($"units must be within 1..{EarlyWarningOptions.MaxPatrolUnits}, got {units}", false, false);
        }

        if (request?.Note is { Length: > DirectiveDesk.MaxNoteLength })
        {
            return new($"the note must be at most {DirectiveDesk.MaxNoteLength} characters, got {request.Note.Length}", false, false);
        }

        await HotspotsAsync(refresh: false, cancellationToken);
        return _hotspots.Any(h => h.Id == hotspotId) ? null : new($"unknown hotspot '{Shorten(hotspotId)}'", true, false);
    }

    /// <summary>
    /// Sends the free units nearest the hotspot (straight line from their last position) a patrol directive for its
    /// cell, from now or the window's start until its end. Refused (<see cref="HotspotPatrolRefusal.Conflict"/>) when no
    /// unit is free.
    /// </summary>
    public async Task<(HotspotPatrolView? Patrol, HotspotPatrolRefusal? Refusal)> PatrolAsync(string hotspotId, HotspotPatrolRequest? request, string issuedBy, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(hotspotId, request, cancellationToken) is { } refusal)
        {
            return (null, refusal);
        }

        var hotspot = _hotspots.First(h => h.Id == hotspotId);
        var now = clock.GetUtcNow();
        var next = EarlyWarningList.Next(hotspot, now, UtcOffset);
        var from = next.From > now ? next.From : now;
        var until = next.Until - from > TimeSpan.FromDays(1) ? from + TimeSpan.FromDays(1) : next.Until;

        await live.Ready.WaitAsync(cancellationToken);
        var chosen = board.Positions(city.Units.Select(u => u.Id)).Units
            .Where(u => u.Status == UnitStatus.Available && u.Latitude is not null && u.Longitude is not null)
            .OrderBy(u => GreatCircle.DistanceMeters(new GeoPoint(u.Latitude!.Value, u.Longitude!.Value), hotspot.Center))
            .ThenBy(u => u.UnitId, StringComparer.Ordinal)
            .Take(request?.Units ?? _options.PatrolUnits)
            .ToList();
        if (chosen.Count == 0)
        {
            return (null, new("no unit is free to patrol now", false, true));
        }

        var note = string.IsNullOrWhiteSpace(request?.Note)
            ? $"Hotspot patrol {hotspot.HoursLabel}: incidents here run {hotspot.RelativeRisk:0.#}x the usual rate at these hours / 热点巡逻：该时段警情为平时的{hotspot.RelativeRisk:0.#}倍，请提前巡防"
            : request!.Note!;
        var directive = await directives.IssueAsync(
            new DirectiveRequest([.. chosen.Select(u => u.UnitId)], [.. hotspot.Corners.Select(c => new LatLon(c.Latitude, c.Longitude))], from, until, note),
            issuedBy);
        return (new HotspotPatrolView(hotspot.Id, from, until, directive), null);
    }

    private HotspotsView? Fresh(HotspotsView? view) =>
        view is not null && (clock.GetUtcNow() - view.ComputedAt).TotalMinutes < _options.RefreshMinutes ? view : null;

    private HotspotView ToView(Hotspot h, DateTimeOffset now)
    {
        var grid = city.FindGrid(h.Center);
        var next = EarlyWarningList.Next(h, now, UtcOffset);
        return new HotspotView(
            h.Id, h.CellId, Math.Round(h.Center.Latitude, 6), Math.Round(h.Center.Longitude, 6),
            [.. h.Corners.Select(c => new[] { Math.Round(c.Latitude, 6), Math.Round(c.Longitude, 6) })],
            h.StartHourOfWeek, h.Hours, h.HoursLabel, h.Observed, h.Expected, h.RelativeRisk, h.QValue, h.IncidentsPerWeek,
            grid?.Id, grid?.Name, next.From, next.Until);
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..64]}...");
}
