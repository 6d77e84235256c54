using System.Globalization;
using System.Text;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Domain.Coverage;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Units;
using Dispatch.Server.EarlyWarning;
using Dispatch.Server.Roads;
using Dispatch.Server.Security;

namespace Dispatch.Server.Incidents;

/// <summary>An error answer: what was wrong, naming the value.</summary>
public sealed record ApiError(string Error);

/// <summary>A grid (district) with its names in both languages (<see cref="NameEn"/> null where the city file has none).</summary>
public sealed record DistrictRef(string Id, string Name, string? NameEn);

/// <summary>One incident in a listing.</summary>
public sealed record IncidentListItem(
    string IncidentId,
    string Type,
    string Priority,
    string Source,
    string Status,
    double Latitude,
    double Longitude,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt,
    DistrictRef? District,
    string? StationId,
    string Description);

/// <summary>A page of incidents, newest first; <see cref="NextCursor"/> fetches the next page (null on the last).</summary>
public sealed record IncidentPage(IReadOnlyList<IncidentListItem> Incidents, string? NextCursor);

/// <summary>A response tier of an incident: what it asked for, its deadline and how it went.</summary>
public sealed record IncidentTierDetail(
    string Name,
    string Kind,
    int Requested,
    DateTimeOffset Deadline,
    string Outcome,
    bool AtRisk,
    DateTimeOffset? FirstArrivalAt,
    string? StationId,
    int StationResponders,
    IReadOnlyList<string> Shortfalls);

/// <summary>A unit sent to the incident.</summary>
public sealed record IncidentAssignmentDetail(
    string UnitId,
    string? CallSign,
    string TierName,
    long AssignmentNumber,
    string State,
    DateTimeOffset AssignedAt,
    DateTimeOffset AckDeadline,
    double EtaSeconds,
    DateTimeOffset? ArrivedAt,
    DateTimeOffset? EndedAt,
    string? EndReason);

/// <summary>One audited event of the incident's timeline.</summary>
public sealed record IncidentTimelineItem(long Sequence, DateTimeOffset At, string Kind, string Actor, string Text, string? UnitId, string? TierName);

/// <summary>An incident with its tiers, assignments and timeline, as the incident grain holds it now.</summary>
public sealed record IncidentDetail(
    string IncidentId,
    string Type,
    string Priority,
    string Source,
    string Status,
    double Latitude,
    double Longitude,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt,
    string? Disposition,
    DistrictRef? District,
    string Description,
    IReadOnlyList<IncidentTierDetail> Tiers,
    IReadOnlyList<IncidentAssignmentDetail> Assignments,
    IReadOnlyList<IncidentTimelineItem> Timeline);

/// <summary>The reach of an incident over the roads: cells [latitude, longitude, tierSeconds] from which a unit of the kind is on scene within that target.</summary>
public sealed record IncidentReachView(string IncidentId, string Kind, IReadOnlyList<double> TierSeconds, double CellMeters, bool OnRoads, IReadOnlyList<double[]> Cells);

/// <summary>A tier's record in a district on a day: met, breached, and the share met of those decided (null when none was).</summary>
public sealed record TierCompliance(string Tier, int Met, int Breached, double? MetShare);

/// <summary>One district's tiers on the day.</summary>
public sealed record DistrictCompliance(DistrictRef? District, int Incidents, IReadOnlyList<TierCompliance> Tiers);

/// <summary>Tier compliance of a local day per district and tier, and for all districts together.</summary>
public sealed record ComplianceView(DateOnly Date, double UtcOffsetHours, int Incidents, IReadOnlyList<string> Tiers, IReadOnlyList<DistrictCompliance> Districts, IReadOnlyList<TierCompliance> Totals);

