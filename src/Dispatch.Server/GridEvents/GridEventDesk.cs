using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dispatch.Abstractions.GridEvents;
using Dispatch.Abstractions.Incidents;
using Dispatch.Abstractions.Records;
using Dispatch.Domain.City;
using Dispatch.Domain.Geo;
using Dispatch.Domain.GridEvents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Security;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.GridEvents;

/// <summary>A new grid event as sent: category, place, text, photos (base64), and a resident's contact.</summary>
public sealed record GridEventReportRequest(string? Category, double? Latitude, double? Longitude, string? Text, string[]? Photos, string? Contact);

/// <summary>A step on an event: the version the client read, a note, a department (assign), a rating and comment (rate).</summary>
public sealed record GridEventStepRequest(long? Version, string? Note, string? Department, int? Rating, string? Comment);

/// <summary>Turning an event into an incident: its type and priority.</summary>
public sealed record GridEventIncidentRequest(long? Version, string? Type, string? Priority, string? Note);

/// <summary>A grid event as the API shows it (never the follow-up code's hash).</summary>
public sealed record GridEventView(
    string EventId, long Version, string State, string Category, string CategoryName, string Department, string DepartmentName, string RoutingReason,
    string GridId, string DistrictId, double Latitude, double Longitude, string Text, string ReporterKind, string? Reporter, string? Contact,
    DateTimeOffset ReportedAt, DateTimeOffset DueAt, bool Overdue, DateTimeOffset? ResolvedAt, int? Rating, string? RatingComment,
    DateTimeOffset? EscalatedAt, string? IncidentId, int PhotoCount, IReadOnlyList<GridEventJournalEntry>? Journal);

/// <summary>What a resident sees with the follow-up code: where the report stands, never who handles it internally or other reports.</summary>
public sealed record GridEventFollowView(string EventId, string State, string Category, string CategoryName, DateTimeOffset ReportedAt, DateTimeOffset DueAt, DateTimeOffset? ResolvedAt, int? Rating, bool CanRate);

/// <summary>A refusal: its HTTP status (400 bad input, 403 not yours, 404 unknown, 409 not in that state or changed meanwhile) and the sentence.</summary>
public sealed record GridEventRefusal(int Status, string Error)
{
    public static GridEventRefusal Bad(string error) => new(StatusCodes.Status400BadRequest, error);

    public static GridEventRefusal Forbidden(string error) => new(StatusCodes.Status403Forbidden, error);

    public static GridEventRefusal NotFound(string eventId) => new(StatusCodes.Status404NotFound, $"no grid event '{Clip(eventId)}'");

    public static GridEventRefusal Conflict(string error) => new(StatusCodes.Status409Conflict, error);

    public static string Clip(string? text) => text is null ? "" : text.Length > 64 ? text[..64] : text;
}

/// <summary>Who acts on a grid event, from the authenticated principal (never from a name the client sent).</summary>
public sealed record GridEventActor(string Name, bool Commands, bool Reads, bool IsGridWorker, IReadOnlySet<string>? Departments)
{
    public const string DepartmentPrefix = "department:";

    /// <summary>The journal's actor: "operator:ann", "department:power:bob", "grid-worker:gw1".</summary>
    public string Journal => Commands ? $"operator:{Name}" : Departments is not null ? $"department:{Name}" : IsGridWorker ? $"grid-worker:{Name}" : $"viewer:{Name}";

    public static GridEventActor Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var name = user.Identity?.Name ?? "unknown";
        var commands = user.IsInRole(Roles.Operator) || user.IsInRole(Roles.Supervisor);
        HashSet<string>? departments = user.IsInRole(Roles.Department)
            ? [.. user.FindAll(DispatchClaims.Unit).Select(c => c.Value).Where(v => v.StartsWith(DepartmentPrefix, StringComparison.Ordinal)).Select(v => v[DepartmentPrefix.Length..])]
            : null;
        return new GridEventActor(name, commands, commands || user.IsInRole(Roles.Viewer), user.IsInRole(Roles.GridWorker), departments);
    }

    /// <summary>Whether this actor may see the event: commanders and viewers all, departments theirs, grid workers their own reports.</summary>
    public bool MaySee(GridEventRecord e) =>
        Reads || (Departments?.Contains(e.Department) ?? false) || (IsGridWorker && e.Reporter == Name);
}

