using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Dispatch.Abstractions.GridEvents;
using Dispatch.Domain.City;
using Dispatch.Domain.GridEvents;
using Dispatch.Domain.SafetyIndex;
using Dispatch.Server.City;
using Dispatch.Server.Hosting;
using Dispatch.Server.Security;
using Dispatch.Storage;
using Dispatch.Storage.GridEvents;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.GridEvents;

public static class GridEventsApi
{
    /// <summary>Rate limit of the anonymous resident surface, per client address.</summary>
    public const string ResidentRateLimit = "grid-events-resident";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Grid events and the safety index: options checked at start (naming the key), the store beside the incident record, the desk, the time-limit sweep.</summary>
    public static WebApplicationBuilder AddGridEvents(this WebApplicationBuilder builder)
    {
        var options = new GridEventOptions();
        builder.Configuration.GetSection(GridEventOptions.SectionName).Bind(options);
        var city = builder.Services.Select(d => d.ImplementationInstance).OfType<LoadedCity>().FirstOrDefault()?.Model;
        var errors = options.Validate(city);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(GridEventOptions.SectionName, typeof(GridEventOptions), errors);
        }

        var index = new SafetyIndexOptions();
        builder.Configuration.GetSection(SafetyIndexOptions.SectionName).Bind(index);
        var indexErrors = index.Validate();
        if (indexErrors.Count > 0)
        {
            throw new OptionsValidationException(SafetyIndexOptions.SectionName, typeof(SafetyIndexOptions), indexErrors);
        }