/// <summary>
/// GET /api/incidents: the incident table, filtered and paged; GET /api/incidents/{incidentId}: one incident in full.
/// Bad query values answer 400 naming the parameter and the value; nothing is guessed.
/// </summary>
public static class IncidentsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
    public const int MaxDistricts = 100;
    public const int MaxIdLength = 128;

    public static WebApplication MapIncidentsApi(this WebApplication app)
    {
        app.MapGet("/api/incidents", ListAsync)
            .RequireAuthorization(Policies.ViewBoard)
            .WithName("ListIncidents")
            .WithSummary("List incidents, newest first")
            .WithDescription(
                "Filters combine (all must hold): status (Open, Closed, Cancelled), type (exact, e.g. theft), priority (1-4 or "
                + "Critical, High, Normal, Low), source (Call, Operator, Camera, Sensor), from / until (ISO 8601 date or date-time; created "
                + "at or after from, before until; a date alone is local midnight in the city's time zone, Dispatch:EarlyWarning:Hotspots:UtcOffsetHours), district (grid id, repeatable), bbox "
                + "(south,west,north,east in degrees). limit 1-500 (default 100). The answer's nextCursor, passed as cursor, gives the "
                + "next page; pages stay exact while new incidents arrive.")
            .Produces<IncidentPage>(StatusCodes.Status200OK)
            .Produces<ApiError>(StatusCodes.Status400BadRequest);

        app.MapGet("/api/incidents/{incidentId}", GetAsync)
            .RequireAuthorization(Policies.ViewBoard)
            .WithName("GetIncident")
            .WithSummary("One incident with its tiers, assignments and timeline")
            .Produces<IncidentDetail>(StatusCodes.Status200OK)
            .Produces<ApiError>(StatusCodes.Status404NotFound);

        app.MapGet("/api/compliance", ComplianceAsync)
            .RequireAuthorization(Policies.ViewBoard)
            .WithName("GetCompliance")
            .WithSummary("Tier compliance of a day per district and tier: met, breached, share met of those decided")
            .WithDescription("date: the city's local day (yyyy-MM-dd, default today); district: grid id (repeatable) to keep only those. "
                + "A tier counts once it is met or breached; pending, void and not-required tiers are left out, so a day with none decided shows no share.")
            .Produces<ComplianceView>(StatusCodes.Status200OK)
            .Produces<ApiError>(StatusCodes.Status400BadRequest);

        app.MapGet("/api/incidents/{incidentId}/reach", ReachAsync)
            .RequireAuthorization(Policies.ViewBoard)
            .WithName("GetIncidentReach")
            .WithSummary("Where a unit must be to reach the incident within each tier target, over the roads")
            .WithDescription("kind: car (default), motorcycle, bicycle or foot. Cells of 100 m with the smallest tier target met from them. 404 without a road network.")
            .Produces<IncidentReachView>(StatusCodes.Status200OK)
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status404NotFound);
        return app;
    }

    public const int MaxComplianceIncidents = 20_000;

    private static async Task<IResult> ComplianceAsync(string? date, string[]? district, IIncidentStore store, IGrainFactory grains, CityModel city, HotspotDesk localTime, CancellationToken cancellationToken)
    {
        var day = localTime.Today;
        if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            return Results.BadRequest(new ApiError($"date must be a day as yyyy-MM-dd, got '{Shorten(date)}'"));
        }

        var unknown = district?.FirstOrDefault(d => city.Grids.All(g => g.Id != d));
        if (unknown is not null)
        {
            return Results.BadRequest(new ApiError($"unknown district '{Shorten(unknown)}'"));
        }

        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), localTime.UtcOffset);
        var found = await store.FindAsync(
            new IncidentFilter { CreatedFrom = from, CreatedBefore = from.AddDays(1), GridIds = district is { Length: > 0 } ? district : null, Limit = MaxComplianceIncidents },
            cancellationToken);

        // Tier outcomes live in each incident's state: read the day's incidents from their grains, a few dozen at a time.
        var views = new System.Collections.Concurrent.ConcurrentBag<(string? GridId, IncidentView View)>();
        await Parallel.ForEachAsync(found, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (summary, _) =>
        {
            if (await grains.GetGrain<IIncidentGrain>(summary.IncidentId).GetAsync() is { } view)
            {
                views.Add((summary.GridId, view));
            }
        });

        var tiers = views.SelectMany(v => v.View.Tiers.Select(t => t.Name)).Distinct(StringComparer.Ordinal).ToList();
        IReadOnlyList<TierCompliance> Count(IEnumerable<IncidentView> incidents) => [.. tiers.Select(name =>
        {
            var outcomes = incidents.SelectMany(i => i.Tiers.Where(t => t.Name == name).Select(t => t.Outcome)).ToList();
            var met = outcomes.Count(o => o == TierOutcome.Met);
            var breached = outcomes.Count(o => o == TierOutcome.Breached);
            return new TierCompliance(name, met, breached, met + breached == 0 ? null : Math.Round((double)met / (met + breached), 4));
        })];

        var districts = views.GroupBy(v => v.GridId ?? "", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DistrictCompliance(District(city, g.Key.Length == 0 ? null : g.Key), g.Count(), Count(g.Select(v => v.View))))
            .ToList();
        return Results.Ok(new ComplianceView(day, localTime.UtcOffset.TotalHours, views.Count, tiers, districts, Count(views.Select(v => v.View))));
    }

    private static async Task<IResult> ReachAsync(string incidentId, string? kind, IGrainFactory grains, LoadedRoads roads, ResponsePlan plan)
    {
        var unitKind = UnitKind.Car;
        if (kind is not null && !TryParseName(kind, out unitKind))
        {
            return Results.BadRequest(new ApiError($"kind must be car, motorcycle, bicycle or foot, got '{Shorten(kind)}'"));
        }

        if (roads.Graph is not { } graph)
        {
            return Results.NotFound(new ApiError("no road network is loaded: reach is not available"));
        }

        if (string.IsNullOrWhiteSpace(incidentId) || incidentId.Length > MaxIdLength || await grains.GetGrain<IIncidentGrain>(incidentId).GetAsync() is not { } incident)
        {
            return Results.NotFound(new ApiError($"unknown incident '{Shorten(incidentId)}'"));
        }

        var key = (incident.IncidentId, unitKind);
        if (!ReachCache.TryGetValue(key, out var reach))
        {
            reach = IncidentReach.Compute(graph, incident.Location, unitKind, [.. plan.Tiers.Select(t => t.Target.TotalSeconds)]);
            if (ReachCache.Count > 500)
            {
                ReachCache.Clear();
            }

            ReachCache[key] = reach;
        }

        return Results.Ok(new IncidentReachView(incident.IncidentId, unitKind.ToString(), reach.TierSeconds, reach.CellMeters, reach.OnRoads,
            [.. reach.Cells.Select(c => new[] { c.Latitude, c.Longitude, c.TierSeconds })]));
    }

    // An incident does not move and the roads do not change: its reach is worked out once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, UnitKind), IncidentReachMap> ReachCache = new();

    private static async Task<IResult> ListAsync(
        string? status,
        string? type,
        string? priority,
        string? source,
        string? from,
        string? until,
        string[]? district,
        string? bbox,
        string? limit,
        string? cursor,
        IIncidentStore store,
        CityModel city,
        HotspotDesk localTime,
        CancellationToken cancellationToken)
    {
        var (filter, error) = ParseFilter(status, type, priority, source, from, until, district, bbox, limit, cursor, city, localTime.UtcOffset);
        if (error is not null)
        {
            return Results.BadRequest(new ApiError(error));
        }

        // One more than asked for tells whether there is a next page.
        var found = await store.FindAsync(filter! with { Limit = filter!.Limit + 1 }, cancellationToken);
        var page = found.Take(filter.Limit).ToList();
        var next = found.Count > filter.Limit ? EncodeCursor(new IncidentCursor(page[^1].CreatedAt, page[^1].IncidentId)) : null;
        return Results.Ok(new IncidentPage([.. page.Select(i => ToItem(i, city))], next));
    }

    private static async Task<IResult> GetAsync(string incidentId, IGrainFactory grains, CityModel city)
    {
        if (string.IsNullOrWhiteSpace(incidentId) || incidentId.Length > MaxIdLength)
        {
            return Results.NotFound(new ApiError($"unknown incident '{Shorten(incidentId)}'"));
        }

        var view = await grains.GetGrain<IIncidentGrain>(incidentId).GetAsync();
        return view is null ? Results.NotFound(new ApiError($"unknown incident '{Shorten(incidentId)}'")) : Results.Ok(ToDetail(view, city));
    }

    /// <summary>The store filter the query asks for, or the first bad value named.</summary>
    internal static (IncidentFilter? Filter, string? Error) ParseFilter(
        string? status,
        string? type,
        string? priority,
        string? source,
        string? from,
        string? until,
        string[]? district,
        string? bbox,
        string? limit,
        string? cursor,
        CityModel city,
        TimeSpan cityUtcOffset)
    {
        var filter = new IncidentFilter { Limit = DefaultLimit };
        if (status is not null)
        {
            if (!TryParseName<IncidentStatus>(status, out var parsed))
            {
                return (null, $"status must be Open, Closed or Cancelled, got '{Shorten(status)}'");
            }

            filter = filter with { Status = parsed };
        }

        if (type is not null)
        {
            if (string.IsNullOrWhiteSpace(type) || type.Length > IncidentReport.MaxTypeLength)
            {
                return (null, $"type must be 1 to {IncidentReport.MaxTypeLength} characters, got '{Shorten(type)}'");
            }

            filter = filter with { Type = type.Trim() };
        }

        if (priority is not null)
        {
            IncidentPriority parsed;
            if (int.TryParse(priority, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && Enum.IsDefined((IncidentPriority)number))
            {
                parsed = (IncidentPriority)number;
            }
            else if (!TryParseName(priority, out parsed))
            {
                return (null, $"priority must be 1-4 or Critical, High, Normal, Low, got '{Shorten(priority)}'");
            }

            filter = filter with { Priority = parsed };
        }

        if (source is not null)
        {
            if (!TryParseName<IncidentSource>(source, out var parsed))
            {
                return (null, $"source must be Call, Operator, Camera or Sensor, got '{Shorten(source)}'");
            }

            filter = filter with { Source = parsed };
        }

        DateTimeOffset? fromTime = null;
        if (from is not null)
        {
            if (!TryParseTime(from, cityUtcOffset, out var parsed))
            {
                return (null, $"from must be an ISO 8601 date or date-time (2026-11-23 or 2026-11-23T08:00:00+08:00), got '{Shorten(from)}'");
            }

            fromTime = parsed;
            filter = filter with { CreatedFrom = parsed };
        }

        if (until is not null)
        {
            if (!TryParseTime(until, cityUtcOffset, out var parsed))
            {
                return (null, $"until must be an ISO 8601 date or date-time (2026-11-24 or 2026-11-23T20:00:00+08:00), got '{Shorten(until)}'");
            }

            if (fromTime is { } start && parsed <= start)
            {
                return (null, $"until ({until}) must be later than from ({from})");
            }

            filter = filter with { CreatedBefore = parsed };
        }

        if (district is { Length: > 0 })
        {
            if (district.Length > MaxDistricts)
            {
                return (null, $"at most {MaxDistricts} districts may be named, got {district.Length}");
            }

            var unknown = district.FirstOrDefault(d => city.Grids.All(g => g.Id != d));
            if (unknown is not null)
            {
                return (null, $"unknown district '{Shorten(unknown)}'");
            }

            filter = filter with { GridIds = district };
        }

        if (bbox is not null)
        {
            var box = ParseBox(bbox, out var boxError);
            if (box is null)
            {
                return (null, boxError);
            }

            filter = filter with { Box = box };
        }

        if (limit is not null)
        {
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxLimit)
            {
                return (null, $"limit must be a whole number within 1..{MaxLimit}, got '{Shorten(limit)}'");
            }

            filter = filter with { Limit = count };
        }

        if (cursor is not null)
        {
            if (DecodeCursor(cursor) is not { } after)
            {
                return (null, $"cursor '{Shorten(cursor)}' is not one this service gave out (pass nextCursor of the previous page unchanged)");
            }

            filter = filter with { After = after };
        }

        return (filter, null);
    }

    /// <summary>Opaque to clients: the created time (ticks, UTC) and id of the last incident of a page, base64url.</summary>
    internal static string EncodeCursor(IncidentCursor cursor) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{cursor.CreatedAt.UtcTicks}|{cursor.IncidentId}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static IncidentCursor? DecodeCursor(string text)
    {
        if (text.Length is 0 or > 400)
        {
            return null;
        }

        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var length))
        {
            return null;
        }

        var decoded = Encoding.UTF8.GetString(bytes, 0, length);
        var bar = decoded.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && bar < decoded.Length - 1
            && long.TryParse(decoded.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new IncidentCursor(new DateTimeOffset(ticks, TimeSpan.Zero), decoded[(bar + 1)..])
            : null;
    }

    private static (double South, double West, double North, double East)? ParseBox(string text, out string? error)
    {
        var parts = text.Split(',');
        var values = new double[4];
        if (parts.Length != 4 || !parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i])).All(ok => ok))
        {
            error = $"bbox must be four numbers south,west,north,east in degrees, got '{Shorten(text)}'";
            return null;
        }

        var (south, west, north, east) = (values[0], values[1], values[2], values[3]);
        if (south is < -90 or > 90 || north is < -90 or > 90 || west is < -180 or > 180 || east is < -180 or > 180)
        {
            error = $"bbox '{Shorten(text)}' lies outside latitude -90..90 / longitude -180..180";
            return null;
        }

        if (south > north || west > east)
        {
            error = $"bbox '{Shorten(text)}' must give its south-west corner first: south <= north and west <= east";
            return null;
        }

        error = null;
        return (south, west, north, east);
    }

    private static bool TryParseTime(string text, TimeSpan cityUtcOffset, out DateTimeOffset time)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            // A day is the city's day: its local midnight.
            time = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), cityUtcOffset);
            return true;
        }

        // A date-time must carry its offset (or Z): a bare local time would mean different instants to different readers.
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        var timePart = t < 0 ? "" : text[(t + 1)..];
        var hasOffset = timePart.EndsWith('Z') || timePart.EndsWith('z') || timePart.Contains('+', StringComparison.Ordinal) || timePart.Contains('-', StringComparison.Ordinal);
        time = default;
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static bool TryParseName<T>(string text, out T value)
        where T : struct, Enum =>
        Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !text.Any(char.IsDigit);

    private static DistrictRef? District(CityModel city, string? gridId) =>
        gridId is not null && city.Grids.FirstOrDefault(g => g.Id == gridId) is { } grid ? new DistrictRef(grid.Id, grid.Name, grid.NameEn) : null;

    private static IncidentListItem ToItem(IncidentSummary s, CityModel city) => new(
        s.IncidentId,
        s.Type,
        s.Priority.ToString(),
        s.Source.ToString(),
        s.Status.ToString(),
        s.Latitude,
        s.Longitude,
        s.CreatedAt,
        s.EndedAt,
        District(city, s.GridId),
        s.StationId,
        s.Description);

    internal static IncidentDetail ToDetail(IncidentView v, CityModel city) => new(
        v.IncidentId,
        v.Type,
        v.Priority.ToString(),
        v.Source.ToString(),
        v.Status.ToString(),
        v.Location.Latitude,
        v.Location.Longitude,
        v.CreatedAt,
        v.EndedAt,
        v.Disposition,
        District(city, city.FindGrid(v.Location)?.Id),
        v.Description,
        [.. v.Tiers.Select(t => new IncidentTierDetail(t.Name, t.Kind.ToString(), t.Requested, t.Deadline, t.Outcome.ToString(), t.AtRisk, t.FirstArrivalAt, t.StationId, t.StationResponders, t.Shortfalls))],
        [.. v.Assignments.Select(a => new IncidentAssignmentDetail(a.UnitId, city.FindUnit(a.UnitId)?.CallSign, a.TierName, a.AssignmentNumber, a.State.ToString(),
            a.AssignedAt, a.AckDeadline, a.EtaSeconds, a.ArrivedAt, a.EndedAt, a.EndReason))],
        [.. v.Timeline.Select(e => new IncidentTimelineItem(e.Sequence, e.At, e.Kind, e.Actor, e.Text, e.UnitId, e.TierName))]);

    private static string Shorten(string? value) => value is null ? "" : value.Length <= 64 ? value : value[..64] + "...";
}