/// <summary>
/// The grid events' closed loop: reports (grid workers, operators, residents without an account), steps through the
/// state machine with the version the client read, ratings, and the hand-over to the incident intake. Every step is
/// one version-checked commit of the event row and its journal entry.
/// </summary>
public sealed class GridEventDesk(
    IGridEventStore store, CityModel city, IOptions<GridEventOptions> options, IGrainFactory grains, TimeProvider timeProvider)
{
    /// <summary>What a department may do on its own queue; everything else is the command centre's.</summary>
    private static readonly HashSet<GridEventAction> DepartmentActions = [GridEventAction.Start, GridEventAction.Resolve, GridEventAction.Return, GridEventAction.Note];

    private readonly GridEventOptions _options = options.Value;

    public GridEventOptions Options => _options;

    public TimeProvider Clock => timeProvider;

    /// <summary>Raised after every committed change (live views, the index cache).</summary>
    public event Action<GridEventRecord>? Changed;

    /// <summary>Raised after every committed change with the event as it was before (null for a new report): live views follow a move between departments.</summary>
    public event Action<GridEventRecord, GridEventRecord?>? Committed;

    public async Task<(GridEventView? Event, string? FollowCode, GridEventRefusal? Refusal)> ReportAsync(
        GridEventReportRequest? request, GridEventActor? actor, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return (null, null, GridEventRefusal.Bad("a report needs a body: category, latitude, longitude, text"));
        }

        var resident = actor is null;
        if (string.IsNullOrWhiteSpace(request.Category) || !_options.Categories.ContainsKey(request.Category))
        {
            return (null, null, GridEventRefusal.Bad(
                $"unknown category '{GridEventRefusal.Clip(request.Category)}'; expected one of {string.Join(", ", _options.Categories.Keys.Order(StringComparer.Ordinal))}"));
        }

        if (request.Latitude is not { } latitude || request.Longitude is not { } longitude || !double.IsFinite(latitude) || !double.IsFinite(longitude)
            || latitude is < -90 or > 90 || longitude is < -180 or > 180)
        {
            return (null, null, GridEventRefusal.Bad($"latitude and longitude must be a place on earth, got {request.Latitude?.ToString() ?? "none"}, {request.Longitude?.ToString() ?? "none"}"));
        }

        var grid = city.FindGrid(new GeoPoint(latitude, longitude));
        if (grid is null)
        {
            return (null, null, GridEventRefusal.Bad(FormattableString.Invariant($"the place {latitude:0.######}, {longitude:0.######} is outside every grid of the city")));
        }

        var text = request.Text?.Trim() ?? "";
        if (text.Length == 0 || text.Length > _options.MaxTextLength)
        {
            return (null, null, GridEventRefusal.Bad($"text must be 1..{_options.MaxTextLength} characters, got {text.Length}"));
        }

        var contact = request.Contact?.Trim();
        if (resident && (string.IsNullOrEmpty(contact) || contact.Length is < 3 or > 100))
        {
            return (null, null, GridEventRefusal.Bad($"a resident's report needs a contact (a phone number or e-mail, 3..100 characters), got {contact?.Length ?? 0} characters"));
        }

        var photos = new List<GridEventPhoto>();
        var sent = request.Photos ?? [];
        if (sent.Length > _options.MaxPhotos)
        {
            return (null, null, GridEventRefusal.Bad($"a report may carry at most {_options.MaxPhotos} photos, got {sent.Length}"));
        }

        for (var i = 0; i < sent.Length; i++)
        {
            var data = sent[i] ?? "";
            var comma = data.StartsWith("data:", StringComparison.Ordinal) ? data.IndexOf(',', StringComparison.Ordinal) : -1;
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(comma >= 0 ? data[(comma + 1)..] : data);
            }
            catch (FormatException)
            {
                return (null, null, GridEventRefusal.Bad($"photo {i + 1} is not base64"));
            }

            var (type, refusal) = PhotoCheck.Check(i + 1, bytes, _options.MaxPhotoBytes, _options.MaxPhotoSidePixels);
            if (refusal is not null)
            {
                return (null, null, GridEventRefusal.Bad(refusal));
            }

            photos.Add(new GridEventPhoto(i + 1, type!, bytes));
        }

        var routing = _options.Route(request.Category, grid.Id, grid.DistrictId)!;
        var now = timeProvider.GetUtcNow();
        string? followCode = resident ? NewFollowCode() : null;
        var draft = new GridEventRecord
        {
            EventId = "",
            State = GridEventState.Reported,
            Category = request.Category,
            Department = routing.Department,
            RoutingReason = routing.Reason,
            GridId = grid.Id,
            DistrictId = grid.DistrictId,
            Latitude = latitude,
            Longitude = longitude,
            Text = text,
            ReporterKind = resident ? GridEventReporterKind.Resident : actor!.IsGridWorker && !actor.Commands ? GridEventReporterKind.GridWorker : GridEventReporterKind.Operator,
            Reporter = actor?.Name,
            Contact = resident ? contact : null,
            FollowCodeHash = followCode is null ? null : Hash(followCode),
            ReportedAt = now,
            DueAt = now + routing.Sla,
        };
        var created = await store.CreateAsync(draft, resident ? "resident" : actor!.Journal, $"routed to {routing.Department} ({routing.Reason})", photos, cancellationToken);
        Changed?.Invoke(created);
        Committed?.Invoke(created, null);
        return (View(created, null), followCode, null);
    }

    public async Task<(GridEventView? Event, GridEventRefusal? Refusal)> ReadAsync(string eventId, GridEventActor actor, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(eventId, cancellationToken);
        return stored is null || !actor.MaySee(stored.Event)
            ? (null, GridEventRefusal.NotFound(eventId))
            : (View(stored.Event, stored.Journal), null);
    }

    /// <summary>The events this actor may see, newest first, optionally in one state.</summary>
    public Task<IReadOnlyList<GridEventView>> ListAsync(GridEventActor actor, GridEventState? state, string? department, CancellationToken cancellationToken) =>
        ListAsync(actor, state is { } s ? [s] : null, department, 500, cancellationToken);

    /// <summary>The open events this actor may see (their time limits running), newest first: what live views start from.</summary>
    public Task<IReadOnlyList<GridEventView>> ListOpenAsync(GridEventActor actor, CancellationToken cancellationToken) =>
        ListAsync(actor, OpenStates, null, MaxOpenListed, cancellationToken);

    /// <summary>The states whose time limit is running.</summary>
    public static readonly IReadOnlyList<GridEventState> OpenStates = [.. Enum.GetValues<GridEventState>().Where(GridEventMachine.IsOpen)];

    /// <summary>Most open events a live view starts with (newest first).</summary>
    public const int MaxOpenListed = 5_000;

    private async Task<IReadOnlyList<GridEventView>> ListAsync(
        GridEventActor actor, IReadOnlyList<GridEventState>? states, string? department, int limit, CancellationToken cancellationToken)
    {
        var filter = new GridEventFilter { States = states, Limit = limit };
        if (!actor.Reads)
        {
            filter = actor.Departments is { } mine
                ? filter with { Departments = department is null ? [.. mine] : mine.Contains(department) ? [department] : [] }
                : filter with { Reporter = actor.Name };
        }
        else if (department is not null)
        {
            filter = filter with { Departments = [department] };
        }

        return [.. (await store.FindAsync(filter, cancellationToken)).Select(e => View(e, null))];
    }

    public Task<GridEventPhoto?> PhotoAsync(GridEventRecord e, int number, CancellationToken cancellationToken) => store.ReadPhotoAsync(e.EventId, number, cancellationToken);

    public async Task<GridEventRecord?> RecordAsync(string eventId, CancellationToken cancellationToken) => (await store.ReadAsync(eventId, cancellationToken))?.Event;

    /// <summary>One step by a signed-in person: checks who may take it, the version read and the state, then commits it.</summary>
    public async Task<(GridEventView? Event, GridEventRefusal? Refusal)> StepAsync(
        string eventId, string actionName, GridEventStepRequest? request, GridEventActor actor, CancellationToken cancellationToken)
    {
        request ??= new GridEventStepRequest(null, null, null, null, null);
        if (ParseAction(actionName) is not { } action)
        {
            return (null, GridEventRefusal.Bad(
                $"unknown action '{GridEventRefusal.Clip(actionName)}'; expected one of accept, reject, assign, return, start, resolve, close, escalate, note"));
        }

        var stored = await store.ReadAsync(eventId, cancellationToken);
        if (stored is null || !actor.MaySee(stored.Event))
        {
            return (null, GridEventRefusal.NotFound(eventId));
        }

        var e = stored.Event;
        if (!actor.Commands && !(actor.Departments?.Contains(e.Department) == true && DepartmentActions.Contains(action)))
        {
            return (null, GridEventRefusal.Forbidden(actor.Departments is null
                ? $"only the command centre may {GridEventMachine.Verb(action)} grid event {e.EventId}"
                : $"department accounts may start, resolve, return or note their own department's events; not {GridEventMachine.Verb(action)} grid event {e.EventId} of {e.Department}"));
        }

        var note = request.Note?.Trim() ?? "";
        if (note.Length > _options.MaxTextLength)
        {
            return (null, GridEventRefusal.Bad($"note must be at most {_options.MaxTextLength} characters, got {note.Length}"));
        }

        if (action == GridEventAction.Note && note.Length == 0)
        {
            return (null, GridEventRefusal.Bad("a note needs text"));
        }

        var department = e.Department;
        if (action == GridEventAction.Assign && request.Department is { } wanted)
        {
            if (!_options.Departments.ContainsKey(wanted))
            {
                return (null, GridEventRefusal.Bad(
                    $"unknown department '{GridEventRefusal.Clip(wanted)}'; expected one of {string.Join(", ", _options.Departments.Keys.Order(StringComparer.Ordinal))}"));
            }

            department = wanted;
        }

        return await CommitStepAsync(e, action, request.Version, actor.Journal, note, r => r with { Department = department }, cancellationToken);
    }

    /// <summary>A rating (1..5) by the grid worker who reported the event.</summary>
    public async Task<(GridEventView? Event, GridEventRefusal? Refusal)> RateAsync(
        string eventId, GridEventStepRequest? request, GridEventActor actor, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(eventId, cancellationToken);
        if (stored is null || !actor.MaySee(stored.Event))
        {
            return (null, GridEventRefusal.NotFound(eventId));
        }

        if (stored.Event.Reporter != actor.Name)
        {
            return (null, GridEventRefusal.Forbidden($"only the reporter of grid event {stored.Event.EventId} may rate it"));
        }

        return await RateRecordAsync(stored.Event, request, actor.Journal, cancellationToken);
    }

    /// <summary>What a resident sees with the follow-up code; null when no report has that code.</summary>
    public async Task<GridEventFollowView?> FollowAsync(string code, CancellationToken cancellationToken)
    {
        var e = await FindByCodeAsync(code, cancellationToken);
        return e is null ? null : Follow(e);
    }

    /// <summary>A resident's rating with the follow-up code.</summary>
    public async Task<(GridEventFollowView? Event, GridEventRefusal? Refusal)> RateByCodeAsync(string code, GridEventStepRequest? request, CancellationToken cancellationToken)
    {
        var e = await FindByCodeAsync(code, cancellationToken);
        if (e is null)
        {
            return (null, new GridEventRefusal(StatusCodes.Status404NotFound, "no report has this follow-up code"));
        }

        var (rated, refusal) = await RateRecordAsync(e, request, $"resident:{e.EventId}", cancellationToken);
        return refusal is not null ? (null, refusal) : (Follow((await store.ReadAsync(rated!.EventId, cancellationToken))!.Event), null);
    }

    /// <summary>
    /// The event becomes an incident through the intake (one action): the incident's description names the event, the
    /// event closes with the incident's id.
    /// </summary>
    public async Task<(GridEventView? Event, GridEventRefusal? Refusal)> ConvertAsync(
        string eventId, GridEventIncidentRequest? request, GridEventActor actor, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(eventId, cancellationToken);
        if (stored is null)
        {
            return (null, GridEventRefusal.NotFound(eventId));
        }

        var e = stored.Event;
        if (request?.Version is { } version && version != e.Version)
        {
            return (null, Stale(e, version));
        }

        var (_, refusal) = GridEventMachine.Apply(e.EventId, e.State, GridEventAction.ConvertToIncident);
        if (refusal is not null)
        {
            return (null, GridEventRefusal.Conflict(refusal));
        }

        var priority = IncidentPriority.Normal;
        if (!string.IsNullOrEmpty(request?.Priority)
            && (!Enum.TryParse(request.Priority, ignoreCase: true, out priority) || !Enum.IsDefined(priority) || int.TryParse(request.Priority, out _)))
        {
            return (null, GridEventRefusal.Bad($"unknown priority '{GridEventRefusal.Clip(request.Priority)}'; expected Critical, High, Normal or Low"));
        }

        var type = string.IsNullOrWhiteSpace(request?.Type) ? "public-order" : request.Type.Trim();
        var report = new IncidentReport(type, priority, e.Latitude, e.Longitude,
            Truncate($"from grid event {e.EventId} ({e.Category}): {e.Text}", IncidentReport.MaxDescriptionLength), IncidentSource.Operator, Dispatch.Abstractions.Common.Actors.Operator(actor.Name));
        if (report.Validate() is { } invalid)
        {
            return (null, GridEventRefusal.Bad(invalid));
        }

        var result = await grains.GetGrain<IIntakeGrain>(0).ReportAsync(report);
        if (!result.Ok)
        {
            return (null, GridEventRefusal.Conflict($"the intake refused the incident: {result.Error}"));
        }

        var note = $"became incident {result.IncidentId}" + (string.IsNullOrWhiteSpace(request?.Note) ? "" : $": {request.Note.Trim()}");
        var (view, commitRefusal) = await CommitStepAsync(e, GridEventAction.ConvertToIncident, e.Version, actor.Journal, note, r => r with { IncidentId = result.IncidentId }, cancellationToken);
        if (commitRefusal is not null)
        {
            // Someone changed the event while the incident opened: the incident exists, so the link must be kept.
            var again = (await store.ReadAsync(eventId, cancellationToken))!.Event;
            (view, commitRefusal) = await CommitStepAsync(again, GridEventMachine.IsFinal(again.State) ? GridEventAction.Note : GridEventAction.ConvertToIncident,
                again.Version, actor.Journal, note, r => r with { IncidentId = result.IncidentId }, cancellationToken);
        }

        return (view, commitRefusal);
    }

    /// <summary>Escalates every open event past its time limit to its district; returns how many. Each host runs it; the version check makes one of them win.</summary>
    public async Task<int> EscalateOverdueAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var overdue = await store.FindAsync(new GridEventFilter { OpenDueBy = now, Limit = 1_000 }, cancellationToken);
        var escalated = 0;
        foreach (var e in overdue.Where(e => e.State != GridEventState.Escalated && e.EscalatedAt is null))
        {
            if (await EscalatePastLimitAsync(e, cancellationToken) is not null)
            {
                escalated++;
            }
        }

        return escalated;
    }

    /// <summary>
    /// The moment one event's time limit passes: escalates it to its district when it is open, past due, not escalated
    /// before and in a state that may be escalated. Returns the event as it stands afterwards (null when unknown) and
    /// whether this call escalated it.
    /// </summary>
    public async Task<(GridEventRecord? Event, bool Escalated)> EscalateIfOverdueAsync(string eventId, CancellationToken cancellationToken)
    {
        var e = (await store.ReadAsync(eventId, cancellationToken))?.Event;
        if (e is null || !GridEventMachine.IsOpen(e.State) || e.DueAt > timeProvider.GetUtcNow() || e.State == GridEventState.Escalated || e.EscalatedAt is not null
            || !GridEventMachine.AllowedFrom(GridEventAction.Escalate).Contains(e.State))
        {
            return (e, false);
        }

        var escalated = await EscalatePastLimitAsync(e, cancellationToken);
        return escalated is null ? ((await store.ReadAsync(eventId, cancellationToken))?.Event, false) : (escalated, true);
    }

    private async Task<GridEventRecord?> EscalatePastLimitAsync(GridEventRecord e, CancellationToken cancellationToken)
    {
        var district = city.FindDistrict(e.DistrictId)?.Name ?? e.DistrictId;
        var (committed, _) = await CommitRecordAsync(e, GridEventAction.Escalate, e.Version, "system:sla",
            $"past its time limit ({e.DueAt:yyyy-MM-dd HH:mm} UTC): escalated to {district}", r => r, cancellationToken);
        return committed;
    }

    public GridEventView View(GridEventRecord e, IReadOnlyList<GridEventJournalEntry>? journal) => new(
        e.EventId, e.Version, GridEventMachine.Name(e.State), e.Category, _options.Categories.TryGetValue(e.Category, out var c) ? c.Name : e.Category,
        e.Department, _options.Departments.TryGetValue(e.Department, out var d) ? d.Name : e.Department, e.RoutingReason, e.GridId, e.DistrictId,
        e.Latitude, e.Longitude, e.Text, e.ReporterKind switch { GridEventReporterKind.Resident => "resident", GridEventReporterKind.GridWorker => "grid-worker", _ => "operator" },
        e.Reporter, e.Contact, e.ReportedAt, e.DueAt, GridEventMachine.IsOpen(e.State) && e.DueAt <= timeProvider.GetUtcNow(), e.ResolvedAt, e.Rating, e.RatingComment,
        e.EscalatedAt, e.IncidentId, e.PhotoCount, journal);

    private GridEventFollowView Follow(GridEventRecord e) => new(
        e.EventId, GridEventMachine.Name(e.State), e.Category, _options.Categories.TryGetValue(e.Category, out var c) ? c.Name : e.Category,
        e.ReportedAt, e.DueAt, e.ResolvedAt, e.Rating, e.State == GridEventState.Resolved);

    private async Task<(GridEventView? Event, GridEventRefusal? Refusal)> RateRecordAsync(
        GridEventRecord e, GridEventStepRequest? request, string actor, CancellationToken cancellationToken)
    {
        if (request?.Rating is not (>= 1 and <= 5))
        {
            return (null, GridEventRefusal.Bad($"rating must be a whole number from 1 to 5, got {request?.Rating?.ToString() ?? "none"}"));
        }

        var comment = request.Comment?.Trim();
        if (comment?.Length > 500)
        {
            return (null, GridEventRefusal.Bad($"comment must be at most 500 characters, got {comment.Length}"));
        }

        return await CommitStepAsync(e, GridEventAction.Rate, request.Version, actor, $"{request.Rating} of 5{(string.IsNullOrEmpty(comment) ? "" : $": {comment}")}",
            r => r with { Rating = request.Rating, RatingComment = string.IsNullOrEmpty(comment) ? null : comment }, cancellationToken);
    }

    private async Task<(GridEventView? Event, GridEventRefusal? Refusal)> CommitStepAsync(
        GridEventRecord e, GridEventAction action, long? expectedVersion, string actor, string note, Func<GridEventRecord, GridEventRecord> change, CancellationToken cancellationToken)
    {
        var (committed, refusal) = await CommitRecordAsync(e, action, expectedVersion, actor, note, change, cancellationToken);
        return committed is null ? (null, refusal) : (View(committed, null), null);
    }

    private async Task<(GridEventRecord? Event, GridEventRefusal? Refusal)> CommitRecordAsync(
        GridEventRecord e, GridEventAction action, long? expectedVersion, string actor, string note, Func<GridEventRecord, GridEventRecord> change, CancellationToken cancellationToken)
    {
        if (expectedVersion is { } version && version != e.Version)
        {
            return (null, Stale(e, version));
        }

        var (next, refusal) = GridEventMachine.Apply(e.EventId, e.State, action);
        if (refusal is not null)
        {
            return (null, GridEventRefusal.Conflict(refusal));
        }

        var now = timeProvider.GetUtcNow();
        var updated = change(e) with { State = next!.Value };
        updated = action switch
        {
            GridEventAction.Resolve => updated with { ResolvedAt = now },
            GridEventAction.Rate => updated with { RatedAt = now },
            GridEventAction.Escalate => updated with { EscalatedAt = e.EscalatedAt ?? now },
            GridEventAction.Return => updated with { Department = e.Department },
            _ => updated,
        };
        try
        {
            var committed = await store.CommitAsync(updated, e.Version, GridEventMachine.Kind(action), actor, note, cancellationToken);
            Changed?.Invoke(committed);
            Committed?.Invoke(committed, e);
            return (committed, null);
        }
        catch (RecordVersionConflictException conflict)
        {
            return (null, GridEventRefusal.Conflict(conflict.Message));
        }
    }

    private static GridEventRefusal Stale(GridEventRecord e, long version) =>
        GridEventRefusal.Conflict($"grid event {e.EventId} is at version {e.Version}, not {version}: it changed since it was read (now {GridEventMachine.Describe(e.State)})");

    private async Task<GridEventRecord?> FindByCodeAsync(string code, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(code) || code.Length > 64 ? null : await store.FindByFollowCodeHashAsync(Hash(code.Trim().ToUpperInvariant()), cancellationToken);

    private static GridEventAction? ParseAction(string name) => name switch
    {
        "accept" => GridEventAction.Accept,
        "reject" => GridEventAction.Reject,
        "assign" => GridEventAction.Assign,
        "return" => GridEventAction.Return,
        "start" => GridEventAction.Start,
        "resolve" => GridEventAction.Resolve,
        "close" => GridEventAction.Close,
        "escalate" => GridEventAction.Escalate,
        "note" => GridEventAction.Note,
        _ => null,
    };

    /// <summary>Ten characters of an alphabet without look-alikes (no 0/O, 1/I/L): about 48 bits, read over the phone.</summary>
    private static string NewFollowCode()
    {
        const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
        return string.Create(10, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }

    internal static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