        var storage = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        // In a cluster the events live on the cluster's PostgreSQL, so any host lists and steps an event reported
        // through another; embedded, beside the host's other SQLite tables.
        var storeOptions = storage.Dialect == RelationalDialect.PostgreSql
            ? new RelationalGridEventStoreOptions { Dialect = RelationalDialect.PostgreSql, ConnectionString = storage.PostgreSqlConnectionString! }
            : new RelationalGridEventStoreOptions
            {
                Dialect = RelationalDialect.Sqlite,
                ConnectionString = $"Data Source={Path.GetFullPath(storage.SqlitePath, builder.Environment.ContentRootPath)}",
            };
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(Options.Create(index));
        builder.Services.AddSingleton<IGridEventStore>(sp => new RelationalGridEventStore(storeOptions, sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton<GridEventDesk>();
        builder.Services.AddSingleton<SafetyIndexDesk>();
        builder.Services.AddSingleton<CameraShareSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CameraShareSampler>());
        builder.Services.AddHostedService<GridEventSlaWatch>();
        builder.Services.AddSingleton<GridEventFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GridEventFeed>());
        builder.Services.Configure<RateLimiterOptions>(o => o.AddPolicy(ResidentRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
            "resident:" + SecurityAudit.RemoteOf(http),
            _ => new FixedWindowRateLimiterOptions { PermitLimit = options.ResidentRequestsPerHourPerAddress, Window = TimeSpan.FromHours(1), QueueLimit = 0 })));
        return builder;
    }

    /// <summary>
    /// The grid event surface (docs/grid-events.md) and GET /api/index (docs/safety-index.md). Residents reach three
    /// endpoints without an account, throttled per address: the catalog, their report, and the follow-up code.
    /// </summary>
    public static WebApplication MapGridEvents(this WebApplication app)
    {
        // Live changes for the operator map and the department queue; a connection ends when its session does.
        app.MapHub<GridEventsHub>(GridEventsHub.Path, o => o.CloseOnAuthenticationExpiration = true);

        // Anonymous on purpose: the resident's report page, for people without an account (self-contained: the bundle is inlined, since /dist needs a session).
        app.MapGet("/report", (IWebHostEnvironment environment) => Results.Content(ReportPage(environment), "text/html; charset=utf-8"))
            .AllowAnonymous().RequireRateLimiting(ResidentRateLimit).WithName("GridReportPage");

        // Anonymous on purpose: the resident's page needs the categories before anyone signs in (throttled like the rest of the resident surface).
        // The grids' outlines come with them: the page's map shows where reports are taken and refuses a place outside every grid before sending.
        app.MapGet("/api/grid-events/catalog", (IOptions<GridEventOptions> options, CityModel city) => Results.Json(new
        {
            grids = city.Grids.Select(g => new
            {
                id = g.Id,
                name = g.Name,
                nameEn = g.NameEn,
                districtName = g.DistrictName,
                ring = g.Boundary.ExteriorRing.Coordinates.Select(c => new[] { Math.Round(c.Y, 6), Math.Round(c.X, 6) }),
            }),
            categories = options.Value.Categories.Select(c => new { id = c.Key, name = c.Value.Name, nameEn = c.Value.NameEn, department = c.Value.Department, slaHours = c.Value.SlaHours }),
            departments = options.Value.Departments.Select(d => new { id = d.Key, name = d.Value.Name, nameEn = d.Value.NameEn }),
            maxPhotos = options.Value.MaxPhotos,
            maxPhotoBytes = options.Value.MaxPhotoBytes,
        }, Json)).AllowAnonymous().RequireRateLimiting(ResidentRateLimit).WithName("GetGridEventCatalog");

        // Anonymous on purpose: residents report without an account (a contact, photos checked by decoding), throttled per address.
        app.MapPost("/api/grid-events/resident", async (GridEventReportRequest? request, GridEventDesk desk, CancellationToken cancellationToken) =>
        {
            var (view, code, refusal) = await desk.ReportAsync(request, null, cancellationToken);
            return refusal is not null
                ? Refuse(refusal)
                : Results.Json(new { eventId = view!.EventId, followCode = code, state = view.State, category = view.CategoryName, dueAt = view.DueAt }, Json, statusCode: 201);
        }).AllowAnonymous().RequireRateLimiting(ResidentRateLimit).WithName("ReportGridEventAsResident");

        // Anonymous on purpose: the follow-up code is the resident's only key (48 random bits, hashed at rest), throttled per address.
        app.MapGet("/api/grid-events/follow/{code}", async (string code, GridEventDesk desk, CancellationToken cancellationToken) =>
            await desk.FollowAsync(code, cancellationToken) is { } view ? Results.Json(view, Json) : Results.NotFound(new { error = "no report has this follow-up code" }))
            .AllowAnonymous().RequireRateLimiting(ResidentRateLimit).WithName("FollowGridEvent");

        app.MapPost("/api/grid-events/follow/{code}/rate", async (string code, GridEventStepRequest? request, GridEventDesk desk, CancellationToken cancellationToken) =>
        {
            var (view, refusal) = await desk.RateByCodeAsync(code, request, cancellationToken);
            return refusal is null ? Results.Json(view, Json) : Refuse(refusal);
        }).AllowAnonymous().RequireRateLimiting(ResidentRateLimit).WithName("RateGridEventByCode");

        app.MapPost("/api/grid-events", async (GridEventReportRequest? request, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (view, _, refusal) = await desk.ReportAsync(request, GridEventActor.Of(http.User), cancellationToken);
            return refusal is null ? Results.Json(view, Json, statusCode: 201) : Refuse(refusal);
        }).RequireAuthorization(Policies.ReportGridEvents).WithName("ReportGridEvent");

        app.MapGet("/api/grid-events", async (string? state, string? department, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            GridEventState? wanted = null;
            if (!string.IsNullOrEmpty(state))
            {
                wanted = GridEventMachine.ParseState(state);
                if (wanted is null)
                {
                    return Results.BadRequest(new { error = $"unknown state '{GridEventRefusal.Clip(state)}'; expected one of {string.Join(", ", Enum.GetValues<GridEventState>().Select(GridEventMachine.Name))}" });
                }
            }

            return Results.Json(await desk.ListAsync(GridEventActor.Of(http.User), wanted, department, cancellationToken), Json);
        }).RequireAuthorization(Policies.ReadGridEvents).WithName("ListGridEvents");

        app.MapGet("/api/grid-events/{eventId}", async (string eventId, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (view, refusal) = await desk.ReadAsync(eventId, GridEventActor.Of(http.User), cancellationToken);
            return refusal is null ? Results.Json(view, Json) : Refuse(refusal);
        }).RequireAuthorization(Policies.ReadGridEvents).WithName("GetGridEvent");

        app.MapGet("/api/grid-events/{eventId}/photos/{number:int}", async (string eventId, int number, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var e = await desk.RecordAsync(eventId, cancellationToken);
            if (e is null || !GridEventActor.Of(http.User).MaySee(e))
            {
                return Refuse(GridEventRefusal.NotFound(eventId));
            }

            var photo = await desk.PhotoAsync(e, number, cancellationToken);
            return photo is null
                ? Results.NotFound(new { error = $"grid event {e.EventId} has no photo {number} (it has {e.PhotoCount})" })
                : Results.File(photo.Bytes, photo.ContentType);
        }).RequireAuthorization(Policies.ReadGridEvents).WithName("GetGridEventPhoto");

        app.MapPost("/api/grid-events/{eventId}/steps/{action}", async (string eventId, string action, GridEventStepRequest? request, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (view, refusal) = await desk.StepAsync(eventId, action, request, GridEventActor.Of(http.User), cancellationToken);
            return refusal is null ? Results.Json(view, Json) : Refuse(refusal);
        }).RequireAuthorization(Policies.WorkGridEvents).WithName("StepGridEvent");

        app.MapPost("/api/grid-events/{eventId}/rate", async (string eventId, GridEventStepRequest? request, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (view, refusal) = await desk.RateAsync(eventId, request, GridEventActor.Of(http.User), cancellationToken);
            return refusal is null ? Results.Json(view, Json) : Refuse(refusal);
        }).RequireAuthorization(Policies.GridWorker).WithName("RateGridEvent");

        app.MapPost("/api/grid-events/{eventId}/incident", async (string eventId, GridEventIncidentRequest? request, GridEventDesk desk, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (view, refusal) = await desk.ConvertAsync(eventId, request, GridEventActor.Of(http.User), cancellationToken);
            return refusal is null ? Results.Json(view, Json) : Refuse(refusal);
        }).RequireAuthorization(Policies.Command).WithName("ConvertGridEventToIncident");

        app.MapGet("/api/index", async (string? district, string? from, string? to, SafetyIndexDesk desk, CityModel city, CancellationToken cancellationToken) =>
        {
            var today = desk.Today;
            if (!TryDay(from, today.AddDays(-6), out var start) || !TryDay(to, today, out var end))
            {
                return Results.BadRequest(new { error = $"from and to must be YYYY-MM-DD, got '{GridEventRefusal.Clip(from)}' and '{GridEventRefusal.Clip(to)}'" });
            }

            if (end < start || end.DayNumber - start.DayNumber + 1 > desk.Options.MaxRangeDays)
            {
                return Results.BadRequest(new { error = $"the range {start:yyyy-MM-dd}..{end:yyyy-MM-dd} must run forwards and span at most {desk.Options.MaxRangeDays} days" });
            }

            if (!string.IsNullOrEmpty(district) && city.FindDistrict(district) is null)
            {
                return Results.BadRequest(new { error = $"unknown district '{GridEventRefusal.Clip(district)}'; expected one of {string.Join(", ", city.Districts.Select(d => d.Id))}" });
            }

            var report = await desk.ReportAsync(start, end, cancellationToken);
            var districts = report.Districts.Select((d, rank) => (d, rank: rank + 1)).Where(x => string.IsNullOrEmpty(district) || x.d.DistrictId == district);
            return Results.Json(new
            {
                from = report.From,
                to = report.To,
                weights = desk.Options.Weights.All().ToDictionary(w => w.Name, w => w.Weight),
                districts = districts.Select(x => new { rank = x.rank, district = x.d }),
            }, Json);
        }).RequireAuthorization(Policies.ViewBoard).WithName("GetSafetyIndex");
        return app;
    }

    private static string? _reportPage;

    /// <summary>report.html with the page's bundle (dist/gridreport.js and .css) inlined; read once.</summary>
    private static string ReportPage(IWebHostEnvironment environment)
    {
        if (_reportPage is { } page)
        {
            return page;
        }

        string?[] candidates = [environment.WebRootPath, Path.Combine(environment.ContentRootPath, "wwwroot"), Path.Combine(AppContext.BaseDirectory, "wwwroot")];
        var root = candidates.FirstOrDefault(c => c is not null && File.Exists(Path.Combine(c, "report.html")))
            ?? throw new FileNotFoundException("report.html is missing beside the host's pages");
        var script = File.ReadAllText(Path.Combine(root, "dist", "gridreport.js")).Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
        var style = File.ReadAllText(Path.Combine(root, "dist", "gridreport.css"));
        return _reportPage = File.ReadAllText(Path.Combine(root, "report.html"))
            .Replace("<link rel=\"stylesheet\" href=\"/dist/gridreport.css\">", $"<style>{style}</style>", StringComparison.Ordinal)
            .Replace("<script type=\"module\" src=\"/dist/gridreport.js\"></script>", $"<script type=\"module\">{script}</script>", StringComparison.Ordinal);
    }

    private static bool TryDay(string? text, DateOnly fallback, out DateOnly day)
    {
        if (string.IsNullOrEmpty(text))
        {
            day = fallback;
            return true;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);
    }

    private static IResult Refuse(GridEventRefusal refusal) => Results.Json(new { error = refusal.Error }, statusCode: refusal.Status);
}
